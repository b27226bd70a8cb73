"""Queries behind names for the supporters feature (flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.absence import AbsenceProbe
from storage.aftercare_models import AftercareCheckin, AftercareEnrolment, AftercareEvent, CheckinStatus
from storage.crypto import active_cipher
from storage.models import Person
from storage.supporter_models import (
    OPEN_ASSIGNMENT,
    AssignmentStatus,
    Supporter,
    SupporterAlert,
    SupporterAssignment,
    SupporterInvite,
)

SUPPORTER_ACCOUNT = AbsenceProbe("supporter_account", Supporter)  # read once per batch of turns


@dataclass(slots=True)
class WeekFigures:
    """A person's after-care week, from the after-care tables (check-ins sent in it, levels and answers)."""

    sent: int = 0
    answered: int = 0
    cravings: list[int] = field(default_factory=list)
    cravings_before: list[int] = field(default_factory=list)  # the week before, for the trend
    relapses: int = 0
    clean_since: datetime | None = None
    status: str | None = None


class SupporterRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # --- accounts ------------------------------------------------------------------------------
    def add(self, row: Supporter | SupporterInvite | SupporterAssignment | SupporterAlert) -> None:
        self._s.add(row)
        self._s.flush()

    def get(self, supporter_id: int) -> Supporter | None:
        return self._s.get(Supporter, supporter_id)

    def find(self, channel: str, external_id: str) -> Supporter | None:
        return self._s.scalars(
            select(Supporter).where(
                Supporter.channel == channel, Supporter.external_id_hash == active_cipher().blind_index(external_id)
            )
        ).one_or_none()

    def by_person(self, person_id: int) -> Supporter | None:
        if SUPPORTER_ACCOUNT.knows_absent(self._s, person_id):
            return None
        return self._s.scalars(select(Supporter).where(Supporter.person_id == person_id)).one_or_none()

    def all(self) -> list[Supporter]:
        return list(self._s.scalars(select(Supporter).order_by(Supporter.id)))

    def invite_by_hash(self, code_hash: str) -> SupporterInvite | None:
        return self._s.scalars(select(SupporterInvite).where(SupporterInvite.code_hash == code_hash)).one_or_none()

    def load(self) -> dict[int, int]:
        """Open (pending or active) assignments per supporter."""
        rows = self._s.execute(
            select(SupporterAssignment.supporter_id, func.count())
            .where(SupporterAssignment.status.in_(OPEN_ASSIGNMENT))
            .group_by(SupporterAssignment.supporter_id)
        ).all()
        return {int(supporter_id): int(count) for supporter_id, count in rows}

    def lock(self, supporter_id: int) -> Supporter:
        """The supporter's row under a lock (capacity is checked under it)."""
        stmt = select(Supporter).where(Supporter.id == supporter_id).with_for_update()
        return self._s.scalars(stmt).one()

    # --- assignments ---------------------------------------------------------------------------
    def assignment(self, assignment_id: int) -> SupporterAssignment | None:
        return self._s.get(SupporterAssignment, assignment_id)

    def open_for_person(self, person_id: int) -> SupporterAssignment | None:
        """The person's pending or active assignment (at most one)."""
        return self._s.scalars(
            select(SupporterAssignment)
            .where(SupporterAssignment.person_id == person_id, SupporterAssignment.status.in_(OPEN_ASSIGNMENT))
            .order_by(SupporterAssignment.id.desc())
            .limit(1)
        ).one_or_none()

    def of_supporter(self, supporter_id: int, statuses: tuple[str, ...]) -> list[SupporterAssignment]:
        return list(
            self._s.scalars(
                select(SupporterAssignment)
                .where(SupporterAssignment.supporter_id == supporter_id, SupporterAssignment.status.in_(statuses))
                .order_by(SupporterAssignment.id)
            )
        )

    def all_of_person(self, person_id: int) -> list[SupporterAssignment]:
        return list(self._s.scalars(select(SupporterAssignment).where(SupporterAssignment.person_id == person_id)))

    def due_summaries(self, moment: datetime, limit: int) -> list[SupporterAssignment]:
        """Active assignments agreed before `moment` whose summary for it has not gone yet (locked, skip locked)."""
        stmt = (
            select(SupporterAssignment)
            .where(
                SupporterAssignment.status == AssignmentStatus.ACTIVE,
                SupporterAssignment.consent_at < moment,
                (SupporterAssignment.last_summary_at.is_(None)) | (SupporterAssignment.last_summary_at < moment),
            )
            .order_by(SupporterAssignment.supporter_id, SupporterAssignment.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self._s.scalars(stmt))

    # --- alerts --------------------------------------------------------------------------------
    def alert(self, alert_id: int) -> SupporterAlert | None:
        return self._s.get(SupporterAlert, alert_id)

    def open_alerts(self, assignment_id: int) -> list[SupporterAlert]:
        return list(
            self._s.scalars(
                select(SupporterAlert)
                .where(
                    SupporterAlert.assignment_id == assignment_id,
                    SupporterAlert.acknowledged_at.is_(None),
                    SupporterAlert.forwarded_at.is_(None),
                    SupporterAlert.closed_at.is_(None),
                )
                .order_by(SupporterAlert.id)
            )
        )

    def due_alerts(self, raised_before: datetime, limit: int, *, unreminded: bool = False) -> list[SupporterAlert]:
        """Unacknowledged, not forwarded, not closed alerts raised before the cut-off (locked, skip locked);
        with `unreminded`, only those without a reminder yet."""
        stmt = (
            select(SupporterAlert)
            .where(
                SupporterAlert.acknowledged_at.is_(None),
                SupporterAlert.forwarded_at.is_(None),
                SupporterAlert.closed_at.is_(None),
                SupporterAlert.raised_at <= raised_before,
                *((SupporterAlert.reminded_at.is_(None),) if unreminded else ()),
            )
            .order_by(SupporterAlert.raised_at, SupporterAlert.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self._s.scalars(stmt))

    def preload(self, alerts: list[SupporterAlert]) -> list[object]:
        """The alerts' assignments, supporters and the supporters' people, loaded at once: hold the returned list
        while handling the alerts (the session keeps only weak references), and each look-up costs no query."""
        if not alerts:
            return []
        assignments = self._s.scalars(
            select(SupporterAssignment).where(SupporterAssignment.id.in_({a.assignment_id for a in alerts}))
        ).all()
        supporters = self._s.scalars(select(Supporter).where(Supporter.id.in_({a.supporter_id for a in alerts}))).all()
        people = self._s.scalars(select(Person).where(Person.id.in_({s.person_id for s in supporters}))).all()
        return [*assignments, *supporters, *people]

    def alerts_of_person(self, person_id: int) -> list[SupporterAlert]:
        return list(self._s.scalars(select(SupporterAlert).where(SupporterAlert.person_id == person_id)))

    # --- the after-care figures a supporter sees ---------------------------------------------
    def week_figures(self, person_id: int, since: datetime, until: datetime) -> WeekFigures:
        week = WeekFigures()
        for status, count in self._s.execute(
            select(AftercareCheckin.status, func.count())
            .where(
                AftercareCheckin.person_id == person_id,
                AftercareCheckin.sent_at >= since,
                AftercareCheckin.sent_at < until,
            )
            .group_by(AftercareCheckin.status)
        ):
            week.sent += int(count)
            if status == CheckinStatus.ANSWERED:
                week.answered = int(count)
        before = since - (until - since)
        for kind, value, level, at in self._s.execute(
            select(AftercareEvent.kind, AftercareEvent.value, AftercareEvent.level, AftercareEvent.at).where(
                AftercareEvent.person_id == person_id,
                AftercareEvent.kind.in_(("craving_level", "answer")),
                AftercareEvent.at >= before,
                AftercareEvent.at < until,
            )
        ):
            if kind == "craving_level" and level is not None:
                (week.cravings if at >= since else week.cravings_before).append(int(level))
            elif kind == "answer" and value == "relapse" and at >= since:
                week.relapses += 1
        enrolment = self._s.scalars(
            select(AftercareEnrolment).where(AftercareEnrolment.person_id == person_id)
        ).one_or_none()
        if enrolment is not None:
            week.clean_since, week.status = enrolment.clean_since, enrolment.status
        return week
