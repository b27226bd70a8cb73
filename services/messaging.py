"""Writing a message to anyone's outbox, inside the caller's transaction (turns, ticks, staff commands)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.types import Button
from storage.models import OutboxMessage
from storage.uow import UnitOfWork


def send_message(
    uow: UnitOfWork,
    person_id: int,
    text: str,
    buttons: Sequence[Button],
    now: datetime,
    *,
    about_person_id: int | None = None,
) -> int:
    """Queue a message to a person on their own channel; returns the outbox row id. `about_person_id`: whose
    words the message carries, when they are someone else's (their /delete removes it)."""
    row = queue_message(uow, person_id, text, buttons, now, about_person_id=about_person_id)
    uow.session.flush()
    return row.id


def queue_message(
    uow: UnitOfWork,
    person_id: int,
    text: str,
    buttons: Sequence[Button],
    now: datetime,
    *,
    about_person_id: int | None = None,
) -> OutboxMessage:
    """Like `send_message`, without waiting for the row's id: the row is written with the transaction's next
    flush, so a tick that sends hundreds of messages writes them in one batch."""
    person = uow.people.get(person_id)
    return uow.outbox.queue(
        person.id,
        person.channel,
        text.strip(),
        [{"label": b.label, "payload": b.payload} for b in buttons],
        now,
        about_person_id=about_person_id,
    )
