"""Registrations by status and commune, the hotline's volumes (messages, crises, handoffs, waits) and CSAT."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.handoff.reports import percentile
from services.i18n import LOCAL_TZ
from services.indicators.period import Period
from services.indicators.places import PlaceFilter, RegisteredPlace, kept, matches, ward_of
from storage.handoff_models import Counsellor
from storage.models import CrisisEvent, HandoffRequest, InboxMessage
from storage.registration_models import Registration, RegistrationEvent
from storage.supporter_models import Supporter

UNKNOWN_COMMUNE = "(commune not given or erased)"


@dataclass(frozen=True, slots=True)
class RegistrationFigures:
    total: int  # sent in the period
    by_status: dict[str, int]  # their status at the period's end
    by_commune: dict[str, int]  # "Province / Commune" (the commune alone under a province filter)


@dataclass(frozen=True, slots=True)
class HotlineFigures:
    people: int  # distinct people who wrote (staff excluded)
    conversations: int  # person-days with at least one message (local days)
    crisis_events: int
    crisis_by_kind: dict[str, int]
    handoffs: int  # requests for a counsellor made in the period
    handoffs_accepted: int  # accepted by a counsellor before the period's end
    wait_minutes_p50: float | None
    wait_minutes_p90: float | None


@dataclass(frozen=True, slots=True)
class CsatFigures:
    responses: int
    average: float | None
    satisfied: int  # 4 or 5


STATUSES = ("received", "processing", "contacted", "transferred", "completed", "cancelled")


def registration_figures(session: Session, period: Period, where: PlaceFilter) -> RegistrationFigures:
    stmt = select(Registration.id, Registration.province, Registration.ward, Registration.created_at).where(
        Registration.created_at < period.end
    )
    if period.start is not None:
        stmt = stmt.where(Registration.created_at >= period.start)
    rows = session.execute(stmt)
    chosen: dict[int, RegisteredPlace] = {}
    for registration_id, province, ward, created_at in rows:
        place = RegisteredPlace(province, *ward_of(ward))
        if period.contains(created_at) and matches(place, where):
            chosen[int(registration_id)] = place
    status: dict[int, str] = {}
    if chosen:
        for registration_id, value in session.execute(
            select(RegistrationEvent.registration_id, RegistrationEvent.status)
            .where(RegistrationEvent.at < period.end)
            .order_by(RegistrationEvent.at, RegistrationEvent.id)
        ):
            if int(registration_id) in chosen:
                status[int(registration_id)] = value
    by_status = dict.fromkeys(STATUSES, 0)
    for registration_id in chosen:
        value = status.get(registration_id, "received")
        by_status[value] = by_status.get(value, 0) + 1
    communes: Counter[str] = Counter()
    for place in chosen.values():
        commune = place.commune_name or UNKNOWN_COMMUNE
        communes[commune if where.active else f"{place.province} / {commune}"] += 1
    return RegistrationFigures(len(chosen), by_status, dict(sorted(communes.items())))


def _staff(session: Session) -> set[int]:
    """Counsellors and supporters write to the bot too; they are not the hotline's public."""
    counsellors = session.scalars(select(Counsellor.person_id))
    supporters = session.scalars(select(Supporter.person_id))
    return {int(p) for p in counsellors} | {int(p) for p in supporters}


def hotline_figures(session: Session, period: Period, people: set[int] | None) -> HotlineFigures:
    staff = _staff(session)
    writers: set[int] = set()
    days: set[tuple[int, object]] = set()
    stmt = select(InboxMessage.person_id, InboxMessage.received_at).where(InboxMessage.received_at < period.end)
    if period.start is not None:
        stmt = stmt.where(InboxMessage.received_at >= period.start)
    for person_id, received_at in session.execute(stmt):
        person = int(person_id)
        if person in staff or not kept(person, people):
            continue
        writers.add(person)
        days.add((person, received_at.astimezone(LOCAL_TZ).date()))
    crises: Counter[str] = Counter(
        kind
        for person_id, kind, at in session.execute(
            select(CrisisEvent.person_id, CrisisEvent.kind, CrisisEvent.at).where(CrisisEvent.at < period.end)
        )
        if period.contains(at) and kept(int(person_id), people)
    )
    requests = [
        (created_at, accepted_at)
        for person_id, created_at, accepted_at in session.execute(
            select(HandoffRequest.person_id, HandoffRequest.created_at, HandoffRequest.accepted_at).where(
                HandoffRequest.created_at < period.end
            )
        )
        if period.contains(created_at) and kept(int(person_id), people)
    ]
    waits = [
        (accepted - created).total_seconds() / 60
        for created, accepted in requests
        if accepted is not None and accepted < period.end
    ]
    p50, p90 = percentile(waits, 0.5), percentile(waits, 0.9)
    return HotlineFigures(
        people=len(writers),
        conversations=len(days),
        crisis_events=sum(crises.values()),
        crisis_by_kind=dict(sorted(crises.items())),
        handoffs=len(requests),
        handoffs_accepted=len(waits),
        wait_minutes_p50=None if p50 is None else round(p50, 1),
        wait_minutes_p90=None if p90 is None else round(p90, 1),
    )


def csat_figures(session: Session, period: Period, people: set[int] | None) -> CsatFigures:
    """Ratings 1–5 given at the end of conversations closed in the period."""
    scores = [
        score
        for person_id, score, closed_at in session.execute(
            select(HandoffRequest.person_id, HandoffRequest.csat, HandoffRequest.closed_at).where(
                HandoffRequest.csat.is_not(None), HandoffRequest.closed_at < period.end
            )
        )
        if score is not None and period.contains(closed_at) and kept(int(person_id), people)
    ]
    return CsatFigures(
        responses=len(scores),
        average=round(sum(scores) / len(scores), 2) if scores else None,
        satisfied=sum(1 for s in scores if s >= 4),
    )
