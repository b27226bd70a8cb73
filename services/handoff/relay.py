"""The person's side of a conversation with a counsellor: their words go through verbatim and the bot is silent.

Only a crisis changes that: the counsellor is alerted at once, and the person gets the emergency steps from the
bot only when the counsellor has not written within a minute (a tick does that). After the counsellor closes,
the same flow asks the satisfaction question (1–5, then an optional comment) and hands the person back to the bot.
"""

from __future__ import annotations

import re

from services.crisis.detector import CrisisSignal
from services.dialogue.turn import Turn
from services.handoff.conversation import CSAT, SKIP, close, relay_from_person, restore
from services.handoff.core import RELAY_FLOW, Handoff, Repos, TurnFlowState
from services.handoff.desk_handover import outcome_buttons
from services.handoff.queue import Priority
from services.handoff.texts import crisis_kind_label, media_label
from services.i18n import _
from services.media import copy_for
from services.types import Button, MessageKind
from storage.handoff_models import HandoffEventKind
from storage.models import HandoffRequest, HandoffStatus

END = "handoff:end"
STAY = "handoff:stay"
NO_COMMENT = "handoff:nocomment"
MAX_COMMENT = 1000
_SCORE = re.compile(r"^\s*([1-5])(?!\d)")
_SKIP_WORDS = ("bo qua", "skip", "khong", "thoi")


class RelayFlow:
    name = RELAY_FLOW
    accepts_media = True

    def __init__(self, h: Handoff) -> None:
        self._h = h

    def accepts_payload(self, payload: str) -> bool:
        return payload in (END, STAY, NO_COMMENT) or payload.startswith(CSAT + ":")

    def handle(self, turn: Turn) -> None:
        payload = turn.payload or ""
        if payload.startswith(CSAT + ":"):
            self.csat_button(turn, payload)
        elif payload == NO_COMMENT:
            self._finish(turn, _("Thank you for your answer."))
        elif turn.state.step == "csat":
            self._csat_typed(turn)
        elif turn.state.step == "comment":
            self._comment(turn)
        else:
            self._talk(turn)

    # --- talking --------------------------------------------------------------------------------
    def _active(self, turn: Turn, repos: Repos) -> HandoffRequest | None:
        request_id = turn.data.get("request")
        request = repos.queue.get(int(request_id)) if request_id else None
        if request is None or request.status != HandoffStatus.ACTIVE or request.counsellor_id is None:
            return None
        return repos.queue.lock(request.id)

    def _talk(self, turn: Turn) -> None:
        repos = Repos(turn.uow)
        request = self._active(turn, repos)
        if request is None or request.counsellor_id is None:  # it ended meanwhile: the bot answers again
            restore(TurnFlowState(turn))
            self._h.router.route(turn)
            return
        counsellor = repos.counsellors.get(request.counsellor_id)
        confirming = turn.state.step == "confirm_end"
        intent = turn.parse.intent.name if confirming and turn.text else None
        if turn.payload == END or intent == "affirm":
            self._end(turn, repos, request)
            return
        turn.state.step = "talk"
        if turn.payload == STAY or intent == "deny":
            turn.say(_("All right: what you write still goes to {name}.").format(name=counsellor.name))
            return
        if turn.kind not in (MessageKind.TEXT, MessageKind.BUTTON):
            what = media_label(turn.kind.value)
            copied = copy_for(turn, counsellor.channel, self._h.extensions)
            if copied is not None:
                relay_from_person(turn, request, counsellor, _("(sent {what})").format(what=what), turn.now)
                turn.send(counsellor.person_id, what, copy_of=copied, about_person_id=turn.person.id)
                return
            turn.send(
                counsellor.person_id,
                _("#{ref} sent {what}, which cannot be shown in this chat.").format(ref=request.id, what=what),
            )
            turn.say(
                _("I could not pass on {what}: this chat carries text only. Please write it in words.").format(
                    what=what
                )
            )
            return
        if turn.text:
            relay_from_person(turn, request, counsellor, turn.text, turn.now)

    def remind(self, turn: Turn) -> None:
        """`/help` or `/start` during a conversation: where their words go, and how to end it."""
        request = self._active(turn, Repos(turn.uow))
        if request is None or request.counsellor_id is None:
            restore(TurnFlowState(turn))
            self._h.router.route(turn)
            return
        name = Repos(turn.uow).counsellors.get(request.counsellor_id).name
        turn.say(
            _("You are talking with {name}: what you write here goes to {name}. Type /cancel to end it.").format(
                name=name
            )
        )

    def ask_end(self, turn: Turn) -> None:
        """`/cancel` during a conversation: end it? (a typed yes/no works too)."""
        repos = Repos(turn.uow)
        request = self._active(turn, repos)
        name = repos.counsellors.get(request.counsellor_id).name if request and request.counsellor_id else ""
        turn.state.step = "confirm_end"
        turn.say(
            _("Do you want to end the conversation with {name}?").format(name=name or _("the counsellor")),
            (Button(_("Yes, end it"), END), Button(_("No, continue"), STAY)),
        )

    def _end(self, turn: Turn, repos: Repos, request: HandoffRequest) -> None:
        counsellor_id = request.counsellor_id
        close(self._h, repos, turn, turn, request, turn.now, outcome=None, ended_by="person")
        if counsellor_id is not None:
            turn.send(
                repos.counsellors.get(counsellor_id).person_id,
                _("#{ref} ended the conversation. Choose the outcome:").format(ref=request.id),
                outcome_buttons(request.id),
            )

    def handle_crisis(self, turn: Turn, signal: CrisisSignal) -> bool:
        """Alert the counsellor first; the bot stays silent unless the counsellor does not write in time."""
        if turn.state.step not in ("talk", "confirm_end"):
            return False
        repos = Repos(turn.uow)
        request = self._active(turn, repos)
        if request is None or request.counsellor_id is None:
            return False
        counsellor = repos.counsellors.get(request.counsellor_id)
        self._h.router.crisis.record(turn, signal)
        turn.state.step = "talk"
        relay_from_person(turn, request, counsellor, turn.text, turn.now)
        request.crisis = True
        request.priority = max(request.priority, int(Priority.CRISIS))
        if request.crisis_pending_at is None:
            request.crisis_pending_kind = signal.kind.value
            request.crisis_pending_at = turn.now
        repos.queue.add_event(request.id, HandoffEventKind.CRISIS, turn.now, counsellor.id, signal.kind.value)
        turn.send(
            counsellor.person_id,
            _(
                "⚠️ #{ref}: signs of a crisis ({kind}). Please answer now. If you do not write to them within "
                "{seconds} seconds, the bot will send them the emergency steps."
            ).format(
                ref=request.id,
                kind=crisis_kind_label(signal.kind.value),
                seconds=self._h.settings.crisis_reply_within_s,
            ),
        )
        return True

    # --- satisfaction ---------------------------------------------------------------------------
    def csat_button(self, turn: Turn, payload: str) -> None:
        parts = payload.split(":")
        if len(parts) != 4 or not parts[2].isdigit():
            self._h.router.show_main_menu(turn, _("That button belongs to an old menu. Here is the current one:"))
            return
        self._rate(turn, int(parts[2]), parts[3])

    def _csat_typed(self, turn: Turn) -> None:
        request_id = int(turn.data.get("request", 0))
        match = _SCORE.match(turn.text)
        if match:
            self._rate(turn, request_id, match.group(1))
        elif turn.text and (turn.text.lower().strip(" .!") in _SKIP_WORDS or turn.parse.intent.name == "deny"):
            self._rate(turn, request_id, SKIP)
        else:  # they moved on: the bot answers what they wrote
            restore(TurnFlowState(turn))
            self._h.router.route(turn)

    def _rate(self, turn: Turn, request_id: int, value: str) -> None:
        repos = Repos(turn.uow)
        request = repos.queue.get(request_id)
        if request is None or request.person_id != turn.person.id or request.status != HandoffStatus.CLOSED:
            self._h.router.show_main_menu(turn, _("That button belongs to an old menu. Here is the current one:"))
            return
        if value == SKIP or not value.isdigit():
            self._finish(turn, _("All right. Thank you for talking with us."))
            return
        if request.csat is not None:
            self._finish(turn, _("You have already rated this conversation. Thank you!"))
            return
        request.csat = int(value)
        repos.queue.add_event(request.id, HandoffEventKind.CSAT, turn.now, request.counsellor_id, value)
        if turn.state.flow not in (None, RELAY_FLOW):
            turn.say(_("Thank you for your rating!"))
            return
        stash = turn.data.get("stash") if turn.state.flow == RELAY_FLOW else None
        turn.enter(RELAY_FLOW, "comment", {"request": request.id, "stash": stash})
        turn.say(
            _("Thank you! If you like, write a short comment for us; or press “Skip”."),
            (Button(_("Skip"), NO_COMMENT),),
        )

    def _comment(self, turn: Turn) -> None:
        text = turn.text.strip()
        if turn.kind is MessageKind.TEXT and text and not text.startswith("/"):
            request = Repos(turn.uow).queue.get(int(turn.data.get("request", 0)))
            if request is not None and request.person_id == turn.person.id:
                request.csat_comment = text[:MAX_COMMENT]
            self._finish(turn, _("Thank you for your comment."))
            return
        self._finish(turn, _("Thank you for your answer."))

    def _finish(self, turn: Turn, text: str) -> None:
        restored = restore(TurnFlowState(turn)) if turn.state.flow == RELAY_FLOW else False
        if restored:
            turn.say(
                text + " " + _("We can go back to what we were doing before: continue, or type /cancel to stop it.")
            )
        else:
            self._h.router.show_main_menu(turn, text + " " + _("How else can I help you?"))
