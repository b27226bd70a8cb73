"""Small helpers to talk to the core as a channel would."""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from services.bootstrap import App
from services.dialogue.turn import Turn
from services.logging_setup import JsonFormatter
from services.types import Button, Inbound, MessageKind, Outbound

_ids = itertools.count(1)


@dataclass
class Chat:
    """One person talking to the core through a test channel; collects what the outbox delivers."""

    app: App
    user: str = "u1"
    channel: str = "test"
    received: list[Outbound] = field(default_factory=list)

    def say(self, text: str, *, message_id: str | None = None, kind: MessageKind = MessageKind.TEXT) -> list[Outbound]:
        return self._send(
            Inbound(
                self.channel,
                self.user,
                message_id or f"m{next(_ids)}",
                self.app.clock.now(),
                text=text,
                kind=kind,
            )
        )

    def press(self, payload: str) -> list[Outbound]:
        return self._send(
            Inbound(
                self.channel,
                self.user,
                f"m{next(_ids)}",
                self.app.clock.now(),
                payload=payload,
                kind=MessageKind.BUTTON,
            )
        )

    def press_label(self, label: str) -> list[Outbound]:
        for message in reversed(self.received):
            for button in message.buttons:
                if button.label == label:
                    return self.press(button.payload)
        raise AssertionError(f"no button {label!r} was shown")

    def _send(self, inbound: Inbound) -> list[Outbound]:
        direct = self.app.dialogue.handle(inbound)
        delivered: list[Outbound] = list(direct)
        self.app.outbox.drain(self.channel, delivered.append)
        mine = [m for m in delivered if m.recipient == self.user]
        self.received.extend(mine)
        return mine

    def consent(self) -> None:
        self.say("/start")
        self.press("consent:yes")


def texts(messages: list[Outbound]) -> str:
    return "\n".join(m.text for m in messages)


def labels(messages: list[Outbound]) -> list[str]:
    return [b.label for m in messages for b in m.buttons]


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line written inside the block, formatted as in production (JSON), at DEBUG level."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


__all__ = ["Button", "Chat", "captured_logs", "labels", "texts"]


def break_turns_on(app: App, monkeypatch: pytest.MonkeyPatch, text: str = "boom") -> None:
    """Make the core raise, as a bug would, on every turn whose text is `text`; other turns run as usual."""
    real_route = app.router.route

    def breaking(turn: Turn) -> None:
        if turn.text == text:
            raise RuntimeError("a bug")
        real_route(turn)

    monkeypatch.setattr(app.router, "route", breaking)
