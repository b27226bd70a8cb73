"""The immediate answer to a crisis: concrete steps and numbers first, then a top place in the queue."""

from __future__ import annotations

import logging
from collections.abc import Callable

from services.crisis.detector import CrisisKind, CrisisSignal
from services.dialogue.menus import HOTLINE_NUMBER
from services.dialogue.turn import Turn
from services.events import CRISIS_RECOGNISED
from services.handoff.queue import Priority, enqueue
from services.i18n import _
from services.knowledge.base import KnowledgeBase
from storage.models import CrisisEvent
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def builtin_steps(kind: CrisisKind) -> str:
    """Steps used when the content file lacks a crisis text: the hotline never answers a crisis with nothing."""
    if kind is CrisisKind.OVERDOSE:
        return _(
            "Call 115 now. Lay the person on their side, stay with them, give nothing by mouth, "
            "and tell the ambulance what was used. National hotline: {hotline}."
        ).format(hotline=HOTLINE_NUMBER)
    if kind is CrisisKind.VIOLENCE:
        return _(
            "Get to a safe place now and call 113 (police). Take the children away from danger; "
            "111 protects children. National hotline: {hotline}."
        ).format(hotline=HOTLINE_NUMBER)
    return _(
        "You are not alone. If you are in danger, call 115 now or go to someone you trust. "
        "Put away anything you could hurt yourself with. National hotline: {hotline}."
    ).format(hotline=HOTLINE_NUMBER)


class CrisisResponder:
    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._knowledge = knowledge
        self._staffed: Callable[[UnitOfWork], bool] = lambda _uow: True

    def set_staffing(self, staffed: Callable[[UnitOfWork], bool]) -> None:
        """Whether a counsellor is on duty now (the handoff feature knows), so the answer stays honest."""
        self._staffed = staffed

    def record(self, turn: Turn, signal: CrisisSignal) -> None:
        """Store the crisis event (kind, detector, interrupted state; never the text) and log it."""
        interrupted = turn.state.flow or ("menu" if turn.has_consent else "before_consent")
        turn.uow.crises.add(
            CrisisEvent(
                person_id=turn.person.id,
                kind=signal.kind.value,
                detector=signal.detector,
                interrupted=interrupted,
                at=turn.now,
            )
        )
        turn.events.emit(CRISIS_RECOGNISED, turn=turn, signal=signal)
        log.warning(
            "crisis recognised",
            extra={"person": turn.person.id, "kind": signal.kind.value, "detector": signal.detector},
        )

    def steps(self, kind: CrisisKind) -> str:
        """The emergency steps and numbers for this kind of crisis."""
        content = self._knowledge.crisis.get(kind.value)
        return content.text if content else builtin_steps(kind)

    def respond(self, turn: Turn, signal: CrisisSignal) -> None:
        """Steps and numbers first, then the person goes to the top of the counsellors' queue."""
        self.record(turn, signal)
        enqueue(turn, f"crisis_{signal.kind.value}", Priority.CRISIS)
        turn.say(self.steps(signal.kind))
        if self._staffed(turn.uow):
            follow = _("I have alerted the counsellors on duty: you are first in line. Stay with me here.")
        else:
            follow = _(
                "No counsellor is on duty at this hour, so please call the numbers above now. "
                "You are first in line when the next counsellor starts."
            )
        if turn.state.flow:
            follow += " " + _("When you are ready, we can go back to what we were doing.")
        turn.say(follow)
