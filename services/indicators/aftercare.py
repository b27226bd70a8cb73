"""After-care figures: who is in after-care at the period's end, people-months, relapses, finished treatment.

Everything comes from `aftercare_events` (enrolled, paused, resumed, stopped, completed, answer) and the
registrations' status history. /delete removes a person's after-care rows, so they drop out of every figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.indicators.period import Period
from services.indicators.places import PlaceFilter, RegisteredPlace, kept, matches, ward_of
from storage.aftercare_models import AftercareEvent
from storage.registration_models import Registration, RegistrationEvent

MONTH = timedelta(days=30)  # a people-month is 30 days in after-care
STATES = ("active", "paused", "completed", "stopped")
IN_AFTERCARE = frozenset({"active", "paused"})
_TRANSITIONS = {
    "enrolled": "active",
    "resumed": "active",
    "paused": "paused",
    "stopped": "stopped",
    "completed": "completed",
}


@dataclass(frozen=True, slots=True)
class AftercareFigures:
    by_state: dict[str, int]  # state at the period's end of everyone who had joined by then
    ever_enrolled: int
    new_enrolments: int  # consents ("enrolled") in the period, a person's restart counted again
    people_months: float  # days in after-care (active or paused) inside the period ÷ 30
    people_in_period: int  # people with some after-care time in the period
    relapse_reports: int
    relapse_rate_per_100_pm: float | None


@dataclass(frozen=True, slots=True)
class FinishedTreatment:
    finished: int  # people whose registration reached "completed" by the period's end
    in_aftercare: int  # of them, active or paused in after-care at the period's end
    share: float | None  # in_aftercare / finished


def _timelines(session: Session, end: datetime) -> dict[int, list[tuple[datetime, str]]]:
    """person id → their after-care state changes up to `end`, in order."""
    rows = session.execute(
        select(AftercareEvent.person_id, AftercareEvent.kind, AftercareEvent.at)
        .where(AftercareEvent.kind.in_(list(_TRANSITIONS)), AftercareEvent.at < end)
        .order_by(AftercareEvent.at, AftercareEvent.id)
    )
    timelines: defaultdict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for person_id, kind, at in rows:
        timelines[int(person_id)].append((at, kind))
    return dict(timelines)


def state_at_end(timeline: list[tuple[datetime, str]]) -> str:
    return _TRANSITIONS[timeline[-1][1]]


def time_in_aftercare(timeline: list[tuple[datetime, str]], period: Period) -> timedelta:
    """How long the person was active or paused inside the period."""
    total = timedelta(0)
    since: datetime | None = None
    for at, kind in [*timeline, (period.end, "end")]:
        state = _TRANSITIONS.get(kind, "end")
        if since is not None:
            start = since if period.start is None else max(since, period.start)
            if at > start:
                total += at - start
        if state == "end":
            break
        since = at if state in IN_AFTERCARE else None
    return total


def aftercare_figures(session: Session, period: Period, people: set[int] | None) -> AftercareFigures:
    timelines = {p: t for p, t in _timelines(session, period.end).items() if kept(p, people)}
    by_state = dict.fromkeys(STATES, 0)
    for timeline in timelines.values():
        by_state[state_at_end(timeline)] += 1
    new = sum(1 for t in timelines.values() for at, kind in t if kind == "enrolled" and period.contains(at))
    durations = [time_in_aftercare(t, period) for t in timelines.values()]
    people_months = sum(durations, timedelta(0)) / MONTH
    relapses = sum(
        1
        for person_id, at in session.execute(
            select(AftercareEvent.person_id, AftercareEvent.at).where(
                AftercareEvent.kind == "answer", AftercareEvent.value == "relapse", AftercareEvent.at < period.end
            )
        )
        if period.contains(at) and kept(int(person_id), people)
    )
    return AftercareFigures(
        by_state=by_state,
        ever_enrolled=len(timelines),
        new_enrolments=new,
        people_months=round(people_months, 2),
        people_in_period=sum(1 for d in durations if d > timedelta(0)),
        relapse_reports=relapses,
        relapse_rate_per_100_pm=round(100 * relapses / people_months, 1) if people_months > 0 else None,
    )


def finished_treatment(session: Session, period: Period, where: PlaceFilter) -> FinishedTreatment:
    """People whose voluntary-treatment registration was marked completed (hoàn tất) by the period's end.

    The hotline stores no discharge from treatment; a completed registration is the stored proxy. The place
    is the registration's own. Linked to after-care through the chat that sent the registration.
    """
    stmt = (
        select(Registration.person_id, Registration.province, Registration.id)
        .join(RegistrationEvent, RegistrationEvent.registration_id == Registration.id)
        .where(RegistrationEvent.status == "completed", RegistrationEvent.at < period.end)
    )
    wards: dict[int, str | None] = {}
    if where.commune is not None:  # the commune is encrypted: read only when asked for
        wards = {int(r): w for r, w in session.execute(select(Registration.id, Registration.ward))}
    completed = {
        int(person_id)
        for person_id, province, registration_id in session.execute(stmt)
        if matches(RegisteredPlace(province, *ward_of(wards.get(int(registration_id)))), where)
    }
    timelines = _timelines(session, period.end)
    in_aftercare = sum(1 for p in completed if p in timelines and state_at_end(timelines[p]) in IN_AFTERCARE)
    return FinishedTreatment(
        finished=len(completed),
        in_aftercare=in_aftercare,
        share=round(in_aftercare / len(completed), 3) if completed else None,
    )
