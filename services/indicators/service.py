"""The use case behind `hotline reports indicators|quarterly`: build the figures and audit the read."""

from __future__ import annotations

from datetime import date, datetime

from services.indicators.period import make_period
from services.indicators.places import place_filter
from services.indicators.report import Indicators, build_indicators
from storage.models import AuditLog
from storage.uow import UnitOfWork


def indicators_report(
    uow: UnitOfWork,
    *,
    since: date | None,
    until: date | None,
    province: str | None,
    commune: str | None,
    actor: str,
    now: datetime,
    output: str,
) -> Indicators:
    """The indicators of a period (local dates, both included) and place. Reads the registrations' encrypted
    communes, so the read is written to the audit log (actor, period, place, output)."""
    period = make_period(since, until, now)
    place = place_filter(province, commune)
    result = build_indicators(uow.session, period, place)
    uow.audit.add(
        AuditLog(
            at=now,
            actor=actor[:64],
            action="report.indicators",
            subject_type="indicators",
            subject_id=(place.label if place.active else "*")[:64],
            reason=f"{period.label} {output}"[:200],
        )
    )
    return result
