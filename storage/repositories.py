"""Repositories: queries behind names. They flush but never commit; the unit of work does."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.crypto import active_cipher
from storage.models import (
    AuditLog,
    CrisisEvent,
    DialogueState,
    HandoffRequest,
    HandoffStatus,
    InboxMessage,
    InboxStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    TurnEvent,
)


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, channel: str, external_id: str) -> Person | None:
        digest = active_cipher().blind_index(external_id)
        return self._s.scalars(
            select(Person).where(Person.channel == channel, Person.external_id_hash == digest)
        ).one_or_none()

    def get_or_create(self, channel: str, external_id: str, now: datetime) -> Person:
        person = self.find(channel, external_id)
        if person is None:
            person = Person(
                channel=channel,
                external_id_hash=active_cipher().blind_index(external_id),
                external_id=external_id,
                created_at=now,
                last_seen_at=now,
                language="vi",
                anonymous=True,
                unreachable=False,
            )
            self._s.add(person)
            self._s.flush()
        return person

    def lock(self, person_id: int) -> Person:
        """Load a person for update: their turns are handled one at a time."""
        return self._s.scalars(select(Person).where(Person.id == person_id).with_for_update()).one()

    def get(self, person_id: int) -> Person:
        return self._s.get_one(Person, person_id)


class StateRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get_or_create(self, person_id: int, now: datetime) -> DialogueState:
        state = self._s.get(DialogueState, person_id)
        if state is None:
            state = DialogueState(person_id=person_id, data="{}", misses=0, turns=0, updated_at=now)
            self._s.add(state)
            self._s.flush()
        return state


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, message: InboxMessage) -> int | None:
        """Store an inbound message; return its id, or None when (channel, message_id) was seen before."""
        values = {
            "channel": message.channel,
            "message_id": message.message_id,
            "person_id": message.person_id,
            "kind": message.kind,
            "text": message.text,
            "payload": message.payload,
            "received_at": message.received_at,
            "status": InboxStatus.PENDING,
            "attempts": 0,
        }
        dialect = self._s.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(InboxMessage)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["channel", "message_id"])
            .returning(InboxMessage.id)
        )
        return self._s.execute(stmt).scalar_one_or_none()

    def get(self, inbox_id: int) -> InboxMessage:
        return self._s.get_one(InboxMessage, inbox_id)

    def pending_ids(self, person_id: int | None = None, limit: int = 1000) -> list[int]:
        stmt = select(InboxMessage.id).where(InboxMessage.status == InboxStatus.PENDING)
        if person_id is not None:
            stmt = stmt.where(InboxMessage.person_id == person_id)
        return list(self._s.scalars(stmt.order_by(InboxMessage.id).limit(limit)))

    def mark(self, inbox_id: int, status: InboxStatus, now: datetime) -> None:
        self._s.execute(
            update(InboxMessage)
            .where(InboxMessage.id == inbox_id)
            .values(status=status, handled_at=now, attempts=InboxMessage.attempts + 1)
        )


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, person_id: int, channel: str, text: str, buttons: Sequence[dict[str, str]], now: datetime) -> int:
        row = self.queue(person_id, channel, text, buttons, now)
        self._s.flush()
        return row.id

    def queue(
        self, person_id: int, channel: str, text: str, buttons: Sequence[dict[str, str]], now: datetime
    ) -> OutboxMessage:
        """Add a row without flushing: many rows in one transaction go in one batch (scheduler ticks)."""
        row = OutboxMessage(
            person_id=person_id,
            channel=channel,
            text=text,
            buttons=json.dumps(list(buttons), ensure_ascii=False),
            status=OutboxStatus.PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        self._s.add(row)
        return row

    def due(self, channel: str, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Pending rows of a channel whose next attempt is due, oldest first, locked where the DB can."""
        stmt = (
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self._s.scalars(stmt))

    def mark_sent(self, outbox_id: int, now: datetime) -> None:
        self._s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENT, sent_at=now, attempts=OutboxMessage.attempts + 1)
        )


# Crisis first, then other escalations, then by waiting time (ties: the older request).
QUEUE_ORDER = (HandoffRequest.priority.desc(), HandoffRequest.queued_at, HandoffRequest.id)


class HandoffRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def open_for(self, person_id: int) -> HandoffRequest | None:
        stmt = select(HandoffRequest).where(
            HandoffRequest.person_id == person_id,
            HandoffRequest.status.in_([HandoffStatus.WAITING, HandoffStatus.ACTIVE]),
        )
        return self._s.scalars(stmt.order_by(HandoffRequest.id.desc()).limit(1)).one_or_none()

    def add(self, request: HandoffRequest) -> HandoffRequest:
        self._s.add(request)
        self._s.flush()
        return request

    def waiting(self) -> list[HandoffRequest]:
        """Waiting requests in queue order: highest priority first, then the longest waiting."""
        stmt = select(HandoffRequest).where(HandoffRequest.status == HandoffStatus.WAITING).order_by(*QUEUE_ORDER)
        return list(self._s.scalars(stmt))

    def position(self, request: HandoffRequest) -> int:
        """1-based place of a waiting request in the queue order."""
        ahead = self._s.scalar(
            select(func.count())
            .select_from(HandoffRequest)
            .where(
                HandoffRequest.status == HandoffStatus.WAITING,
                (HandoffRequest.priority > request.priority)
                | (
                    (HandoffRequest.priority == request.priority)
                    & (
                        (HandoffRequest.queued_at < request.queued_at)
                        | ((HandoffRequest.queued_at == request.queued_at) & (HandoffRequest.id < request.id))
                    )
                ),
            )
        )
        return int(ahead or 0) + 1


class CrisisRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, event: CrisisEvent) -> None:
        self._s.add(event)
        self._s.flush()

    def for_person(self, person_id: int) -> list[CrisisEvent]:
        return list(
            self._s.scalars(select(CrisisEvent).where(CrisisEvent.person_id == person_id).order_by(CrisisEvent.id))
        )


class TurnRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, event: TurnEvent) -> None:
        self._s.add(event)


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, entry: AuditLog) -> None:
        self._s.add(entry)
