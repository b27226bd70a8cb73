"""Queries of the handoff feature: counsellors, the queue with its locks, events, notes, history.

Locking (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers anyway): a turn locks its sender's person row
first. Whoever changes a conversation locks the served person's row before the request row, so a person's turn
and a counsellor's action never interleave. Claims from the queue (`/accept`, ticks) use SKIP LOCKED for rows
they would otherwise wait on, so they never wait in the opposite order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.absence import AbsenceProbe
from storage.crypto import active_cipher
from storage.handoff_models import (
    Counsellor,
    CounsellorInvite,
    CounsellorRole,
    HandoffEvent,
    HandoffNote,
    RosterShift,
)
from storage.models import HandoffRequest, HandoffStatus, Person, TurnEvent
from storage.repositories import QUEUE_ORDER

# Read once per batch of turns: most people who write are neither counsellors nor in a conversation.
COUNSELLOR_ACCOUNT = AbsenceProbe("counsellor_account", Counsellor)
ACTIVE_CONVERSATION = AbsenceProbe(
    "active_conversation", HandoffRequest, (HandoffRequest.status == HandoffStatus.ACTIVE,)
)


class CounsellorRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, counsellor: Counsellor) -> Counsellor:
        self._s.add(counsellor)
        self._s.flush()
        return counsellor

    def get(self, counsellor_id: int) -> Counsellor:
        return self._s.get_one(Counsellor, counsellor_id)

    def lock(self, counsellor_id: int) -> Counsellor:
        stmt = select(Counsellor).where(Counsellor.id == counsellor_id).with_for_update()
        return self._s.scalars(stmt.execution_options(populate_existing=True)).one()

    def lock_if_free(self, counsellor_id: int) -> Counsellor | None:
        """The counsellor's row locked, or None while another transaction holds it (never waits)."""
        stmt = select(Counsellor).where(Counsellor.id == counsellor_id).with_for_update(skip_locked=True)
        return self._s.scalars(stmt.execution_options(populate_existing=True)).one_or_none()

    def by_person(self, person_id: int) -> Counsellor | None:
        if COUNSELLOR_ACCOUNT.knows_absent(self._s, person_id):
            return None
        return self._s.scalars(select(Counsellor).where(Counsellor.person_id == person_id)).one_or_none()

    def find(self, channel: str, external_id: str) -> Counsellor | None:
        digest = active_cipher().blind_index(external_id)
        return self._s.scalars(
            select(Counsellor).where(Counsellor.channel == channel, Counsellor.external_id_hash == digest)
        ).one_or_none()

    def all(self, *, active_only: bool = False) -> list[Counsellor]:
        stmt = select(Counsellor).order_by(Counsellor.id)
        if active_only:
            stmt = stmt.where(Counsellor.active.is_(True))
        return list(self._s.scalars(stmt))

    def on_duty(self) -> list[Counsellor]:
        stmt = select(Counsellor).where(Counsellor.active.is_(True), Counsellor.on_duty.is_(True))
        return list(self._s.scalars(stmt.order_by(Counsellor.id)))

    def supervisors(self) -> list[Counsellor]:
        stmt = select(Counsellor).where(
            Counsellor.active.is_(True), Counsellor.role.in_([CounsellorRole.SUPERVISOR, CounsellorRole.ADMIN])
        )
        return list(self._s.scalars(stmt.order_by(Counsellor.id)))

    def open_counts(self) -> dict[int, int]:
        """Active conversations per counsellor."""
        rows = self._s.execute(
            select(HandoffRequest.counsellor_id, func.count())
            .where(HandoffRequest.status == HandoffStatus.ACTIVE, HandoffRequest.counsellor_id.is_not(None))
            .group_by(HandoffRequest.counsellor_id)
        )
        return {int(cid): int(n) for cid, n in rows if cid is not None}

    def open_requests(self, counsellor_id: int) -> list[HandoffRequest]:
        stmt = select(HandoffRequest).where(
            HandoffRequest.status == HandoffStatus.ACTIVE, HandoffRequest.counsellor_id == counsellor_id
        )
        return list(self._s.scalars(stmt.order_by(HandoffRequest.accepted_at, HandoffRequest.id)))

    def shifts(self, counsellor_id: int | None = None) -> list[RosterShift]:
        stmt = select(RosterShift).order_by(RosterShift.counsellor_id, RosterShift.weekday, RosterShift.start_minute)
        if counsellor_id is not None:
            stmt = stmt.where(RosterShift.counsellor_id == counsellor_id)
        return list(self._s.scalars(stmt))

    def replace_shifts(self, counsellor_ids: Iterable[int], shifts: Sequence[RosterShift]) -> None:
        """Drop the shifts of these counsellors and store the new ones."""
        ids = list(counsellor_ids)
        if ids:
            for old in self._s.scalars(select(RosterShift).where(RosterShift.counsellor_id.in_(ids))):
                self._s.delete(old)
        self._s.add_all(shifts)
        self._s.flush()

    def invite_by_code_hash(self, code_hash: str) -> CounsellorInvite | None:
        stmt = select(CounsellorInvite).where(CounsellorInvite.code_hash == code_hash).with_for_update()
        return self._s.scalars(stmt).one_or_none()

    def add_invite(self, invite: CounsellorInvite) -> CounsellorInvite:
        self._s.add(invite)
        self._s.flush()
        return invite


class QueueRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, request_id: int) -> HandoffRequest | None:
        return self._s.get(HandoffRequest, request_id)

    def lock(self, request_id: int) -> HandoffRequest | None:
        """The request row, locked (waits for another transaction that holds it)."""
        stmt = select(HandoffRequest).where(HandoffRequest.id == request_id).with_for_update()
        return self._s.scalars(stmt.execution_options(populate_existing=True)).one_or_none()

    def lock_person(self, person_id: int, *, skip_locked: bool = False) -> Person | None:
        """The person's row, locked; with skip_locked, None while one of their turns is being handled."""
        stmt = select(Person).where(Person.id == person_id).with_for_update(skip_locked=skip_locked)
        return self._s.scalars(stmt.execution_options(populate_existing=True)).one_or_none()

    def claim_next(self, exclude: Sequence[int] = ()) -> HandoffRequest | None:
        """The first waiting request in queue order that no other transaction is claiming (SKIP LOCKED)."""
        stmt = select(HandoffRequest).where(HandoffRequest.status == HandoffStatus.WAITING)
        if exclude:
            stmt = stmt.where(HandoffRequest.id.not_in(list(exclude)))
        stmt = stmt.order_by(*QUEUE_ORDER).limit(1).with_for_update(skip_locked=True)
        return self._s.scalars(stmt.execution_options(populate_existing=True)).one_or_none()

    def claim(self, request_id: int) -> HandoffRequest | None:
        """This waiting request, locked; None if someone else took it (waits for their commit first)."""
        stmt = (
            select(HandoffRequest)
            .where(HandoffRequest.id == request_id, HandoffRequest.status == HandoffStatus.WAITING)
            .with_for_update()
        )
        return self._s.scalars(stmt.execution_options(populate_existing=True)).one_or_none()

    def lock_due(self, request_id: int) -> HandoffRequest | None:
        """A request for a timeout: locked, or None while another worker or turn holds it."""
        stmt = select(HandoffRequest).where(HandoffRequest.id == request_id).with_for_update(skip_locked=True)
        return self._s.scalars(stmt.execution_options(populate_existing=True)).one_or_none()

    def waiting(self) -> list[HandoffRequest]:
        stmt = select(HandoffRequest).where(HandoffRequest.status == HandoffStatus.WAITING).order_by(*QUEUE_ORDER)
        return list(self._s.scalars(stmt))

    def waiting_count(self) -> int:
        stmt = select(func.count()).select_from(HandoffRequest).where(HandoffRequest.status == HandoffStatus.WAITING)
        return int(self._s.scalar(stmt) or 0)

    def active(self) -> list[HandoffRequest]:
        stmt = select(HandoffRequest).where(HandoffRequest.status == HandoffStatus.ACTIVE)
        return list(self._s.scalars(stmt.order_by(HandoffRequest.id)))

    def active_for_person(self, person_id: int) -> HandoffRequest | None:
        if ACTIVE_CONVERSATION.knows_absent(self._s, person_id):
            return None
        stmt = select(HandoffRequest).where(
            HandoffRequest.person_id == person_id, HandoffRequest.status == HandoffStatus.ACTIVE
        )
        return self._s.scalars(stmt.order_by(HandoffRequest.id.desc()).limit(1)).one_or_none()

    def open_for_person(self, person_id: int) -> list[HandoffRequest]:
        stmt = select(HandoffRequest).where(
            HandoffRequest.person_id == person_id,
            HandoffRequest.status.in_([HandoffStatus.WAITING, HandoffStatus.ACTIVE]),
        )
        return list(self._s.scalars(stmt.order_by(HandoffRequest.id)))

    def previous(self, person_id: int, before_id: int, limit: int = 3) -> list[HandoffRequest]:
        """The person's earlier closed conversations, newest first."""
        stmt = select(HandoffRequest).where(
            HandoffRequest.person_id == person_id,
            HandoffRequest.id < before_id,
            HandoffRequest.status == HandoffStatus.CLOSED,
        )
        return list(self._s.scalars(stmt.order_by(HandoffRequest.id.desc()).limit(limit)))

    def all(self, status: str | None = None, since: datetime | None = None) -> list[HandoffRequest]:
        stmt = select(HandoffRequest)
        if status:
            stmt = stmt.where(HandoffRequest.status == status)
        if since is not None:
            stmt = stmt.where(HandoffRequest.created_at >= since)
        return list(self._s.scalars(stmt.order_by(HandoffRequest.id)))

    def recent_handle_seconds(self, since: datetime, limit: int = 20) -> list[float]:
        """How long the latest closed conversations lasted, from acceptance to close."""
        stmt = (
            select(HandoffRequest)
            .where(
                HandoffRequest.status == HandoffStatus.CLOSED,
                HandoffRequest.accepted_at.is_not(None),
                HandoffRequest.closed_at >= since,
            )
            .order_by(HandoffRequest.closed_at.desc())
            .limit(limit)
        )
        return [
            (r.closed_at - r.accepted_at).total_seconds()
            for r in self._s.scalars(stmt)
            if r.closed_at is not None and r.accepted_at is not None
        ]

    def add_event(
        self, request_id: int, kind: str, at: datetime, counsellor_id: int | None = None, detail: str | None = None
    ) -> None:
        self._s.add(HandoffEvent(request_id=request_id, kind=kind, counsellor_id=counsellor_id, detail=detail, at=at))

    def events(self, request_ids: Sequence[int] | None = None) -> list[HandoffEvent]:
        stmt = select(HandoffEvent).order_by(HandoffEvent.at, HandoffEvent.id)
        if request_ids is not None:
            stmt = stmt.where(HandoffEvent.request_id.in_(list(request_ids)))
        return list(self._s.scalars(stmt))

    def add_note(self, note: HandoffNote) -> None:
        self._s.add(note)
        self._s.flush()

    def notes_for_person(self, person_id: int, limit: int = 5) -> list[HandoffNote]:
        stmt = select(HandoffNote).where(HandoffNote.person_id == person_id)
        return list(self._s.scalars(stmt.order_by(HandoffNote.at.desc(), HandoffNote.id.desc()).limit(limit)))

    def turn_events(self, person_id: int, since: datetime, limit: int = 200) -> list[TurnEvent]:
        """What the bot understood of the person's recent messages (intents and entities; no text)."""
        stmt = (
            select(TurnEvent)
            .where(TurnEvent.person_id == person_id, TurnEvent.at >= since)
            .order_by(TurnEvent.at.desc(), TurnEvent.id.desc())
            .limit(limit)
        )
        return list(self._s.scalars(stmt))
