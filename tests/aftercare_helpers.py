"""Helpers for the after-care tests: enrol a chat, move the fake clock with the scheduler, read the rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select

from services.aftercare.context import AftercareContext
from services.aftercare.feature import CONTEXT_HOOK
from services.bootstrap import App
from services.clock import FakeClock
from services.types import Outbound
from storage.aftercare_models import AftercareCheckin, AftercareEnrolment, AftercareEvent
from storage.models import HandoffRequest
from tests.helpers import Chat

T = TypeVar("T")


def enrol(app: App, user: str = "u1", at: str = "08:00") -> Chat:
    """A person who agreed to the privacy note, joined the check-ins and chose a time."""
    chat = Chat(app, user=user)
    chat.consent()
    chat.say("/aftercare join")
    chat.press("ac:yes")
    chat.press(f"ac:time:{at}")
    return chat


def wait(app: App, delta: timedelta, *chats: Chat) -> list[Outbound]:
    """Move the clock, run the due work as the scheduler would, deliver the outbox to the chats."""
    clock = app.clock
    assert isinstance(clock, FakeClock)
    clock.advance(delta)
    app.run_due()
    delivered: list[Outbound] = []
    app.outbox.drain("test", delivered.append, limit=100_000)
    for chat in chats:
        chat.received.extend(m for m in delivered if m.recipient == chat.user)
    return delivered


def to(messages: Sequence[Outbound], user: str) -> list[Outbound]:
    return [m for m in messages if m.recipient == user]


def checkin_payload(message: Outbound, kind: str) -> str:
    for button in message.buttons:
        if button.payload.startswith("ac:a:") and button.payload.endswith(f":{kind}"):
            return button.payload
    raise AssertionError(f"no {kind} button on {message.text!r}")


def all_rows(app: App, model: type[T], **where: Any) -> list[T]:
    with app.uow() as uow:
        stmt = select(model).filter_by(**where).order_by(model.id)  # type: ignore[attr-defined]
        rows = list(uow.session.scalars(stmt))
        uow.session.expunge_all()  # plain snapshots, readable after the unit of work closes
        return rows


def enrolment_of(app: App, chat: Chat) -> AftercareEnrolment:
    with app.uow() as uow:
        person = uow.people.find(chat.channel, chat.user)
        assert person is not None
        row = uow.session.scalars(select(AftercareEnrolment).where(AftercareEnrolment.person_id == person.id)).one()
        uow.session.expunge_all()
        return row


def checkins(app: App, chat: Chat) -> list[AftercareCheckin]:
    return all_rows(app, AftercareCheckin, enrolment_id=enrolment_of(app, chat).id)


def events(app: App, kind: str) -> list[AftercareEvent]:
    return all_rows(app, AftercareEvent, kind=kind)


def queue(app: App) -> list[HandoffRequest]:
    return all_rows(app, HandoffRequest)


def context(app: App) -> AftercareContext:
    ctx = app.extensions[CONTEXT_HOOK]
    assert isinstance(ctx, AftercareContext)
    return ctx


def enrol_many(app: App, count: int, times: Sequence[str] = ("08:00",), prefix: str = "p") -> list[int]:
    """`count` consenting people enrolled at once through the use cases (fast; the chat path has its own tests)."""
    from services.aftercare.enrolment import accept, change_time, offer
    from services.aftercare.plan import parse_clock
    from services.aftercare.repository import AftercareRepository

    ctx = context(app)
    now = app.clock.now()
    ids = []
    with app.uow() as uow:
        repo = AftercareRepository(uow.session)
        for number in range(count):
            person = uow.people.get_or_create("test", f"{prefix}{number}", now)
            person.consent_at = now
            offer(ctx, repo, person.id, "cli", now)
            row, _scheduled = accept(ctx, repo, person.id, now)
            change_time(ctx, repo, row, parse_clock(times[number % len(times)]), now)
            ids.append(person.id)
        uow.commit()
    return ids
