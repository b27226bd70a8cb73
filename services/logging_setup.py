"""Structured (JSON) logs that never carry message text, names, phone numbers or tokens."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "taskName"}
# Belt and braces: whatever slips into a log line is scrubbed of these shapes.
_REDACTIONS = (
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"), "[token]"),  # Telegram bot token
    (re.compile(r"bot\d+:[A-Za-z0-9_-]+"), "bot[token]"),
    (re.compile(r"(?<!\d)(?:\+?84|0)[\s.\-]?\d(?:[\s.\-]?\d){7,9}(?!\d)"), "[phone]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return redact(json.dumps(entry, ensure_ascii=False))


def configure_logging(level: str = "INFO", stream: Any = None, file: Path | None = None) -> None:
    """Send JSON logs to a file (the console chat keeps the terminal for the conversation) or a stream."""
    handler: logging.Handler
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs request URLs (with the bot token in them) at INFO; python-telegram-bot logs request
    # parameters (message texts) at DEBUG.
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
