"""The person's way into the queue: asking, where they stand, cancelling, and honesty when nobody is on duty."""

from __future__ import annotations

from datetime import timedelta

from services.dialogue.menus import HOTLINE_NUMBER, main_menu_buttons
from services.dialogue.turn import Turn
from services.handoff.callback import CALLBACK, CallbackFlow, callback_button, next_shift
from services.handoff.conversation import CSAT
from services.handoff.core import RELAY_FLOW, Handoff, Repos
from services.handoff.estimate import standing
from services.handoff.queue import HANDOFF_CANCEL, Priority, enqueue
from services.handoff.relay import NO_COMMENT, RelayFlow
from services.handoff.texts import local_time
from services.i18n import _
from services.nlu.base import OUT_OF_SCOPE
from services.types import Button
from storage.handoff_models import HandoffEventKind
from storage.models import HandoffRequest, HandoffStatus

OFFER_WINDOW = timedelta(minutes=30)
MISSES_BEFORE_OFFER = 2  # the router offers a counsellor after this many misses in a row


def cancel_button() -> Button:
    return Button(_("Cancel the request"), HANDOFF_CANCEL)


class PersonSide:
    def __init__(self, h: Handoff, relay: RelayFlow, callback: CallbackFlow) -> None:
        self._h = h
        self._relay = relay
        self._callback = callback

    # --- asking ---------------------------------------------------------------------------------
    def counsellor_command(self, turn: Turn, reason: str = "request") -> None:
        """`/counsellor`, the menu button, the request_counsellor intent."""
        why = _("To connect you with a counsellor I first need your agreement to store this conversation.")
        if self._h.router.require_consent(turn, why):
            self.request(turn, reason)

    def request(self, turn: Turn, reason: str) -> None:
        repos = Repos(turn.uow)
        active = repos.queue.active_for_person(turn.person.id)
        if active is not None and active.counsellor_id is not None:
            name = repos.counsellors.get(active.counsellor_id).name
            turn.say(_("You are already talking with {name}; just write your message here.").format(name=name))
            return
        request = enqueue(turn, reason, Priority.REQUEST)
        self.tell_standing(turn, repos, request)

    def tell_standing(self, turn: Turn, repos: Repos, request: HandoffRequest) -> None:
        """Position and estimate, or the honest out-of-hours answer; always what else the person can do."""
        now = turn.now
        where = standing(repos, request, now, self._h.settings.default_handle_minutes)
        buttons = (cancel_button(),) if request.callback_phone else (callback_button(), cancel_button())
        request.told_position = where.position
        request.told_position_at = now
        if where.minutes is None:
            starts = next_shift(repos, now)
            if starts is not None:
                head = _("Right now no counsellor is on duty; the next shift starts at {time}.").format(
                    time=local_time(starts)
                )
            else:
                head = _("Right now no counsellor is on duty.")
            turn.say(
                head
                + " "
                + _(
                    "Your request is kept: you are number {position} in the queue and a counsellor will see it when "
                    "they start. If it is urgent, call now: the national hotline {hotline} (24/7), 115 for an "
                    "ambulance, 113 for the police. You can also leave a phone number to be called back."
                ).format(position=where.position, hotline=HOTLINE_NUMBER),
                buttons,
            )
            return
        turn.say(
            _(
                "I have told the counsellors on duty. You are number {position} in the queue; the wait is about "
                "{minutes} minutes. While you wait you can keep asking me questions. If it is urgent, call the "
                "national hotline {hotline} (24/7) or 115 for an emergency."
            ).format(position=where.position, minutes=where.minutes, hotline=HOTLINE_NUMBER),
            buttons,
        )

    # --- cancelling -----------------------------------------------------------------------------
    def cancel(self, turn: Turn) -> None:
        request = turn.uow.handoffs.open_for(turn.person.id)
        if request is None or request.status != HandoffStatus.WAITING:
            turn.say(_("You have no waiting request for a counsellor."))
            return
        request.status = HandoffStatus.CANCELLED
        request.updated_at = turn.now
        request.closed_at = turn.now
        Repos(turn.uow).queue.add_event(request.id, HandoffEventKind.CANCELLED, turn.now)
        turn.say(
            _("Your request for a counsellor is cancelled. You can ask again at any time with /counsellor."),
            main_menu_buttons() if turn.has_consent else (),
        )

    def cancel_intent(self, turn: Turn) -> None:
        """A typed “cancel” outside any form: the waiting request, if there is one."""
        if self._waiting(turn) is not None:
            self.cancel(turn)
            return
        turn.say(_("There is nothing in progress to cancel."), main_menu_buttons() if turn.has_consent else ())

    def affirm_intent(self, turn: Turn) -> None:
        """“Yes” right after the bot offered a counsellor (it did not understand twice): queue the person."""
        if self._just_offered(turn):
            self.counsellor_command(turn, "misunderstood")
            return
        self._h.router.show_main_menu(turn)

    def _just_offered(self, turn: Turn) -> bool:
        events = Repos(turn.uow).queue.turn_events(turn.person.id, turn.now - OFFER_WINDOW, limit=MISSES_BEFORE_OFFER)
        threshold = self._h.nlu_threshold * 1000
        return len(events) == MISSES_BEFORE_OFFER and all(
            e.intent == OUT_OF_SCOPE or e.confidence < threshold for e in events
        )

    def _waiting(self, turn: Turn) -> HandoffRequest | None:
        request = turn.uow.handoffs.open_for(turn.person.id)
        return request if request is not None and request.status == HandoffStatus.WAITING else None

    # --- buttons and the interceptor ------------------------------------------------------------
    def button(self, turn: Turn) -> None:
        payload = turn.payload or ""
        if payload == HANDOFF_CANCEL:
            self.cancel(turn)
        elif payload == CALLBACK:
            self._callback.start(turn)
        elif payload.startswith(CSAT + ":"):
            self._relay.csat_button(turn, payload)
        elif payload == NO_COMMENT:
            self._h.router.show_main_menu(turn, _("Thank you for your answer.") + " " + _("How else can I help you?"))
        else:
            self._h.router.show_main_menu(turn, _("That button belongs to an old menu. Here is the current one:"))

    def intercept(self, turn: Turn) -> bool:
        """Before the router: `/cancel` in a conversation or in the queue; back into a conversation still open."""
        word = _command_word(turn.text)
        in_relay = turn.state.flow == RELAY_FLOW and turn.state.step in ("talk", "confirm_end")
        if word in ("help", "start") and in_relay:
            self._relay.remind(turn)
            return True
        if word == "cancel":
            if in_relay:
                self._relay.ask_end(turn)
                return True
            if turn.state.flow is None and self._waiting(turn) is not None:
                self.cancel(turn)
                return True
        if turn.state.flow is None:
            active = Repos(turn.uow).queue.active_for_person(turn.person.id)
            if active is not None:  # e.g. after /delete was declined mid-conversation
                turn.enter(RELAY_FLOW, "talk", {"request": active.id, "stash": None})
        return False


def _command_word(text: str) -> str | None:
    if not text.startswith("/") or len(text) < 2:
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()
