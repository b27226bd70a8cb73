"""A person's answer to a check-in (or the same report made any time): record it, reply, escalate when needed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from services.aftercare import texts
from services.aftercare.content import pick
from services.aftercare.context import AftercareContext
from services.aftercare.repository import AftercareRepository
from services.events import AFTERCARE_ESCALATED
from services.handoff.queue import Priority, enqueue_person
from services.types import Button
from storage.aftercare_models import AftercareCheckin, AftercareEnrolment, CheckinStatus
from storage.models import HandoffStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

REASON_RELAPSE = "aftercare_relapse"
REASON_CRAVING = "aftercare_craving"
REASON_TALK = "aftercare_talk"
REASON_MISSED = "aftercare_missed"


@dataclass(slots=True)
class Reply:
    """What to say back (the dialogue layer says it; the scheduler sends it)."""

    texts: list[str] = field(default_factory=list)
    buttons: tuple[Button, ...] = ()
    ask_level: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(self.texts)


def escalate(
    ctx: AftercareContext,
    uow: UnitOfWork,
    enrolment: AftercareEnrolment,
    reason: str,
    now: datetime,
    checkin_id: int | None = None,
) -> int | None:
    """Put the person in the counsellors' queue with priority ESCALATION and the reason; record it.

    Returns the person's place in the queue, or None when a counsellor is already talking with them.
    Emits `aftercare.escalated` (the supporters feature alerts the person's supporter).
    """
    request = enqueue_person(uow, ctx.events, enrolment.person_id, reason, Priority.ESCALATION, now)
    AftercareRepository(uow.session).add_event(enrolment, "escalated", now, value=reason, checkin_id=checkin_id)
    ctx.events.emit(AFTERCARE_ESCALATED, uow=uow, person_id=enrolment.person_id, reason=reason, now=now)
    log.info("aftercare escalation", extra={"person": enrolment.person_id, "reason": reason})
    if request.status == HandoffStatus.ACTIVE:
        return None
    return uow.handoffs.position(request)


def open_checkin(repo: AftercareRepository, enrolment: AftercareEnrolment) -> AftercareCheckin | None:
    """The latest check-in sent, when it has no answer yet (late answers count too)."""
    last = repo.last_sent(enrolment)
    if last is not None and last.status in (CheckinStatus.SENT, CheckinStatus.MISSED) and last.answer is None:
        return last
    return None


def record(
    repo: AftercareRepository,
    enrolment: AftercareEnrolment,
    checkin: AftercareCheckin | None,
    kind: str,
    now: datetime,
) -> None:
    """The answer closes its check-in (if still open) and ends any silence."""
    if checkin is not None and checkin.answer is None and checkin.status in (CheckinStatus.SENT, CheckinStatus.MISSED):
        checkin.status = CheckinStatus.ANSWERED
        checkin.answer = kind
        checkin.answered_at = now
        checkin.action_at = None
    enrolment.missed_streak = 0
    enrolment.updated_at = now
    repo.add_event(enrolment, "answer", now, value=kind, checkin_id=checkin.id if checkin else None)


def answer(
    ctx: AftercareContext,
    uow: UnitOfWork,
    enrolment: AftercareEnrolment,
    checkin: AftercareCheckin | None,
    kind: str,
    now: datetime,
) -> Reply:
    repo = AftercareRepository(uow.session)
    record(repo, enrolment, checkin, kind, now)
    turn_of = (checkin.seq if checkin else 0) + enrolment.id
    checkin_id = checkin.id if checkin else 0
    if kind == texts.OK:
        reply = Reply([pick(ctx.content.ok_replies, turn_of)])
        milestone = reached_milestone(ctx, repo, enrolment, now)
        if milestone:
            reply.texts.append(milestone)
        return reply
    if kind == texts.CRAVING:
        return Reply([texts.level_question()], texts.level_buttons(checkin_id), ask_level=True)
    if kind == texts.RELAPSE:
        enrolment.clean_since = now
        enrolment.milestone_days = 0
        position = escalate(ctx, uow, enrolment, REASON_RELAPSE, now, checkin.id if checkin else None)
        follow = texts.already_with_counsellor_text() if position is None else texts.relapse_followup_text(position)
        return Reply([pick(ctx.content.relapse_replies, turn_of), follow])
    position = escalate(ctx, uow, enrolment, REASON_TALK, now, checkin.id if checkin else None)
    return Reply([texts.already_with_counsellor_text() if position is None else texts.talk_text(position)])


def craving_level(
    ctx: AftercareContext,
    uow: UnitOfWork,
    enrolment: AftercareEnrolment,
    checkin: AftercareCheckin | None,
    level: int,
    now: datetime,
) -> Reply:
    """Record the level, offer one coping tip (in turn), and alert the counsellors at a high level."""
    repo = AftercareRepository(uow.session)
    if checkin is not None and checkin.answer == texts.CRAVING:
        checkin.craving_level = level
    repo.add_event(enrolment, "craving_level", now, level=level, checkin_id=checkin.id if checkin else None)
    tip = ctx.content.tips[enrolment.tip_index % len(ctx.content.tips)]
    enrolment.tip_index += 1
    enrolment.updated_at = now
    reply = Reply([texts.tip_text(tip)])
    if level >= ctx.settings.craving_alert_level:
        position = escalate(ctx, uow, enrolment, REASON_CRAVING, now, checkin.id if checkin else None)
        reply.texts.append(
            texts.already_with_counsellor_text() if position is None else texts.craving_alert_text(position)
        )
    else:
        reply.texts.append(texts.craving_offer_text())
        reply.buttons = (texts.talk_button(checkin.id if checkin else 0),)
    return reply


def reached_milestone(
    ctx: AftercareContext, repo: AftercareRepository, enrolment: AftercareEnrolment, now: datetime
) -> str | None:
    """The text for a streak milestone reached since the last one acknowledged (days without a reported relapse)."""
    if enrolment.clean_since is None:
        return None
    days = (ctx.config.local_date(now) - ctx.config.local_date(enrolment.clean_since)).days
    reached = [m for m in ctx.config.milestones_days if enrolment.milestone_days < m <= days]
    if not reached:
        return None
    enrolment.milestone_days = reached[-1]
    repo.add_event(enrolment, "milestone", now, value=str(reached[-1]))
    return ctx.content.milestone(reached[-1])
