"""The person's side: the consent buttons, `/supporter` (who, agree, stop), and "ngừng chia sẻ" in words."""

from __future__ import annotations

import re

from services.dialogue.turn import Turn
from services.nlu.text import fold
from services.supporters import assignments, texts
from services.supporters.repository import SupporterRepository
from storage.supporter_models import AssignmentStatus

STOP_PATTERN = re.compile(r"^\s*(xin |toi muon |cho toi )?(ngung|dung|thoi|huy) (viec )?chia se\b")
SHOW_PATTERN = re.compile(r"^\s*(ai la )?nguoi (ho tro|giup do) (cua )?(toi|minh|em)( la ai)?\s*\??\s*$")
_YES = ("dong y", "co", "yes", "ok", "agree")
_NO = ("khong", "no", "tu choi")
_STOP = ("ngung", "dung", "stop", "thoi", "huy", "ngung chia se")


def show(turn: Turn) -> None:
    """Who the person's supporter is, with the way to stop; or the open question again; or none."""
    repo = SupporterRepository(turn.uow.session)
    assignment = repo.open_for_person(turn.person.id)
    supporter = repo.get(assignment.supporter_id) if assignment is not None else None
    if assignment is None or supporter is None:
        turn.say(texts.none_text())
    elif assignment.status == AssignmentStatus.PENDING:
        turn.say(texts.pending_text(supporter), texts.consent_buttons(assignment.id))
    else:
        turn.say(texts.status_text(supporter), (texts.stop_button(assignment.id),))


def command(turn: Turn) -> None:
    """`/supporter`, `/supporter đồng ý|không`, `/supporter ngừng`."""
    _head, _sep, args = turn.text.partition(" ")
    word = fold(args).strip()
    if not word:
        show(turn)
        return
    if word in _STOP:
        stop(turn)
        return
    repo = SupporterRepository(turn.uow.session)
    assignment = repo.open_for_person(turn.person.id)
    if assignment is not None and assignment.status == AssignmentStatus.PENDING and word in (*_YES, *_NO):
        turn.say(assignments.answer(turn.uow, turn.person.id, assignment.id, word in _YES, turn.now))
        return
    show(turn)


def stop(turn: Turn) -> None:
    turn.say(assignments.withdraw(turn.uow, turn.person.id, turn.now))


def button(turn: Turn) -> None:
    payload = turn.payload or ""
    parts = payload.split(":")
    ref = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
    if payload.startswith(texts.CONSENT + ":") and len(parts) == 4 and parts[3] in ("yes", "no"):
        turn.say(assignments.answer(turn.uow, turn.person.id, ref, parts[3] == "yes", turn.now))
        return
    if payload.startswith(texts.STOP + ":"):
        current = SupporterRepository(turn.uow.session).open_for_person(turn.person.id)
        if current is None or current.id != ref:
            turn.say(texts.stale_question_text())
            return
        stop(turn)
        return
    turn.say(texts.stale_question_text())
