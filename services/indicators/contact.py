"""Escalations from after-care and the time until someone first got in touch with the person.

An escalation is an `aftercare_events` row of kind "escalated" (relapse, craving ≥ the alert level, "Cần nói
chuyện", two missed check-ins, a crisis in a check-in). First contact is the earliest time any source says a
person got in touch after it. Sources are small functions in FIRST_CONTACT_SOURCES: the counsellor accepting the
person's handoff (or the person already being in a conversation with one), and the person's supporter pressing
"Đã liên hệ" on an alert (supporter_alerts.acknowledged_at). To add a source, append `(name, fn)`;
`fn(session, escalations, end)` returns, for each escalation in order, the time of that source's first contact
at or after it and before `end`, or None.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.handoff.reports import percentile
from services.indicators.period import Period
from services.indicators.places import kept
from storage.aftercare_models import AftercareEvent
from storage.handoff_models import HandoffEvent, HandoffEventKind
from storage.models import HandoffRequest
from storage.supporter_models import SupporterAlert


@dataclass(frozen=True, slots=True)
class Escalation:
    person_id: int
    at: datetime
    reason: str


FirstContactSource = Callable[[Session, Sequence[Escalation], datetime], list[datetime | None]]


def counsellor_contact(session: Session, escalations: Sequence[Escalation], end: datetime) -> list[datetime | None]:
    """A counsellor accepted a handoff request of the person at or after the escalation (before `end`);
    a person already in a conversation with a counsellor at that moment counts as contacted at once."""
    people = {e.person_id for e in escalations}
    if not people:
        return []
    conversations: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for person_id, accepted_at, closed_at in session.execute(
        select(HandoffRequest.person_id, HandoffRequest.accepted_at, HandoffRequest.closed_at).where(
            HandoffRequest.accepted_at.is_not(None), HandoffRequest.accepted_at < end
        )
    ):
        if accepted_at is not None and int(person_id) in people:
            conversations.setdefault(int(person_id), []).append((accepted_at, closed_at))
    accepts: dict[int, list[datetime]] = {}
    for person_id, at in session.execute(
        select(HandoffRequest.person_id, HandoffEvent.at)
        .join(HandoffRequest, HandoffRequest.id == HandoffEvent.request_id)
        .where(HandoffEvent.kind == HandoffEventKind.ACCEPTED, HandoffEvent.at < end)
        .order_by(HandoffEvent.at)
    ):
        if int(person_id) in people:
            accepts.setdefault(int(person_id), []).append(at)
    result: list[datetime | None] = []
    for escalation in escalations:
        talking = any(
            start <= escalation.at and (stop is None or stop > escalation.at)
            for start, stop in conversations.get(escalation.person_id, [])
        )
        if talking:
            result.append(escalation.at)
            continue
        later = [at for at in accepts.get(escalation.person_id, []) if escalation.at <= at < end]
        result.append(min(later) if later else None)
    return result


def supporter_contact(session: Session, escalations: Sequence[Escalation], end: datetime) -> list[datetime | None]:
    """The person's supporter acknowledged an alert ("Đã liên hệ") at or after the escalation (before `end`)."""
    people = {e.person_id for e in escalations}
    if not people:
        return []
    acknowledged: dict[int, list[datetime]] = {}
    for person_id, at in session.execute(
        select(SupporterAlert.person_id, SupporterAlert.acknowledged_at).where(
            SupporterAlert.acknowledged_at.is_not(None), SupporterAlert.acknowledged_at < end
        )
    ):
        if at is not None and int(person_id) in people:
            acknowledged.setdefault(int(person_id), []).append(at)
    result: list[datetime | None] = []
    for escalation in escalations:
        later = [at for at in acknowledged.get(escalation.person_id, []) if escalation.at <= at < end]
        result.append(min(later) if later else None)
    return result


FIRST_CONTACT_SOURCES: list[tuple[str, FirstContactSource]] = [
    ("counsellor", counsellor_contact),
    ("supporter", supporter_contact),
]


@dataclass(frozen=True, slots=True)
class EscalationFigures:
    total: int
    by_reason: dict[str, int]
    contacted: int  # first contact before the period's end
    not_contacted: int
    by_source: dict[str, int]  # which source made the first contact
    minutes_p50: float | None
    minutes_p90: float | None


def escalations_in(session: Session, period: Period, people: set[int] | None) -> list[Escalation]:
    rows = session.execute(
        select(AftercareEvent.person_id, AftercareEvent.at, AftercareEvent.value)
        .where(AftercareEvent.kind == "escalated", AftercareEvent.at < period.end)
        .order_by(AftercareEvent.at, AftercareEvent.id)
    )
    return [
        Escalation(int(person_id), at, value or "unknown")
        for person_id, at, value in rows
        if period.contains(at) and kept(int(person_id), people)
    ]


def escalation_figures(
    session: Session,
    period: Period,
    people: set[int] | None,
    sources: Sequence[tuple[str, FirstContactSource]] = FIRST_CONTACT_SOURCES,
) -> EscalationFigures:
    escalations = escalations_in(session, period, people)
    answers = [(name, fn(session, escalations, period.end)) for name, fn in sources]
    waits: list[float] = []
    by_source: Counter[str] = Counter()
    for index, escalation in enumerate(escalations):
        found = [(at, name) for name, times in answers if (at := times[index]) is not None]
        if found:
            at, name = min(found)
            by_source[name] += 1
            waits.append((at - escalation.at).total_seconds() / 60)
    p50, p90 = percentile(waits, 0.5), percentile(waits, 0.9)
    return EscalationFigures(
        total=len(escalations),
        by_reason=dict(sorted(Counter(e.reason for e in escalations).items())),
        contacted=len(waits),
        not_contacted=len(escalations) - len(waits),
        by_source={name: by_source.get(name, 0) for name, _fn in sources},
        minutes_p50=None if p50 is None else round(p50, 1),
        minutes_p90=None if p90 is None else round(p90, 1),
    )
