"""A conversation's life: accepted from the queue, relayed both ways, transferred, requeued, closed.

The callers lock first (see repository.py): the served person's row, then the request row.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from services.dialogue.menus import HOTLINE_NUMBER
from services.dialogue.turn import Turn
from services.events import HANDOFF_CLOSED
from services.handoff.card import context_card
from services.handoff.core import RELAY_FLOW, FlowState, Handoff, Messenger, Repos, flow_state
from services.handoff.notify import notify_waiting
from services.handoff.queue import Priority
from services.handoff.texts import outcome_label
from services.i18n import _
from services.types import Button
from storage.handoff_models import Counsellor, HandoffEventKind, HandoffNote, NoteKind
from storage.models import HandoffRequest, HandoffStatus

log = logging.getLogger(__name__)

CSAT = "handoff:csat"
SKIP = "skip"


def csat_buttons(request_id: int) -> tuple[Button, ...]:
    scores = tuple(Button(str(n), f"{CSAT}:{request_id}:{n}") for n in range(1, 6))
    return (*scores, Button(_("Skip"), f"{CSAT}:{request_id}:{SKIP}"))


def _stash_of(state: FlowState) -> dict[str, Any] | None:
    if state.flow == RELAY_FLOW:
        stash: dict[str, Any] | None = state.data.get("stash")
        return stash
    if state.flow:
        return {"flow": state.flow, "step": state.step, "data": state.data}
    return None


def restore(state: FlowState) -> bool:
    """Leave the relay; back to what the person was doing before it, if anything. True when restored."""
    stash = state.data.get("stash") if state.flow == RELAY_FLOW else None
    if stash and stash.get("flow"):
        state.enter(str(stash["flow"]), str(stash.get("step") or ""), dict(stash.get("data") or {}))
        return True
    state.leave()
    return False


def start(
    h: Handoff,
    repos: Repos,
    msg: Messenger,
    turn: Turn | None,
    request: HandoffRequest,
    counsellor: Counsellor,
    now: datetime,
) -> None:
    """The counsellor takes the (locked) request: the person enters the relay, the counsellor gets the card."""
    request.status = HandoffStatus.ACTIVE
    request.counsellor_id = counsellor.id
    request.accepted_at = request.accepted_at or now
    request.updated_at = now
    request.person_waiting_since = now
    request.counsellor_waiting_since = None
    request.reminded_at = None
    request.unreachable_offered_at = None
    counsellor.current_request_id = request.id
    state = flow_state(repos.uow, turn, request.person_id, now)
    stash = _stash_of(state)
    state.enter(RELAY_FLOW, "talk", {"request": request.id, "stash": stash})
    repos.queue.add_event(request.id, HandoffEventKind.ACCEPTED, now, counsellor.id)
    joined = _(
        "{name}, a counsellor, has joined. What you write here now goes to {name}. "
        "Type /cancel to end the conversation."
    ).format(name=counsellor.name)
    if stash:
        joined += " " + _("What you were doing with me is kept for later.")
    msg.send(request.person_id, joined)
    msg.send(counsellor.person_id, context_card(h, repos, request, counsellor, now))
    log.info("handoff accepted", extra={"request": request.id, "counsellor": counsellor.id})


def relay_from_person(
    msg: Messenger, request: HandoffRequest, counsellor: Counsellor, text: str, now: datetime
) -> None:
    """The person's words, verbatim, to their counsellor."""
    msg.send(counsellor.person_id, f"#{request.id}: {text}", about_person_id=request.person_id)
    request.person_waiting_since = request.person_waiting_since or now
    request.counsellor_waiting_since = None
    request.unreachable_offered_at = None
    request.updated_at = now


def relay_from_counsellor(
    msg: Messenger, request: HandoffRequest, counsellor: Counsellor, text: str, now: datetime
) -> None:
    """The counsellor's words, verbatim, signed with their first name or pseudonym only."""
    msg.send(request.person_id, f"{counsellor.name}: {text}")
    request.first_response_at = request.first_response_at or now
    request.person_waiting_since = None
    request.reminded_at = None
    request.counsellor_waiting_since = request.counsellor_waiting_since or now
    request.crisis_pending_kind = None
    request.crisis_pending_at = None
    request.updated_at = now


def add_note(
    repos: Repos, request: HandoffRequest, counsellor_id: int | None, kind: NoteKind, text: str, now: datetime
) -> None:
    repos.queue.add_note(
        HandoffNote(
            request_id=request.id,
            person_id=request.person_id,
            counsellor_id=counsellor_id,
            kind=kind,
            text=text,
            at=now,
        )
    )


def close(
    h: Handoff,
    repos: Repos,
    msg: Messenger,
    turn: Turn | None,
    request: HandoffRequest,
    now: datetime,
    *,
    outcome: str | None,
    ended_by: str,
) -> None:
    """End the conversation; the person gets the satisfaction question and goes back to the bot."""
    request.status = HandoffStatus.CLOSED
    request.closed_at = now
    request.outcome = outcome
    request.ended_by = ended_by
    request.updated_at = now
    request.person_waiting_since = None
    request.counsellor_waiting_since = None
    request.crisis_pending_kind = None
    request.crisis_pending_at = None
    repos.queue.add_event(request.id, HandoffEventKind.CLOSED, now, request.counsellor_id, outcome or ended_by)
    h.events.emit(HANDOFF_CLOSED, uow=repos.uow, request=request, now=now)
    log.info("handoff closed", extra={"request": request.id, "outcome": outcome, "ended_by": ended_by})
    if ended_by == "erasure":
        return
    state = flow_state(repos.uow, turn, request.person_id, now)
    if state.flow == RELAY_FLOW and state.data.get("request") == request.id:
        state.enter(RELAY_FLOW, "csat", {"request": request.id, "stash": state.data.get("stash")})
    counsellor = repos.counsellors.get(request.counsellor_id) if request.counsellor_id else None
    name = counsellor.name if counsellor else _("the counsellor")
    if ended_by == "person":
        ended = _("The conversation with {name} has ended.").format(name=name)
    else:
        ended = _("{name} has ended the conversation. Thank you for talking with us.").format(name=name)
    msg.send(
        request.person_id,
        ended + " " + _("How satisfied are you with this conversation? 1 = not at all, 5 = very satisfied."),
        csat_buttons(request.id),
    )


def requeue(
    h: Handoff,
    repos: Repos,
    msg: Messenger,
    turn: Turn | None,
    request: HandoffRequest,
    now: datetime,
    *,
    note: str,
    note_kind: NoteKind,
    by: Counsellor | None,
    detail: str,
) -> None:
    """Back to the front of the queue (after crises), with a note for whoever takes the person next."""
    previous = repos.counsellors.get(request.counsellor_id) if request.counsellor_id else None
    request.status = HandoffStatus.WAITING
    request.counsellor_id = None
    request.priority = max(request.priority, int(Priority.REQUEUED))
    request.queued_at = now
    request.updated_at = now
    for timer in (
        "renotified_at",
        "escalated_at",
        "person_waiting_since",
        "counsellor_waiting_since",
        "reminded_at",
        "unreachable_offered_at",
        "crisis_pending_kind",
        "crisis_pending_at",
        "told_position",
        "told_position_at",
    ):
        setattr(request, timer, None)
    if note:
        add_note(repos, request, by.id if by else None, note_kind, note, now)
    repos.queue.add_event(request.id, HandoffEventKind.REQUEUED, now, previous.id if previous else None, detail)
    state = flow_state(repos.uow, turn, request.person_id, now)
    if state.flow == RELAY_FLOW:
        restore(state)
    name = previous.name if previous else _("The counsellor")
    msg.send(
        request.person_id,
        _(
            "{name} cannot continue right now. You are back at the front of the queue and the next counsellor "
            "will continue with you. Meanwhile you can keep asking me, or call the national hotline {hotline}."
        ).format(name=name, hotline=HOTLINE_NUMBER),
    )
    notify_waiting(repos, msg, request, now, exclude=previous.id if previous else None)
    log.info("handoff requeued", extra={"request": request.id, "detail": detail})


def transfer(
    h: Handoff,
    repos: Repos,
    msg: Messenger,
    request: HandoffRequest,
    source: Counsellor,
    target: Counsellor,
    note: str,
    now: datetime,
) -> None:
    """Hand the conversation to a named counsellor (their row locked by the caller), with a handover note."""
    request.counsellor_id = target.id
    request.updated_at = now
    request.person_waiting_since = now
    request.reminded_at = None
    target.current_request_id = request.id
    if note:
        add_note(repos, request, source.id, NoteKind.HANDOVER, note, now)
    repos.queue.add_event(request.id, HandoffEventKind.TRANSFERRED, now, target.id, f"from:{source.id}")
    msg.send(
        request.person_id,
        _("{old} has passed the conversation to {new}, who will continue with you.").format(
            old=source.name, new=target.name
        ),
    )
    msg.send(
        target.person_id,
        _("{old} has transferred #{ref} to you.").format(old=source.name, ref=request.id)
        + "\n"
        + context_card(h, repos, request, target, now),
    )
    msg.send(source.person_id, _("#{ref} is now with {name}.").format(ref=request.id, name=target.name))


def closed_summary(request: HandoffRequest) -> str:
    return _("Closed #{ref} ({outcome}).").format(ref=request.id, outcome=outcome_label(request.outcome))
