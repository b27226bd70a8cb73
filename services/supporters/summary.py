"""The weekly summary to each supporter: per assigned person, check-ins answered, craving, days without use.

Sent once a week on `HOTLINE_SUPPORTERS_SUMMARY_WEEKDAY` at `…_SUMMARY_HOUR` in Asia/Ho_Chi_Minh (default
Monday 09:00). Restart-safe: each assignment keeps `last_summary_at`, so a summary goes once per week; after
downtime it still goes up to `…_SUMMARY_CATCHUP_HOURS` (12) late, else it waits for the next week.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from itertools import groupby

from services.aftercare.context import AftercareContext
from services.i18n import _
from services.messaging import send_message
from services.supporters import texts
from services.supporters.core import SYSTEM, Supporters, audit, supporter_actor
from services.supporters.repository import SupporterRepository, WeekFigures
from storage.aftercare_models import EnrolmentStatus
from storage.supporter_models import SupporterAssignment
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
WEEK = timedelta(days=7)
MAX_PER_TICK = 500


def summary_moment(sp: Supporters, now: datetime) -> datetime | None:
    """This week's summary time (UTC) when it has come and is not older than the catch-up window, else None."""
    zone = sp.aftercare.config.zone
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - sp.settings.weekday_index) % 7)
    moment = datetime.combine(day, time(sp.settings.summary_hour), tzinfo=zone)
    if moment > local:
        moment -= WEEK
    if now - moment > timedelta(hours=sp.settings.summary_catchup_hours):
        return None
    return moment.astimezone(UTC)


def _number(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def person_line(ctx: AftercareContext, assignment: SupporterAssignment, week: WeekFigures, now: datetime) -> str:
    """One person's week, in words a volunteer reads on a phone."""
    parts = [
        _("{answered} of {sent} check-ins answered").format(answered=week.answered, sent=week.sent)
        if week.sent
        else _("no check-in this week")
    ]
    if week.cravings:
        craving = _("craving reported {n} times, on average {mean}/10").format(
            n=len(week.cravings), mean=_number(sum(week.cravings) / len(week.cravings))
        )
        if week.cravings_before:
            craving += " " + _("(the week before: {mean}/10)").format(
                mean=_number(sum(week.cravings_before) / len(week.cravings_before))
            )
        parts.append(craving)
    else:
        parts.append(_("no craving reported"))
    if week.relapses:
        parts.append(_("reported using again this week"))
    elif week.clean_since is not None:
        days = (ctx.config.local_date(now) - ctx.config.local_date(week.clean_since)).days
        parts.append(_("{days} days without reported use").format(days=days))
    if week.status == EnrolmentStatus.PAUSED:
        parts.append(_("check-ins paused"))
    elif week.status not in (EnrolmentStatus.ACTIVE, None):
        parts.append(_("check-ins stopped"))
    return f"{texts.who(assignment)}: " + "; ".join(parts) + "."


def people_lines(sp: Supporters, uow: UnitOfWork, assignments: list[SupporterAssignment], now: datetime) -> list[str]:
    repo = SupporterRepository(uow.session)
    return [person_line(sp.aftercare, a, repo.week_figures(a.person_id, now - WEEK, now), now) for a in assignments]


class SummaryTimer:
    """The tick: when this week's moment has come, each supporter gets one message about all their people."""

    def __init__(self, sp: Supporters, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._sp = sp
        self._uow_factory = uow_factory

    def __call__(self, now: datetime) -> None:
        moment = summary_moment(self._sp, now)
        if moment is None:
            return
        with self._uow_factory() as uow:
            repo = SupporterRepository(uow.session)
            due = repo.due_summaries(moment, MAX_PER_TICK)
            if not due:
                return
            sent: defaultdict[int, int] = defaultdict(int)
            for supporter_id, group in groupby(due, key=lambda a: a.supporter_id):
                assignments = list(group)
                for assignment in assignments:
                    assignment.last_summary_at = now
                supporter = repo.get(supporter_id)
                if supporter is None or not supporter.active:
                    continue
                lines = people_lines(self._sp, uow, assignments, now)
                date = self._sp.aftercare.config.local_date(now).strftime("%d/%m")
                send_message(uow, supporter.person_id, "\n".join([texts.summary_header(date), *lines]), (), now)
                for assignment in assignments:
                    audit(
                        uow,
                        now,
                        SYSTEM,
                        "supporter.summary",
                        "person",
                        assignment.person_id,
                        supporter_actor(supporter),
                    )
                sent[supporter_id] = len(assignments)
            uow.commit()
        if sent:
            log.info("supporter summaries", extra={"supporters": len(sent), "people": sum(sent.values())})
