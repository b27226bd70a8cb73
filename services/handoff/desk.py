"""The counsellor's side of the chat: duty, taking people, writing to them, notes, after-care.

Every message from a counsellor account comes here (the router's interceptor), before the crisis check:
a counsellor's words are relayed, never read as a crisis or a question to the bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.dialogue.turn import Turn
from services.handoff.assign import ClaimResult, claim, lock_conversation
from services.handoff.conversation import add_note, relay_from_counsellor, start
from services.handoff.core import AFTERCARE_ENROL, DESK_COMMAND_HELP, DESK_COMMANDS, DESK_FLOW, Handoff, Repos
from services.handoff.desk_common import SWITCH, resolve_target, split_ref, switch_buttons
from services.handoff.desk_handover import Handover
from services.handoff.duty import go_off_duty, go_on_duty, hand_on_buttons
from services.handoff.notify import ACCEPT, accept_button, queue_summary
from services.handoff.texts import duration_text, media_label, priority_label
from services.i18n import _
from services.media import copy_for
from services.types import MessageKind
from storage.handoff_models import Counsellor, HandoffEventKind, NoteKind
from storage.models import HandoffRequest, HandoffStatus

MAX_NAME = 40


def help_text(extensions: Mapping[str, Any]) -> str:
    text = _(
        "Counsellor commands: /on and /off (duty) · /accept (take the first person in the queue) · "
        "/chats (your open conversations) · /note TEXT (private note) · /transfer [NAME or “queue”] [note] · "
        "/close [outcome] · /enrol (offer after-care). Anything else you type goes to the person you are talking with."
    )
    more = [f"/{word} ({describe()})" for word, describe in extensions.get(DESK_COMMAND_HELP, {}).items()]
    return text + ("\n" + _("Also:") + " " + " · ".join(more) if more else "")


class Desk:
    def __init__(self, h: Handoff) -> None:
        self._h = h
        self._handover = Handover(h)

    def handle(self, turn: Turn, counsellor: Counsellor) -> None:
        repos = Repos(turn.uow)
        if not counsellor.name:
            self._ask_name(turn, counsellor)
        elif turn.kind not in (MessageKind.TEXT, MessageKind.BUTTON):
            self._media(turn, repos, counsellor)
        elif turn.payload is not None:
            self._button(turn, repos, counsellor, turn.payload)
        elif not turn.text:
            turn.say(help_text(self._h.extensions))
        elif turn.text.startswith("/"):
            self._command(turn, repos, counsellor)
        elif turn.state.flow == DESK_FLOW and turn.state.step == "handover":
            self._handover.note_typed(turn, repos, counsellor, turn.text)
        else:
            self._write(turn, repos, counsellor, turn.text)

    # --- account --------------------------------------------------------------------------------
    def _ask_name(self, turn: Turn, counsellor: Counsellor) -> None:
        typed = turn.text.strip()
        if turn.kind is MessageKind.TEXT and typed and not typed.startswith("/") and len(typed) <= MAX_NAME:
            counsellor.name = typed
            turn.say(
                _("Thank you: people will see you as “{name}”. Type /on when you start your shift.").format(name=typed)
            )
            return
        turn.say(
            _(
                "Before you start: what first name or pseudonym should people see? "
                "Type it here (at most {n} characters)."
            ).format(n=MAX_NAME)
        )

    # --- commands -------------------------------------------------------------------------------
    def _command(self, turn: Turn, repos: Repos, counsellor: Counsellor) -> None:
        head, _sep, args = turn.text[1:].partition(" ")
        word = head.split("@", 1)[0].lower()
        args = args.strip()
        if word == "on":
            go_on_duty(repos, turn, counsellor, turn.now)
        elif word == "off":
            go_off_duty(repos, turn, counsellor, turn.now)
        elif word == "accept":
            ref, _rest = split_ref(args)
            self.accept(turn, repos, counsellor, ref)
        elif word == "chats":
            self._chats(turn, repos, counsellor)
        elif word == "note":
            self._note(turn, repos, counsellor, args)
        elif word == "close":
            self._handover.close_command(turn, repos, counsellor, args)
        elif word == "transfer":
            self._handover.transfer_command(turn, repos, counsellor, args)
        elif word == "skip" and turn.state.flow == DESK_FLOW:
            self._handover.note_typed(turn, repos, counsellor, "")
        elif word == "enrol":
            self._enrol(turn, repos, counsellor, args)
        elif word == "cancel" and turn.state.flow == DESK_FLOW:
            turn.leave_flow()
            turn.say(_("Cancelled."))
        elif word in self._h.extensions.get(DESK_COMMANDS, {}):
            self._feature_command(turn, repos, counsellor, word, args)
        else:
            duty = _("You are on duty.") if counsellor.on_duty else _("You are off duty.")
            turn.say(help_text(self._h.extensions) + "\n" + duty + " " + queue_summary(repos))

    def _button(self, turn: Turn, repos: Repos, counsellor: Counsellor, payload: str) -> None:
        parts = payload.split(":")
        action = ":".join(parts[:2])
        ref = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        rest = parts[3] if len(parts) > 3 else None
        if action == ACCEPT:
            self.accept(turn, repos, counsellor, ref)
        elif action == SWITCH and ref is not None:
            self._switch(turn, repos, counsellor, ref)
        elif not self._handover.button(turn, repos, counsellor, action, ref, rest):
            turn.say(_("That button is out of date.") + " " + help_text(self._h.extensions))

    # --- taking a person ------------------------------------------------------------------------
    def accept(self, turn: Turn, repos: Repos, counsellor: Counsellor, request_id: int | None) -> None:
        counsellor = repos.counsellors.lock(counsellor.id)
        if not counsellor.on_duty:
            counsellor.on_duty = True
            counsellor.duty_changed_at = turn.now
            turn.say(_("You are on duty now."))
        open_requests = repos.counsellors.open_requests(counsellor.id)
        if len(open_requests) >= counsellor.capacity:
            turn.say(
                _(
                    "You already have {count} open conversations, your limit. "
                    "Close or transfer one first; the queue waits for the next counsellor."
                ).format(count=len(open_requests)),
                hand_on_buttons(open_requests),
            )
            return
        result = claim(repos, request_id)
        if result.result is ClaimResult.OK and result.request is not None:
            start(self._h, repos, turn, turn, result.request, counsellor, turn.now)
        elif result.result is ClaimResult.EMPTY:
            turn.say(_("Nobody is waiting right now. You will be told when someone is."))
        elif result.result is ClaimResult.BUSY:
            turn.say(
                _("The people waiting are being taken by other counsellors at this moment. Try /accept again shortly.")
            )
        else:
            self._taken(turn, repos, request_id)

    def _taken(self, turn: Turn, repos: Repos, request_id: int | None) -> None:
        seen = repos.queue.get(request_id) if request_id is not None else None
        if seen is not None and seen.status == HandoffStatus.CANCELLED:
            told = _("#{ref} cancelled their request.").format(ref=seen.id)
        elif seen is not None and seen.counsellor_id is not None:
            other = repos.counsellors.get(seen.counsellor_id)
            told = _("#{ref} has already been taken by {name}.").format(ref=seen.id, name=other.name)
        else:
            told = _("#{ref} is no longer waiting.").format(ref=request_id)
        waiting = repos.queue.waiting()
        if not waiting:
            turn.say(told + " " + _("Nobody else is waiting."))
            return
        first = waiting[0]
        turn.say(
            told
            + " "
            + _("Next in the queue: #{ref} ({priority}, waiting for {waited}).").format(
                ref=first.id, priority=priority_label(first), waited=duration_text(turn.now - first.queued_at)
            ),
            (accept_button(first),),
        )

    # --- talking --------------------------------------------------------------------------------
    def _write(self, turn: Turn, repos: Repos, counsellor: Counsellor, text: str) -> None:
        ref, rest = split_ref(text)
        found = resolve_target(turn, repos, counsellor, ref)
        if found is None:
            return
        if ref is not None and not rest:
            self._switch(turn, repos, counsellor, ref)
            return
        request = self._still_open(turn, repos, counsellor, found.id)
        if request is None:
            return
        relay_from_counsellor(turn, request, counsellor, rest if ref is not None else text, turn.now)
        counsellor.current_request_id = request.id

    def _still_open(self, turn: Turn, repos: Repos, counsellor: Counsellor, request_id: int) -> HandoffRequest | None:
        """The conversation, locked, if it is still this counsellor's and open; else says nothing was sent."""
        request = lock_conversation(repos, request_id)
        if request is None or request.status != HandoffStatus.ACTIVE or request.counsellor_id != counsellor.id:
            turn.say(_("That conversation has just ended; nothing was sent."))
            return None
        return request

    def _media(self, turn: Turn, repos: Repos, counsellor: Counsellor) -> None:
        found = resolve_target(turn, repos, counsellor, None)
        if found is None:
            return
        what = media_label(turn.kind.value)
        copied = copy_for(turn, turn.uow.people.get(found.person_id).channel, self._h.extensions)
        if copied is not None:
            request = self._still_open(turn, repos, counsellor, found.id)
            if request is None:
                return
            relay_from_counsellor(turn, request, counsellor, _("(sent {what})").format(what=what), turn.now)
            turn.send(request.person_id, what, copy_of=copied)
            return
        turn.send(
            found.person_id,
            _("{name} sent {what}, which cannot be shown in this chat.").format(name=counsellor.name, what=what),
        )
        turn.say(_("This chat cannot pass on {what}; please write it in words.").format(what=what))

    def _switch(self, turn: Turn, repos: Repos, counsellor: Counsellor, ref: int) -> None:
        found = resolve_target(turn, repos, counsellor, ref)
        if found is not None:
            counsellor.current_request_id = found.id
            turn.say(_("Now writing to #{ref}.").format(ref=found.id))

    def _chats(self, turn: Turn, repos: Repos, counsellor: Counsellor) -> None:
        open_requests = repos.counsellors.open_requests(counsellor.id)
        if not open_requests:
            turn.say(_("You have no open conversation.") + " " + queue_summary(repos))
            return
        lines = [
            _("Your open conversations ({count} of {capacity}):").format(
                count=len(open_requests), capacity=counsellor.capacity
            )
        ]
        for request in open_requests:
            mark = " ←" if request.id == counsellor.current_request_id else ""
            since = request.accepted_at or request.created_at
            lines.append(
                _("#{ref}: {priority}, taken {ago} ago").format(
                    ref=request.id, priority=priority_label(request), ago=duration_text(turn.now - since)
                )
                + mark
            )
        lines.append(queue_summary(repos))
        turn.say("\n".join(lines), switch_buttons(open_requests))

    # --- notes and after-care -------------------------------------------------------------------
    def _note(self, turn: Turn, repos: Repos, counsellor: Counsellor, args: str) -> None:
        ref, text = split_ref(args)
        if not text:
            turn.say(_("Write the note after the command, for example: /note family asks about methadone"))
            return
        request = self._noted_request(repos, counsellor, ref)
        if request is None:
            request = resolve_target(turn, repos, counsellor, ref)
            if request is None:
                return
        add_note(repos, request, counsellor.id, NoteKind.NOTE, text, turn.now)
        turn.say(_("Note saved on #{ref}; only counsellors see it.").format(ref=request.id))

    def _noted_request(self, repos: Repos, counsellor: Counsellor, ref: int | None) -> HandoffRequest | None:
        """A conversation of this counsellor that has ended can still get a note."""
        if ref is None:
            return None
        request = repos.queue.get(ref)
        if request is not None and request.counsellor_id == counsellor.id:
            return request
        return None

    def _feature_command(self, turn: Turn, repos: Repos, counsellor: Counsellor, word: str, args: str) -> None:
        """A command another feature adds for the person of a conversation (`/assign 3` in the supporters')."""
        ref, rest = split_ref(args)
        request = resolve_target(turn, repos, counsellor, ref)
        if request is not None:
            self._h.extensions[DESK_COMMANDS][word](turn, counsellor, request, rest)

    def _enrol(self, turn: Turn, repos: Repos, counsellor: Counsellor, args: str) -> None:
        ref, _rest = split_ref(args)
        request = resolve_target(turn, repos, counsellor, ref)
        if request is None:
            return
        enrol = self._h.extensions.get(AFTERCARE_ENROL)
        if enrol is None:
            turn.say(_("After-care is not available in this installation, so nobody was enrolled."))
            return
        enrol(turn.uow, turn.events, request.person_id, turn.now, counsellor.name or None)
        repos.queue.add_event(request.id, HandoffEventKind.ENROL, turn.now, counsellor.id)
        turn.say(_("The after-care invitation was sent to #{ref}.").format(ref=request.id))
