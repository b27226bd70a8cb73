"""Putting a person in the counsellors' queue (crisis first) and telling them where they stand."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from services.dialogue.menus import HOTLINE_NUMBER
from services.dialogue.turn import Turn
from services.events import HANDOFF_ENQUEUED, Events
from services.i18n import _
from services.types import Button
from storage.models import HandoffRequest, HandoffStatus
from storage.uow import UnitOfWork

HANDOFF_CANCEL = "handoff:cancel"


class Priority(IntEnum):
    REQUEST = 10
    ESCALATION = 50
    REQUEUED = 90  # back from a counsellor who could not continue: the front, after crises
    CRISIS = 100


def enqueue_person(
    uow: UnitOfWork, events: Events, person_id: int, reason: str, priority: Priority, now: datetime
) -> HandoffRequest:
    """Create a waiting request, or raise the priority of the person's open one; never two at once.

    Usable outside a turn too (after-care escalations run from the scheduler).
    """
    existing = uow.handoffs.open_for(person_id)
    if existing is not None:
        if priority > existing.priority:
            existing.priority = int(priority)
            existing.reason = reason
            existing.crisis = existing.crisis or priority >= Priority.CRISIS
            existing.updated_at = now
            events.emit(HANDOFF_ENQUEUED, uow=uow, request=existing, created=False, now=now)
        return existing
    request = uow.handoffs.add(
        HandoffRequest(
            person_id=person_id,
            reason=reason,
            priority=int(priority),
            crisis=priority >= Priority.CRISIS,
            status=HandoffStatus.WAITING,
            created_at=now,
            updated_at=now,
            queued_at=now,
        )
    )
    events.emit(HANDOFF_ENQUEUED, uow=uow, request=request, created=True, now=now)
    return request


def enqueue(turn: Turn, reason: str, priority: Priority) -> HandoffRequest:
    """Queue the person of this turn."""
    return enqueue_person(turn.uow, turn.events, turn.person.id, reason, priority, turn.now)


def request_counsellor(turn: Turn, reason: str = "request") -> None:
    """The person asked for a human: queue them and say honestly what happens next."""
    request = enqueue(turn, reason, Priority.REQUEST)
    if request.status == HandoffStatus.ACTIVE:
        turn.say(_("You are already talking with a counsellor; just write your message here."))
        return
    position = turn.uow.handoffs.position(request)
    turn.say(
        _(
            "I have asked a counsellor to join you. You are number {position} in the queue. "
            "While you wait you can keep asking me questions. If it is urgent, call the national hotline "
            "{hotline} (24/7) or 115 for an emergency."
        ).format(position=position, hotline=HOTLINE_NUMBER),
        (Button(_("Cancel the request"), HANDOFF_CANCEL),),
    )


def cancel_request(turn: Turn) -> None:
    request = turn.uow.handoffs.open_for(turn.person.id)
    if request is None or request.status != HandoffStatus.WAITING:
        turn.say(_("You have no waiting request for a counsellor."))
        return
    request.status = HandoffStatus.CANCELLED
    request.updated_at = turn.now
    turn.say(_("Your request for a counsellor is cancelled. You can ask again at any time with /counsellor."))
