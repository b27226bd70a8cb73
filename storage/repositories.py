"""Repositories: queries behind names. They flush but never commit; the unit of work does."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, Label

from storage.absence import AbsenceProbe, presence_columns, remember_absences, trusted_probes
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

# Stored messages are written with Core inserts: no identity map, and the insert is compiled once.
INBOX_TABLE = cast(Table, InboxMessage.__table__)

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class PendingInbound:
    """A stored message waiting for its turn (inbox rows never change but for their status)."""

    id: int
    person_id: int
    kind: str
    text: str
    payload: str | None
    message_id: str  # the channel's id of the message


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

    def get_or_create_many(self, channel: str, external_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Person ids for many channel ids at once (one query, one batched insert for the new ones)."""
        return self._found_or_created(channel, external_ids, now, self._ids_by_digest)

    def lock_or_create_many(self, channel: str, external_ids: Sequence[str], now: datetime) -> dict[str, Person]:
        """`get_or_create_many` that also loads and locks the people as `lock_many` does (in id order): a
        transaction which goes on to their turns then needs no statement of its own to lock them."""
        return self._found_or_created(channel, external_ids, now, self._locked_by_digest)

    def _found_or_created(
        self, channel: str, external_ids: Sequence[str], now: datetime, find: Callable[[str, list[str]], dict[str, V]]
    ) -> dict[str, V]:
        cipher = active_cipher()
        digests = {external_id: cipher.blind_index(external_id) for external_id in dict.fromkeys(external_ids)}
        found = find(channel, list(digests.values()))
        missing = [external_id for external_id, digest in digests.items() if digest not in found]
        if missing:
            dialect = self._s.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            values = [
                {
                    "channel": channel,
                    "external_id_hash": digests[external_id],
                    "external_id": external_id,
                    "created_at": now,
                    "last_seen_at": now,
                    "language": "vi",
                    "anonymous": True,
                    "unreachable": False,
                }
                for external_id in missing
            ]
            # Another process may create the same person meanwhile: the unique index settles it, then we read.
            self._s.execute(
                insert(Person).on_conflict_do_nothing(index_elements=["channel", "external_id_hash"]), values
            )
            found.update(find(channel, [digests[external_id] for external_id in missing]))
        return {external_id: found[digest] for external_id, digest in digests.items()}

    def _ids_by_digest(self, channel: str, digests: list[str]) -> dict[str, int]:
        rows = self._s.execute(
            select(Person.external_id_hash, Person.id).where(
                Person.channel == channel, Person.external_id_hash.in_(digests)
            )
        )
        return {str(digest): int(person_id) for digest, person_id in rows}

    def _locked_by_digest(self, channel: str, digests: list[str]) -> dict[str, Person]:
        found = self._lock_where(Person.channel == channel, Person.external_id_hash.in_(digests))
        return {person.external_id_hash: person for person in found}

    def lock(self, person_id: int) -> Person:
        """Load a person for update: their turns are handled one at a time."""
        return self._s.scalars(select(Person).where(Person.id == person_id).with_for_update()).one()

    def lock_many(self, person_ids: Sequence[int]) -> dict[int, Person]:
        """Lock several people at once, in id order (two workers locking overlapping sets never deadlock here).

        `FOR NO KEY UPDATE` on PostgreSQL: it serialises the person's turns like `FOR UPDATE`, but lets another
        transaction insert rows that only refer to the person (an outbox row for them) without waiting. Read
        anything else about them in a later statement: one that had to wait for a lock sees the newest person
        rows, but any other table as it was when the statement began.
        """
        return {person.id: person for person in self._lock_where(Person.id.in_(sorted(set(person_ids))))}

    def _lock_where(self, *criteria: ColumnElement[bool]) -> list[Person]:
        """The people matching `criteria`, locked as `lock_many` says (in id order, `FOR NO KEY UPDATE`)."""
        stmt = select(Person).where(*criteria).order_by(Person.id).with_for_update(key_share=True)
        return list(self._s.scalars(stmt))

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

    def for_turns(
        self,
        person_ids: Sequence[int],
        probes: Sequence[AbsenceProbe],
        now: datetime,
        *,
        pending_counts: dict[int, int] | None = None,
    ) -> dict[int, DialogueState]:
        """The dialogue states of a batch's (locked) people, and in the same query what the probes know about
        them (storage/absence.py); missing states are added (written with the next flush). `pending_counts`,
        when given, is filled with each person's number of pending inbox messages, read in the same query."""
        ids = sorted(set(person_ids))
        trusted = trusted_probes(self._s, probes)
        counted = [] if pending_counts is None else [_pending_count()]
        stmt = (
            select(Person.id, DialogueState, *counted, *presence_columns(trusted))
            .outerjoin(DialogueState, DialogueState.person_id == Person.id)
            .where(Person.id.in_(ids))
        )
        states: dict[int, DialogueState] = {}
        present: dict[int, Sequence[bool]] = {}
        for person_id, found, *columns in self._s.execute(stmt):
            if pending_counts is not None:
                pending_counts[person_id], *columns = columns
            present[person_id] = columns
            state = cast(DialogueState | None, found)  # an outer join: None for a person's first turn
            if state is None:
                state = DialogueState(person_id=person_id, data="{}", misses=0, turns=0, updated_at=now)
                self._s.add(state)
            states[person_id] = state
        remember_absences(self._s, trusted, present)
        return states


def _pending_count() -> Label[int]:
    return (
        select(func.count())
        .where(InboxMessage.person_id == Person.id, InboxMessage.status == InboxStatus.PENDING)
        .scalar_subquery()
        .label("pending")
    )


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

    def add_many(self, messages: Sequence[InboxMessage], *, handled_at: datetime | None = None) -> list[int | None]:
        """Store many inbound messages in one statement; each gets its id, or None when seen before
        (in an earlier batch or earlier in this one). They are pending, or with `handled_at` handled once
        (by turns of the same transaction)."""
        if not messages:
            return []
        handled = {"status": InboxStatus.HANDLED, "attempts": 1} if handled_at is not None else {}
        values = [
            {
                "channel": m.channel,
                "message_id": m.message_id,
                "person_id": m.person_id,
                "kind": m.kind,
                "text": m.text,
                "payload": m.payload,
                "received_at": m.received_at,
                "status": InboxStatus.PENDING,
                "attempts": 0,
                "handled_at": handled_at,
                **handled,
            }
            for m in messages
        ]
        dialect = self._s.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # Parameters apart from the statement: it is compiled once and cached, whatever the batch's size.
        stmt = (
            insert(INBOX_TABLE)
            .on_conflict_do_nothing(index_elements=["channel", "message_id"])
            .returning(INBOX_TABLE.c.id, INBOX_TABLE.c.channel, INBOX_TABLE.c.message_id)
        )
        created = {(channel, message_id): inbox_id for inbox_id, channel, message_id in self._s.execute(stmt, values)}
        ids: list[int | None] = []
        for m in messages:
            ids.append(created.pop((m.channel, m.message_id), None))  # a repeat within the batch gets None
        return ids

    def get(self, inbox_id: int) -> InboxMessage:
        return self._s.get_one(InboxMessage, inbox_id)

    def pending_of(self, person_ids: Sequence[int], limit: int = 1000) -> list[PendingInbound]:
        """The pending messages of these people, oldest first, as plain values (read once, not tracked)."""
        stmt = (
            select(
                InboxMessage.id,
                InboxMessage.person_id,
                InboxMessage.kind,
                InboxMessage.text,
                InboxMessage.payload,
                InboxMessage.message_id,
            )
            .where(InboxMessage.status == InboxStatus.PENDING, InboxMessage.person_id.in_(sorted(set(person_ids))))
            .order_by(InboxMessage.id)
            .limit(limit)
        )
        return [PendingInbound(*row) for row in self._s.execute(stmt)]

    def still_pending(self, inbox_ids: Sequence[int]) -> set[int]:
        stmt = select(InboxMessage.id).where(InboxMessage.id.in_(inbox_ids), InboxMessage.status == InboxStatus.PENDING)
        return set(self._s.scalars(stmt))

    def pending_people(self, limit: int = 1000) -> list[int]:
        """People with pending messages, the longest waiting first."""
        stmt = (
            select(InboxMessage.person_id)
            .where(InboxMessage.status == InboxStatus.PENDING)
            .group_by(InboxMessage.person_id)
            .order_by(func.min(InboxMessage.id))
            .limit(limit)
        )
        return list(self._s.scalars(stmt))

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

    def mark_many(self, inbox_ids: Sequence[int], status: InboxStatus, now: datetime) -> None:
        """For batches, which read their messages as plain values: no loaded row is brought up to date."""
        if inbox_ids:
            self._s.execute(
                update(InboxMessage)
                .where(InboxMessage.id.in_(inbox_ids))
                .values(status=status, handled_at=now, attempts=InboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def queue(
        self,
        person_id: int,
        channel: str,
        text: str,
        buttons: Sequence[dict[str, str]],
        now: datetime,
        *,
        copy_of: str | None = None,
        about_person_id: int | None = None,
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
            copy_of=copy_of,
            about_person_id=about_person_id,
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
