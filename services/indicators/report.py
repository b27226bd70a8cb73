"""All indicators of a period and place, and their flat rows (indicator, breakdown, value, unit, basis)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from services.indicators.aftercare import STATES, AftercareFigures, FinishedTreatment, aftercare_figures
from services.indicators.aftercare import finished_treatment as finished_figures
from services.indicators.contact import EscalationFigures, escalation_figures
from services.indicators.period import Period
from services.indicators.places import PlaceFilter, people_in
from services.indicators.volumes import (
    CsatFigures,
    HotlineFigures,
    RegistrationFigures,
    csat_figures,
    hotline_figures,
    registration_figures,
)

Value = int | float | None


@dataclass(frozen=True, slots=True)
class Figure:
    """One published number. `basis`: the counts it derives from (a count's basis is itself); `groups`: the
    partitions of a published total the cell belongs to (a hidden cell must not be found by subtraction)."""

    indicator: str
    breakdown: str
    value: Value
    unit: str
    basis: tuple[int, ...]
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Indicators:
    period: Period
    place: PlaceFilter
    aftercare: AftercareFigures
    finished: FinishedTreatment
    escalations: EscalationFigures
    registrations: RegistrationFigures
    hotline: HotlineFigures
    csat: CsatFigures

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["period"] = {
            "start": self.period.start.isoformat() if self.period.start else None,
            "end": self.period.end.isoformat(),
            "label": self.period.label,
        }
        data["place"] = self.place.label
        return data


def build_indicators(session: Session, period: Period, place: PlaceFilter) -> Indicators:
    people = people_in(session, place, period.end)
    return Indicators(
        period=period,
        place=place,
        aftercare=aftercare_figures(session, period, people),
        finished=finished_figures(session, period, place),
        escalations=escalation_figures(session, period, people),
        registrations=registration_figures(session, period, place),
        hotline=hotline_figures(session, period, people),
        csat=csat_figures(session, period, people),
    )


def _count(indicator: str, breakdown: str, value: int, unit: str, *groups: str) -> Figure:
    return Figure(indicator, breakdown, value, unit, (value,), groups)


def figures(ind: Indicators) -> list[Figure]:
    a, f, e, r, h, c = ind.aftercare, ind.finished, ind.escalations, ind.registrations, ind.hotline, ind.csat
    rows = [_count("aftercare.people", "total", a.ever_enrolled, "people")]
    rows += [_count("aftercare.people", s, a.by_state[s], "people", "aftercare.people") for s in STATES]
    rows += [
        _count("aftercare.new_enrolments", "", a.new_enrolments, "people"),
        Figure("aftercare.people_months", "", a.people_months, "people-months", (a.people_in_period,)),
        _count("aftercare.relapse_reports", "", a.relapse_reports, "reports"),
        Figure(
            "aftercare.relapse_rate",
            "",
            a.relapse_rate_per_100_pm,
            "per 100 people-months",
            (a.relapse_reports, a.people_in_period),
        ),
        _count("treatment.finished", "", f.finished, "people"),
        _count("treatment.finished_in_aftercare", "in after-care", f.in_aftercare, "people", "treatment"),
        _count(
            "treatment.finished_in_aftercare", "not in after-care", f.finished - f.in_aftercare, "people", "treatment"
        ),
        Figure(
            "treatment.share_in_aftercare",
            "",
            None if f.share is None else round(100 * f.share, 1),
            "%",
            (f.in_aftercare, f.finished - f.in_aftercare),
        ),
        _count("escalations", "total", e.total, "escalations"),
    ]
    rows += [_count("escalations", reason, n, "escalations", "escalations") for reason, n in e.by_reason.items()]
    rows.append(_count("escalations.first_contact", "contacted", e.contacted, "escalations", "contact"))
    rows.append(
        _count("escalations.first_contact", "not contacted", e.not_contacted, "escalations", "contact", "source")
    )
    rows += [
        _count("escalations.first_contact", f"by {name}", n, "escalations", "source") for name, n in e.by_source.items()
    ]
    rows += [
        Figure("escalations.first_contact_minutes", "p50", e.minutes_p50, "minutes", (e.contacted,)),
        Figure("escalations.first_contact_minutes", "p90", e.minutes_p90, "minutes", (e.contacted,)),
        _count("registrations", "total", r.total, "registrations"),
    ]
    rows += [
        _count("registrations", f"status: {s}", n, "registrations", "registrations.status")
        for s, n in r.by_status.items()
    ]
    rows += [
        _count("registrations", f"commune: {name}", n, "registrations", "registrations.commune")
        for name, n in r.by_commune.items()
    ]
    rows += [
        _count("hotline.people", "", h.people, "people"),
        _count("hotline.conversations", "", h.conversations, "conversations"),
        _count("hotline.crisis_events", "total", h.crisis_events, "events"),
    ]
    rows += [_count("hotline.crisis_events", k, n, "events", "crisis") for k, n in h.crisis_by_kind.items()]
    rows += [
        _count("hotline.handoffs", "requests", h.handoffs, "requests"),
        _count("hotline.handoffs", "accepted", h.handoffs_accepted, "requests", "handoffs"),
        _count("hotline.handoffs", "not accepted", h.handoffs - h.handoffs_accepted, "requests", "handoffs"),
        Figure("hotline.wait_minutes", "p50", h.wait_minutes_p50, "minutes", (h.handoffs_accepted,)),
        Figure("hotline.wait_minutes", "p90", h.wait_minutes_p90, "minutes", (h.handoffs_accepted,)),
        _count("csat", "responses", c.responses, "responses"),
        Figure("csat", "average", c.average, "score 1-5", (c.responses,)),
        _count("csat", "satisfied (4-5)", c.satisfied, "responses", "csat"),
        _count("csat", "not satisfied (1-3)", c.responses - c.satisfied, "responses", "csat"),
    ]
    return rows
