"""Queries behind names for after-care (flush, never commit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.aftercare_models import (
    AftercareCheckin,
    AftercareEnrolment,
    AftercareEvent,
    CheckinStatus,
    EnrolmentStatus,
)
from storage.models import Person

OPEN_STATUSES = (CheckinStatus.SENT, CheckinStatus.MISSED)


class AftercareRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # --- enrolments ----------------------------------------------------------------------------
    def enrolment(self, person_id: int) -> AftercareEnrolment | None:
        return self._s.scalars(
            select(AftercareEnrolment).where(AftercareEnrolment.person_id == person_id)
        ).one_or_none()

    def add_enrolment(self, enrolment: AftercareEnrolment) -> AftercareEnrolment:
        self._s.add(enrolment)
        self._s.flush()
        return enrolment

    # --- check-ins -----------------------------------------------------------------------------
    def checkin(self, checkin_id: int) -> AftercareCheckin | None:
        return self._s.get(AftercareCheckin, checkin_id)

    def add_checkin(self, checkin: AftercareCheckin) -> AftercareCheckin:
        self._s.add(checkin)
        return checkin

    def flush(self) -> None:
        self._s.flush()

    def scheduled(self, enrolment: AftercareEnrolment) -> AftercareCheckin | None:
        """The next check-in waiting to be sent in the enrolment's current cycle (at most one)."""
        return self._s.scalars(
            select(AftercareCheckin).where(
                AftercareCheckin.enrolment_id == enrolment.id,
                AftercareCheckin.cycle == enrolment.cycle,
                AftercareCheckin.status == CheckinStatus.SCHEDULED,
            )
        ).one_or_none()

    def last_sent(self, enrolment: AftercareEnrolment) -> AftercareCheckin | None:
        if enrolment.last_checkin_id is None:
            return None
        return self._s.get(AftercareCheckin, enrolment.last_checkin_id)

    def claim_due(
        self, now: datetime, limit: int
    ) -> tuple[list[tuple[AftercareCheckin, AftercareEnrolment, Person]], list[AftercareCheckin]]:
        """Rows whose next action is due, oldest first, each locked with its enrolment and person.

        On PostgreSQL `FOR UPDATE … SKIP LOCKED`: another worker gets other rows, and a person whose turn is
        being handled right now is left for the next tick. SQLite ignores the clause; there the write lock
        taken at BEGIN IMMEDIATE serialises workers, and one scheduler process is the documented limit.
        Also returns the enrolments' latest sent check-ins (one query), which the tick may close; holding
        them keeps them in the session, so looking them up again costs nothing.
        """
        stmt = (
            select(AftercareCheckin, AftercareEnrolment, Person)
            .join(AftercareEnrolment, AftercareEnrolment.id == AftercareCheckin.enrolment_id)
            .join(Person, Person.id == AftercareCheckin.person_id)
            .where(AftercareCheckin.action_at <= now)
            .order_by(AftercareCheckin.action_at, AftercareCheckin.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=[AftercareCheckin, AftercareEnrolment, Person])
        )
        claimed = [(row[0], row[1], row[2]) for row in self._s.execute(stmt)]
        previous = {e.last_checkin_id for _, e, _ in claimed if e.last_checkin_id is not None}
        previous -= {c.id for c, _, _ in claimed}
        if not previous:
            return claimed, []
        return claimed, list(self._s.scalars(select(AftercareCheckin).where(AftercareCheckin.id.in_(previous))))

    # --- events --------------------------------------------------------------------------------
    def add_event(
        self,
        enrolment: AftercareEnrolment,
        kind: str,
        now: datetime,
        *,
        value: str | None = None,
        level: int | None = None,
        checkin_id: int | None = None,
    ) -> None:
        self._s.add(
            AftercareEvent(
                enrolment_id=enrolment.id,
                person_id=enrolment.person_id,
                checkin_id=checkin_id,
                kind=kind,
                value=value,
                level=level,
                at=now,
            )
        )

    # --- lists and reports ---------------------------------------------------------------------
    def listing(self) -> list[tuple[AftercareEnrolment, Person]]:
        """Every enrolment with its person, oldest first."""
        stmt = (
            select(AftercareEnrolment, Person)
            .join(Person, Person.id == AftercareEnrolment.person_id)
            .order_by(AftercareEnrolment.id)
        )
        return [(row[0], row[1]) for row in self._s.execute(stmt)]

    def scheduled_by_enrolment(self) -> dict[int, AftercareCheckin]:
        rows = self._s.scalars(select(AftercareCheckin).where(AftercareCheckin.status == CheckinStatus.SCHEDULED))
        return {row.enrolment_id: row for row in rows}

    def status_counts(self) -> dict[str, int]:
        rows = self._s.execute(
            select(AftercareEnrolment.status, func.count()).group_by(AftercareEnrolment.status)
        ).all()
        return {str(status): int(count) for status, count in rows}

    def ever_enrolled(self) -> int:
        return int(
            self._s.scalar(
                select(func.count()).select_from(AftercareEnrolment).where(AftercareEnrolment.consent_at.is_not(None))
            )
            or 0
        )

    def checkin_counts(self) -> dict[str, int]:
        rows = self._s.execute(select(AftercareCheckin.status, func.count()).group_by(AftercareCheckin.status)).all()
        return {str(status): int(count) for status, count in rows}

    def event_counts(self, kind: str) -> dict[str, int]:
        rows = self._s.execute(
            select(AftercareEvent.value, func.count()).where(AftercareEvent.kind == kind).group_by(AftercareEvent.value)
        ).all()
        return {str(value): int(count) for value, count in rows}

    def craving_levels(self, since: datetime) -> list[tuple[datetime, int]]:
        rows = self._s.execute(
            select(AftercareEvent.at, AftercareEvent.level).where(
                AftercareEvent.kind == "craving_level", AftercareEvent.at >= since, AftercareEvent.level.is_not(None)
            )
        ).all()
        return [(at, int(level)) for at, level in rows if level is not None]

    # --- erasure -------------------------------------------------------------------------------
    def erase(self, person_id: int) -> None:
        """Everything after-care holds about a person (answers, levels, reasons, schedule)."""
        self._s.execute(delete(AftercareEvent).where(AftercareEvent.person_id == person_id))
        self._s.execute(delete(AftercareCheckin).where(AftercareCheckin.person_id == person_id))
        self._s.execute(delete(AftercareEnrolment).where(AftercareEnrolment.person_id == person_id))


def is_enrolled(enrolment: AftercareEnrolment | None) -> bool:
    """Active or paused: the person takes part and their settings words are understood."""
    return enrolment is not None and enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED)
