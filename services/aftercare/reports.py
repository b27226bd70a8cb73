"""After-care figures for supervisors (anonymous counts) and the masked list of enrolments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from services.aftercare.context import AftercareContext
from services.aftercare.enrolment import shown_time
from services.aftercare.repository import AftercareRepository
from storage.aftercare_models import AftercareCheckin, CheckinStatus
from storage.uow import UnitOfWork

TREND_WEEKS = 8


@dataclass(frozen=True, slots=True)
class WeekCraving:
    week: str  # ISO week in Asia/Ho_Chi_Minh, e.g. "2026-W48"
    reports: int
    mean_level: float


@dataclass(frozen=True, slots=True)
class AftercareReport:
    enrolled: int  # ever consented
    active: int
    paused: int
    stopped: int
    completed: int
    offered: int  # asked, no answer yet
    declined: int
    checkins_sent: int
    answered: int
    missed: int
    skipped: int
    answer_rate: float | None  # answered / (answered + missed); open check-ins are not counted
    followups: int
    answers: dict[str, int]
    relapses: int
    escalations: dict[str, int]
    craving_trend: list[WeekCraving] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(uow: UnitOfWork, ctx: AftercareContext, now: datetime, weeks: int = TREND_WEEKS) -> AftercareReport:
    repo = AftercareRepository(uow.session)
    statuses = repo.status_counts()
    checkins = repo.checkin_counts()
    answered = checkins.get(CheckinStatus.ANSWERED, 0)
    missed = checkins.get(CheckinStatus.MISSED, 0)
    answers = repo.event_counts("answer")
    return AftercareReport(
        enrolled=repo.ever_enrolled(),
        active=statuses.get("active", 0),
        paused=statuses.get("paused", 0),
        stopped=statuses.get("stopped", 0),
        completed=statuses.get("completed", 0),
        offered=statuses.get("offered", 0),
        declined=statuses.get("declined", 0),
        checkins_sent=answered + missed + checkins.get(CheckinStatus.SENT, 0),
        answered=answered,
        missed=missed,
        skipped=checkins.get(CheckinStatus.SKIPPED, 0),
        answer_rate=round(answered / (answered + missed), 3) if answered + missed else None,
        followups=sum(repo.event_counts("followup").values()),
        answers=answers,
        relapses=answers.get("relapse", 0),
        escalations=repo.event_counts("escalated"),
        craving_trend=craving_trend(repo, ctx, now, weeks),
    )


def craving_trend(repo: AftercareRepository, ctx: AftercareContext, now: datetime, weeks: int) -> list[WeekCraving]:
    """Mean reported craving level per local ISO week, oldest first (weeks without reports are left out)."""
    levels: defaultdict[str, list[int]] = defaultdict(list)
    for at, level in repo.craving_levels(now - timedelta(weeks=weeks)):
        year, week, _day = ctx.config.local_date(at).isocalendar()
        levels[f"{year}-W{week:02d}"].append(level)
    return [WeekCraving(week, len(vals), round(sum(vals) / len(vals), 1)) for week, vals in sorted(levels.items())]


def mask(value: str, keep: int = 2) -> str:
    """A channel id as staff lists show it: only its last characters."""
    return "•••" + value[-keep:] if len(value) > keep + 2 else "•••"


def enrolment_rows(uow: UnitOfWork, ctx: AftercareContext) -> list[dict[str, Any]]:
    """Every enrolment, with the person's channel id masked; times shown in Asia/Ho_Chi_Minh."""
    repo = AftercareRepository(uow.session)
    counts = {
        enrolment_id: (int(sent), int(answered))
        for enrolment_id, sent, answered in uow.session.execute(
            select(
                AftercareCheckin.enrolment_id,
                func.count(AftercareCheckin.sent_at),
                func.sum(case((AftercareCheckin.status == CheckinStatus.ANSWERED, 1), else_=0)),
            ).group_by(AftercareCheckin.enrolment_id)
        )
    }
    scheduled_rows = repo.scheduled_by_enrolment()
    rows = []
    for enrolment, person in repo.listing():
        scheduled = scheduled_rows.get(enrolment.id)
        sent, answered = counts.get(enrolment.id, (0, 0))
        rows.append(
            {
                "id": enrolment.id,
                "person": mask(person.external_id),
                "channel": person.channel,
                "status": enrolment.status,
                "plan": enrolment.plan,
                "time": enrolment.local_time,
                "since": ctx.config.local_date(enrolment.started_at).isoformat() if enrolment.started_at else "",
                "next": _local(ctx, shown_time(ctx, scheduled)) if scheduled is not None else "",
                "sent": sent,
                "answered": answered,
                "missed_in_a_row": enrolment.missed_streak,
                "by": enrolment.enrolled_by,
            }
        )
    return rows


def _local(ctx: AftercareContext, moment: datetime) -> str:
    return moment.astimezone(ctx.config.zone).strftime("%Y-%m-%d %H:%M")
