"""The core's plain text → Telegram HTML parts (≤ 4,096 characters each) and inline keyboards."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from services.types import Button

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units of the text after entity parsing
MAX_CALLBACK_BYTES = 64


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split at paragraph boundaries; a paragraph too long alone is split at lines, then words, then hard."""
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        candidate = f"{current}\n\n{piece}" if current else piece
        if utf16_len(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs, each no longer than the limit (long ones broken at lines, spaces, or anywhere)."""
    pieces: list[str] = []
    for paragraph in (p.strip("\n") for p in text.split("\n\n")):
        if not paragraph:
            continue
        if utf16_len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        pieces.extend(_break(paragraph, limit))
    return pieces


def _break(paragraph: str, limit: int) -> list[str]:
    out: list[str] = []
    rest = paragraph
    while utf16_len(rest) > limit:
        cut = _fit(rest, limit)
        window = rest[:cut]
        at = max(window.rfind("\n"), window.rfind(" "))
        if at > cut // 2:
            cut = at
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(rest)
    return out


def _fit(text: str, limit: int) -> int:
    """The longest prefix length (in characters) whose UTF-16 length fits the limit."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def to_html(text: str) -> str:
    """The core's texts are plain: every character that HTML gives meaning to is escaped."""
    return html.escape(text, quote=False)


def callback_data(payload: str, shorten: Callable[[str], str]) -> str:
    """The payload itself when it fits Telegram's 64 bytes, else a short key kept in the database."""
    return payload if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES else shorten(payload)


def keyboard(buttons: Sequence[Button], shorten: Callable[[str], str]) -> InlineKeyboardMarkup | None:
    """One button a row: the labels are full Vietnamese phrases, read on a phone."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=callback_data(b.payload, shorten))] for b in buttons]
    )
