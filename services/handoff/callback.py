"""Leaving a number to be called back (with its own consent); it stays on the request in the queue."""

from __future__ import annotations

from datetime import datetime

from services.dialogue.turn import Turn
from services.handoff.core import CALLBACK_FLOW, Handoff, Repos
from services.handoff.queue import Priority, enqueue
from services.handoff.roster import next_start
from services.handoff.texts import local_time, mask, normalise_phone
from services.i18n import _
from services.types import Button
from storage.handoff_models import HandoffEventKind
from storage.models import HandoffStatus

CALLBACK = "handoff:callback"
YES = "handoff:cb_yes"
NO = "handoff:cb_no"


def next_shift(repos: Repos, now: datetime) -> datetime | None:
    """When the next rostered shift of an active counsellor starts."""
    active = {c.id for c in repos.counsellors.all(active_only=True)}
    return next_start([s for s in repos.counsellors.shifts() if s.counsellor_id in active], now)


def callback_button() -> Button:
    return Button(_("Leave a number to be called back"), CALLBACK)


class CallbackFlow:
    name = CALLBACK_FLOW

    def __init__(self, h: Handoff) -> None:
        self._h = h

    def accepts_payload(self, payload: str) -> bool:
        return payload in (YES, NO)

    def start(self, turn: Turn) -> None:
        reason = _("To take your phone number I first need your agreement to store this conversation.")
        if not self._h.router.require_consent(turn, reason):
            return
        repos = Repos(turn.uow)
        if repos.queue.active_for_person(turn.person.id) is not None:
            turn.say(_("You are already talking with a counsellor; just write your message here."))
            return
        request = turn.uow.handoffs.open_for(turn.person.id)
        if request is not None and request.callback_phone:
            turn.enter(self.name, "phone")
            turn.say(
                _(
                    "We already have your number ending in {digits}: a counsellor will call you. "
                    "To change it, type the new number; to keep it, type /cancel."
                ).format(digits=mask(request.callback_phone))
            )
            return
        turn.enter(self.name, "consent")
        turn.say(
            _(
                "To call you back, the counsellor will see the phone number you give. We keep it encrypted, only for "
                "this call, and delete it if you ask with /delete. Do you agree?"
            ),
            (Button(_("Yes, call me back"), YES), Button(_("No, thank you"), NO)),
        )

    def handle(self, turn: Turn) -> None:
        if turn.state.step == "consent":
            self._consent(turn)
        else:
            self._phone(turn)

    def _consent(self, turn: Turn) -> None:
        choice = turn.payload
        if choice is None and turn.text:
            choice = {"affirm": YES, "deny": NO}.get(turn.parse.intent.name)
        if choice == YES:
            turn.enter(self.name, "phone")
            turn.say(_("Please type the phone number we should call, for example 0912 345 678."))
        elif choice == NO:
            turn.leave_flow()
            self._h.router.show_main_menu(
                turn, _("All right, no number is stored. Your request stays in the queue if you made one.")
            )
        else:
            turn.say(
                _("Please choose whether we may store a number to call you back."),
                (Button(_("Yes, call me back"), YES), Button(_("No, thank you"), NO)),
            )

    def _phone(self, turn: Turn) -> None:
        phone = normalise_phone(turn.text) if turn.text else None
        if phone is None:
            turn.say(
                _(
                    "I could not read a Vietnamese phone number there. Please type it like 0912 345 678, "
                    "or type /cancel to stop."
                )
            )
            return
        repos = Repos(turn.uow)
        request = turn.uow.handoffs.open_for(turn.person.id) or enqueue(turn, "callback", Priority.REQUEST)
        turn.leave_flow()
        if request.status == HandoffStatus.ACTIVE:
            turn.say(_("You are already talking with a counsellor; just write your message here."))
            return
        request.callback_phone = phone
        request.callback_at = turn.now
        request.updated_at = turn.now
        repos.queue.add_event(request.id, HandoffEventKind.CALLBACK, turn.now)
        digits = mask(phone)
        if repos.counsellors.on_duty():
            text = _(
                "Thank you. A counsellor will call you at the number ending in {digits} as soon as they can."
            ).format(digits=digits)
        elif (starts := next_shift(repos, turn.now)) is not None:
            text = _(
                "Thank you. A counsellor will call you at the number ending in {digits} after the next shift "
                "starts ({time})."
            ).format(digits=digits, time=local_time(starts))
        else:
            text = _(
                "Thank you. A counsellor will call you at the number ending in {digits} when one is on duty again."
            ).format(digits=digits)
        self._h.router.show_main_menu(turn, text)
