"""Erasing a person's personal data at their request, keeping only anonymous counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, update
from sqlalchemy.orm import Session

from storage.models import (
    AuditLog,
    DialogueState,
    InboxMessage,
    OutboxMessage,
    Person,
    TurnEvent,
)
from storage.uow import UnitOfWork

Eraser = Callable[[UnitOfWork, int, datetime], None]
ERASED = ""


def erase_inbox_texts(session: Session, where: ColumnElement[bool], now: datetime) -> None:
    """The inbox messages matching `where` lose their text and payload; the rows stay, as counts."""
    session.execute(update(InboxMessage).where(where).values(text=ERASED, payload=None, erased_at=now))


def _erase_core(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    s = uow.session
    erase_inbox_texts(s, InboxMessage.person_id == person_id, now)
    # Messages to them, and their own words or media relayed to someone else (their counsellor), sent or not.
    s.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.person_id == person_id, OutboxMessage.about_person_id == person_id)
        )
    )
    s.execute(update(TurnEvent).where(TurnEvent.person_id == person_id).values(entities="{}"))
    s.execute(update(DialogueState).where(DialogueState.person_id == person_id).values(data="{}", flow=None, step=None))


# Features that store personal data add their own eraser here (registration, after-care, ...).
ERASERS: list[Eraser] = [_erase_core]


def erase_person(uow: UnitOfWork, person: Person, now: datetime) -> None:
    for eraser in ERASERS:
        eraser(uow, person.id, now)
    person.consent_at = None
    person.consent_version = None
    person.consent_declined_at = None
    person.deleted_at = now
    uow.audit.add(
        AuditLog(
            at=now,
            actor="person:self",
            action="person.erase",
            subject_type="person",
            subject_id=str(person.id),
            reason="deleted at the person's request",
        )
    )
