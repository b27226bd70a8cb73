"""The supporter's side of the chat: /people, /msg N, /ack N, the "Đã liên hệ" and "Nhắn tin" buttons.

A supporter's commands only ever reach the people assigned to them (active assignments): anything else is
refused the same way whether it exists or not, and every access (and refusal) is an audit row. Anything a
supporter writes outside these commands goes to the ordinary bot (they may need help too).
"""

from __future__ import annotations

import logging

from services.dialogue.turn import Turn
from services.handoff.gate import invitation_code
from services.menus import show_menu
from services.messaging import send_message
from services.supporters import texts
from services.supporters.accounts import redeem
from services.supporters.alerts import acknowledge
from services.supporters.core import Supporters, audit, supporter_actor
from services.supporters.menu import supporter_commands
from services.supporters.repository import SupporterRepository
from services.supporters.summary import people_lines
from services.types import MessageKind
from storage.supporter_models import AssignmentStatus, Supporter, SupporterAssignment

log = logging.getLogger(__name__)
FLOW = "supporter"  # steps: compose (data: assignment), note (data: alert)
COMMANDS = ("people", "msg", "ack", "help", "start", "skip", "cancel")


def _command(text: str) -> tuple[str, str]:
    head, _sep, args = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), args.strip()


class SupporterDesk:
    def __init__(self, sp: Supporters) -> None:
        self._sp = sp

    def __call__(self, turn: Turn) -> bool:
        repo = SupporterRepository(turn.uow.session)
        code = invitation_code(turn.text) if turn.text and turn.payload is None else None
        if code is not None and self._redeem(turn, code):
            return True
        supporter = repo.by_person(turn.person.id)
        if supporter is None or not supporter.active:
            if turn.state.flow == FLOW:
                turn.leave_flow()
            return False
        if turn.payload is not None:
            if not turn.payload.startswith(texts.DESK_PREFIX):
                return False
            self._button(turn, repo, supporter, turn.payload)
            return True
        if turn.text.startswith("/"):
            word, args = _command(turn.text)
            if word not in COMMANDS or (word in ("skip", "cancel") and turn.state.flow != FLOW):
                return False
            if word == "start" and args:
                return False
            self._do(turn, repo, supporter, word, args)
            return True
        if turn.state.flow != FLOW:
            return False
        if turn.kind is not MessageKind.TEXT or not turn.text:
            turn.say(texts.text_only_text())
        elif turn.state.step == "note":
            self._note(turn, repo, supporter, turn.text)
        else:
            ref = str(turn.data.get("assignment", ""))
            turn.leave_flow()
            self._write(turn, repo, supporter, ref, turn.text)
        return True

    # --- account --------------------------------------------------------------------------------
    def _redeem(self, turn: Turn, code: str) -> bool:
        redemption = redeem(turn.uow, turn.person, code, turn.now)
        if redemption is None:
            return False
        if redemption.supporter is None:
            turn.say(texts.invite_used_text())
            return True
        turn.leave_flow()
        supporter = redemption.supporter
        show_menu(turn.uow, self._sp.extensions, supporter.channel, supporter.external_id, supporter_commands())
        turn.say(texts.welcome_text(supporter))
        return True

    # --- commands and buttons -------------------------------------------------------------------
    def _do(self, turn: Turn, repo: SupporterRepository, supporter: Supporter, word: str, args: str) -> None:
        if word == "people":
            self._people(turn, repo, supporter)
        elif word == "msg":
            ref, _sep, text = args.partition(" ")
            if not ref:
                turn.say(texts.msg_usage_text())
            elif not text.strip():
                assignment = self._mine(turn, repo, supporter, ref)
                if assignment is not None:
                    turn.enter(FLOW, "compose", {"assignment": str(assignment.id)})
                    turn.say(texts.compose_text(assignment))
            else:
                self._write(turn, repo, supporter, ref, text)
        elif word == "ack":
            ref, _sep, note = args.partition(" ")
            if not ref:
                turn.say(texts.ack_usage_text())
                return
            self._ack(turn, repo, supporter, ref, note.strip() or None)
        elif word == "skip" and turn.state.step == "note":
            turn.leave_flow()
            turn.say(texts.no_note_text())
        elif word in ("skip", "cancel"):
            turn.leave_flow()
            turn.say(texts.cancelled_text())
        else:  # help, start
            turn.say(texts.welcome_text(supporter) if word == "start" else texts.help_text())

    def _button(self, turn: Turn, repo: SupporterRepository, supporter: Supporter, payload: str) -> None:
        action, _sep, ref = payload.rpartition(":")
        if action == texts.ACK:
            alert = repo.alert(int(ref)) if ref.isdigit() else None
            if alert is None or alert.supporter_id != supporter.id:
                self._refuse(turn, supporter, ref)
                return
            self._ack(turn, repo, supporter, str(alert.assignment_id), None)
        elif action == texts.WRITE:
            assignment = self._mine(turn, repo, supporter, ref)
            if assignment is not None:
                turn.enter(FLOW, "compose", {"assignment": str(assignment.id)})
                turn.say(texts.compose_text(assignment))
        else:
            turn.say(texts.help_text())

    # --- what a supporter may reach -------------------------------------------------------------
    def _mine_quiet(self, repo: SupporterRepository, supporter: Supporter, ref: str) -> SupporterAssignment | None:
        raw = ref.strip().lstrip("#")
        assignment = repo.assignment(int(raw)) if raw.isdigit() else None
        if assignment is None or assignment.supporter_id != supporter.id:
            return None
        if assignment.status != AssignmentStatus.ACTIVE:
            return None
        return assignment

    def _mine(
        self, turn: Turn, repo: SupporterRepository, supporter: Supporter, ref: str
    ) -> SupporterAssignment | None:
        """One of the supporter's active assignments, or a refusal (said and audited)."""
        assignment = self._mine_quiet(repo, supporter, ref)
        if assignment is None:
            self._refuse(turn, supporter, ref)
        return assignment

    def _refuse(self, turn: Turn, supporter: Supporter, ref: str) -> None:
        shown = ref.strip().lstrip("#")[:12] or "?"
        audit(turn.uow, turn.now, supporter_actor(supporter), "supporter.refused", "assignment", shown, "not assigned")
        log.warning("supporter refused", extra={"supporter": supporter.id})
        turn.say(texts.not_yours_text(shown))

    def _people(self, turn: Turn, repo: SupporterRepository, supporter: Supporter) -> None:
        assignments = repo.of_supporter(supporter.id, (AssignmentStatus.ACTIVE,))
        if not assignments:
            turn.say(texts.nobody_text())
            return
        for assignment in assignments:
            audit(
                turn.uow, turn.now, supporter_actor(supporter), "supporter.people", "person", assignment.person_id, ""
            )
        lines = people_lines(self._sp, turn.uow, assignments, turn.now)
        turn.say(
            "\n".join([texts.people_header(len(assignments), self._sp.capacity_of(supporter)), *lines]),
            tuple(texts.write_button(a) for a in assignments),
        )

    def _write(self, turn: Turn, repo: SupporterRepository, supporter: Supporter, ref: str, text: str) -> None:
        assignment = self._mine(turn, repo, supporter, ref)
        if assignment is None:
            return
        limit = self._sp.settings.max_message_chars
        if len(text) > limit:
            turn.say(texts.too_long_text(limit))
            return
        send_message(turn.uow, assignment.person_id, texts.relayed_text(supporter, text.strip()), (), turn.now)
        audit(turn.uow, turn.now, supporter_actor(supporter), "supporter.message", "person", assignment.person_id, "")
        log.info("supporter message relayed", extra={"supporter": supporter.id, "assignment": assignment.id})
        turn.say(texts.sent_text(assignment))

    def _ack(self, turn: Turn, repo: SupporterRepository, supporter: Supporter, ref: str, note: str | None) -> None:
        assignment = self._mine(turn, repo, supporter, ref)
        if assignment is None:
            return
        latest = acknowledge(turn.uow, supporter, assignment, turn.now, note)
        if latest is None:
            turn.say(texts.nothing_open_text(assignment))
        elif note:
            turn.say(texts.acked_with_note_text(assignment))
        else:
            turn.enter(FLOW, "note", {"alert": latest.id})
            turn.say(texts.ack_text(assignment))

    def _note(self, turn: Turn, repo: SupporterRepository, supporter: Supporter, text: str) -> None:
        alert_id = turn.data.get("alert")
        turn.leave_flow()
        alert = repo.alert(int(alert_id)) if isinstance(alert_id, int) else None
        if alert is None or alert.supporter_id != supporter.id:
            turn.say(texts.help_text())
            return
        alert.note = text.strip()[:500]
        audit(turn.uow, turn.now, supporter_actor(supporter), "supporter.note", "person", alert.person_id, "")
        turn.say(texts.note_saved_text())
