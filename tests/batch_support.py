"""Shared by the tests of group transactions: an app that reads a batch's messages either way, and a test channel."""

from __future__ import annotations

import itertools

from services.bootstrap import App
from services.types import Inbound, MessageKind, Outbound
from tests.conftest import AppFactory

# Both ways a batch reads its messages: under the people's locks (the embedded NLU) or before them (a remote NLU,
# slow next to a turn). Each test module's `app` fixture is parametrised with these.
READING_WAYS = ["read under the locks", "read before the locks"]
_ids = itertools.count(1)


def app_reading(make_app: AppFactory, way: str) -> App:
    app = make_app()
    app.dialogue._parse_under_lock = way == "read under the locks"
    return app


def inbound(
    app: App, user: str, text: str = "", *, payload: str | None = None, message_id: str | None = None
) -> Inbound:
    kind = MessageKind.BUTTON if payload is not None else MessageKind.TEXT
    return Inbound("test", user, message_id or f"b{next(_ids)}", app.clock.now(), text=text, payload=payload, kind=kind)


def delivered(app: App) -> list[Outbound]:
    out: list[Outbound] = []
    app.outbox.drain("test", out.append, limit=10_000)
    return out
