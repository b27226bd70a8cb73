"""The counsellor ends or hands on a conversation: /close with an outcome, /transfer with a handover note."""

from __future__ import annotations

from services.dialogue.turn import Turn
from services.handoff.assign import lock_conversation
from services.handoff.conversation import close, closed_summary, requeue, transfer
from services.handoff.core import DESK_FLOW, Handoff, Repos
from services.handoff.desk_common import resolve_target, split_ref
from services.handoff.duty import CLOSE, TRANSFER, accept_next_button
from services.handoff.notify import queue_summary
from services.handoff.texts import OUTCOMES, outcome_label, parse_outcome
from services.i18n import _
from services.nlu.text import fold
from services.types import Button
from storage.handoff_models import Counsellor, HandoffEventKind, NoteKind
from storage.models import HandoffRequest, HandoffStatus

NO_NOTE = "desk:nonote"
QUEUE = "queue"
_QUEUE_WORDS = ("queue", "hang cho", "hangcho")
MAX_NOTE = 1000


def outcome_buttons(request_id: int) -> tuple[Button, ...]:
    return tuple(Button(outcome_label(code), f"{CLOSE}:{request_id}:{code}") for code in OUTCOMES)


class Handover:
    def __init__(self, h: Handoff) -> None:
        self._h = h

    def button(
        self, turn: Turn, repos: Repos, counsellor: Counsellor, action: str, ref: int | None, rest: str | None
    ) -> bool:
        """Handle a close/transfer button; False when the payload is not one of them."""
        if action == CLOSE and ref is not None:
            if rest in OUTCOMES:
                self.close(turn, repos, counsellor, ref, rest)
            else:
                self._ask_outcome(turn, ref)
            return True
        if action == TRANSFER and ref is not None:
            if rest == QUEUE:
                self._ask_note(turn, ref, QUEUE)
            elif rest is not None and rest.isdigit():
                self._ask_note(turn, ref, int(rest))
            else:
                self._ask_destination(turn, repos, counsellor, ref)
            return True
        if action == NO_NOTE:
            self.note_typed(turn, repos, counsellor, "")
            return True
        return False

    # --- close ----------------------------------------------------------------------------------
    def close_command(self, turn: Turn, repos: Repos, counsellor: Counsellor, args: str) -> None:
        ref, rest = split_ref(args)
        ended = self._ended_without_outcome(repos, counsellor, ref)
        request = ended or resolve_target(turn, repos, counsellor, ref)
        if request is None:
            return
        outcome = parse_outcome(rest) if rest else None
        if outcome is None:
            if rest:
                turn.say(_("I do not know the outcome “{typed}”.").format(typed=rest))
            self._ask_outcome(turn, request.id)
            return
        self.close(turn, repos, counsellor, request.id, outcome)

    def _ended_without_outcome(self, repos: Repos, counsellor: Counsellor, ref: int | None) -> HandoffRequest | None:
        request = repos.queue.get(ref) if ref is not None else None
        if request is None or request.counsellor_id != counsellor.id:
            return None
        return request if request.status == HandoffStatus.CLOSED and request.outcome is None else None

    def _ask_outcome(self, turn: Turn, request_id: int) -> None:
        turn.say(_("How did #{ref} end? Choose the outcome:").format(ref=request_id), outcome_buttons(request_id))

    def close(self, turn: Turn, repos: Repos, counsellor: Counsellor, request_id: int, outcome: str) -> None:
        request = lock_conversation(repos, request_id)
        if request is None or request.counsellor_id != counsellor.id:
            turn.say(_("#{ref} is not one of your conversations.").format(ref=request_id))
            return
        if request.status == HandoffStatus.CLOSED:
            if request.outcome is None:
                request.outcome = outcome
                request.updated_at = turn.now
                turn.say(_("Outcome saved: {summary}").format(summary=closed_summary(request)))
            else:
                turn.say(_("#{ref} is already closed.").format(ref=request.id))
            return
        if request.status != HandoffStatus.ACTIVE:
            turn.say(_("#{ref} is not one of your open conversations; /chats lists them.").format(ref=request.id))
            return
        close(self._h, repos, turn, turn, request, turn.now, outcome=outcome, ended_by="counsellor")
        self._after(turn, repos, counsellor, closed_summary(request))

    def _after(self, turn: Turn, repos: Repos, counsellor: Counsellor, head: str, *, offer: bool = True) -> None:
        left = repos.counsellors.open_requests(counsellor.id)
        if counsellor.current_request_id not in {r.id for r in left}:
            counsellor.current_request_id = left[0].id if len(left) == 1 else None
        mine = _("Your open conversations: {count}.").format(count=len(left))
        room = offer and counsellor.on_duty and len(left) < counsellor.capacity and repos.queue.waiting_count() > 0
        tail = queue_summary(repos) if counsellor.on_duty else _("Thank you for your shift.")
        turn.say(head + " " + mine + " " + tail, (accept_next_button(),) if room else ())

    # --- transfer -------------------------------------------------------------------------------
    def transfer_command(self, turn: Turn, repos: Repos, counsellor: Counsellor, args: str) -> None:
        ref, rest = split_ref(args)
        request = resolve_target(turn, repos, counsellor, ref)
        if request is None:
            return
        if not rest:
            self._ask_destination(turn, repos, counsellor, request.id)
            return
        destination, note = self._destination(repos, counsellor, rest)
        if destination is None:
            turn.say(_("I do not know a counsellor called “{typed}”.").format(typed=rest.split()[0]))
            self._ask_destination(turn, repos, counsellor, request.id)
            return
        if not note:
            self._ask_note(turn, request.id, destination)
            return
        self._transfer(turn, repos, counsellor, request.id, destination, note)

    def _destination(self, repos: Repos, counsellor: Counsellor, typed: str) -> tuple[int | str | None, str]:
        """`queue note…` or `NAME note…` → (QUEUE or a counsellor id, note); the longest matching name wins."""
        folded = fold(typed)
        for word in _QUEUE_WORDS:
            if folded == word or folded.startswith(word + " "):
                return QUEUE, typed[len(word) :].strip(" :,-")
        best: tuple[int, Counsellor] | None = None
        for other in repos.counsellors.all(active_only=True):
            name = fold(other.name)
            if other.id == counsellor.id or not name:
                continue
            if (folded == name or folded.startswith(name + " ")) and (best is None or len(name) > best[0]):
                best = (len(name), other)
        if best is None:
            return None, ""
        return best[1].id, typed[best[0] :].strip(" :,-")

    def _ask_destination(self, turn: Turn, repos: Repos, counsellor: Counsellor, request_id: int) -> None:
        counts = repos.counsellors.open_counts()
        buttons = [Button(_("Back to the queue"), f"{TRANSFER}:{request_id}:{QUEUE}")]
        for other in repos.counsellors.on_duty():
            if other.id != counsellor.id and counts.get(other.id, 0) < other.capacity:
                buttons.append(Button(other.name, f"{TRANSFER}:{request_id}:{other.id}"))
        turn.say(
            _("Transfer #{ref} to whom? Or type: /transfer NAME note, or /transfer queue note.").format(ref=request_id),
            tuple(buttons),
        )

    def _ask_note(self, turn: Turn, request_id: int, destination: int | str) -> None:
        turn.enter(DESK_FLOW, "handover", {"request": request_id, "to": destination})
        turn.say(
            _(
                "Write a short handover note for the next counsellor (it is not sent to the person), "
                "or press “No note”."
            ),
            (Button(_("No note"), NO_NOTE),),
        )

    def note_typed(self, turn: Turn, repos: Repos, counsellor: Counsellor, note: str) -> None:
        """The handover note asked for (empty: none); then the transfer happens."""
        if turn.state.flow != DESK_FLOW or turn.state.step != "handover":
            turn.say(_("There is no transfer waiting for a note."))
            return
        request_id = int(turn.data.get("request", 0))
        destination = turn.data.get("to")
        turn.leave_flow()
        if destination is None:
            return
        self._transfer(turn, repos, counsellor, request_id, destination, note[:MAX_NOTE])

    def _transfer(
        self, turn: Turn, repos: Repos, counsellor: Counsellor, request_id: int, destination: int | str, note: str
    ) -> None:
        request = lock_conversation(repos, request_id)
        if request is None or request.status != HandoffStatus.ACTIVE or request.counsellor_id != counsellor.id:
            turn.say(_("#{ref} is not one of your open conversations; /chats lists them.").format(ref=request_id))
            return
        if destination == QUEUE:
            repos.queue.add_event(request.id, HandoffEventKind.TRANSFERRED, turn.now, counsellor.id, "to:queue")
            requeue(
                self._h,
                repos,
                turn,
                turn,
                request,
                turn.now,
                note=note,
                note_kind=NoteKind.HANDOVER,
                by=counsellor,
                detail="transfer",
            )
            back = _("#{ref} is back at the front of the queue.").format(ref=request.id)
            self._after(turn, repos, counsellor, back, offer=False)
            return
        target = repos.counsellors.lock_if_free(int(destination))
        if target is None:
            turn.say(_("That counsellor is busy at this moment; try again shortly."))
            return
        refusal = self._refusal(repos, target)
        if refusal:
            turn.say(refusal)
            self._ask_destination(turn, repos, counsellor, request.id)
            return
        transfer(self._h, repos, turn, request, counsellor, target, note, turn.now)
        left = repos.counsellors.open_requests(counsellor.id)
        if counsellor.current_request_id == request.id:
            counsellor.current_request_id = left[0].id if len(left) == 1 else None

    def _refusal(self, repos: Repos, target: Counsellor) -> str | None:
        if not target.active or not target.on_duty:
            return _("{name} is not on duty.").format(name=target.name)
        if len(repos.counsellors.open_requests(target.id)) >= target.capacity:
            return _("{name} already has as many conversations as they can take.").format(name=target.name)
        return None
