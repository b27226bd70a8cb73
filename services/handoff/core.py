"""What every part of the handoff shares: its settings and hooks, a way to message anyone, flow states."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from services.dialogue.router import Router
from services.dialogue.turn import Turn
from services.events import Events
from services.handoff.repository import CounsellorRepository, QueueRepository
from services.handoff.settings import HandoffSettings
from services.knowledge.base import KnowledgeBase
from services.messaging import send_message
from services.types import Button
from storage.models import AuditLog, DialogueState
from storage.uow import UnitOfWork

# Hooks other features provide through ctx.extensions (all optional):
REGISTRATION_SUMMARY = "registration.summary"  # fn(uow, person_id) -> str | None, a line for the context card
AFTERCARE_STATUS = "aftercare.status"  # fn(uow, person_id) -> str | None, a line for the context card
AFTERCARE_ENROL = "aftercare.enrol"  # fn(uow, events, person_id, now, counsellor_name): sends the consent question
# {word: fn(turn, counsellor, request, args)}: more counsellor commands for the person of a conversation
# (e.g. the supporters feature's /assign); the desk finds the conversation (`#12` or the current one) first.
DESK_COMMANDS = "handoff.desk_commands"
# {word: fn() -> str}: what each of those commands does, translated (the help text and the counsellors' menu)
DESK_COMMAND_HELP = "handoff.desk_command_help"
RELAY_FLOW = "relay"
CALLBACK_FLOW = "callback"
DESK_FLOW = "desk"  # a counsellor's pending input (handover note, display name)


class Messenger(Protocol):
    """Anything that can queue a message to a person: a Turn, or the outbox in a scheduled job."""

    def send(
        self, person_id: int, text: str, buttons: Sequence[Button] = (), *, about_person_id: int | None = None
    ) -> None: ...


class OutboxMessenger:
    """Messages from scheduled work (ticks) and staff commands, in the caller's transaction."""

    def __init__(self, uow: UnitOfWork, now: datetime) -> None:
        self._uow = uow
        self._now = now

    def send(
        self, person_id: int, text: str, buttons: Sequence[Button] = (), *, about_person_id: int | None = None
    ) -> None:
        send_message(self._uow, person_id, text, buttons, self._now, about_person_id=about_person_id)


@dataclass
class Handoff:
    """The feature's settings and the parts of the application it uses."""

    settings: HandoffSettings
    router: Router
    events: Events
    knowledge: KnowledgeBase
    nlu_threshold: float
    extensions: dict[str, Any] = field(default_factory=dict)


class Repos:
    """The feature's repositories over one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.counsellors = CounsellorRepository(uow.session)
        self.queue = QueueRepository(uow.session)


class FlowState(Protocol):
    """A person's dialogue state: the turn's own person, or someone else's stored row."""

    @property
    def flow(self) -> str | None: ...

    @property
    def step(self) -> str | None: ...

    @property
    def data(self) -> dict[str, Any]: ...

    def enter(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None: ...

    def leave(self) -> None: ...


class TurnFlowState:
    def __init__(self, turn: Turn) -> None:
        self._turn = turn

    @property
    def flow(self) -> str | None:
        return self._turn.state.flow

    @property
    def step(self) -> str | None:
        return self._turn.state.step

    @property
    def data(self) -> dict[str, Any]:
        return self._turn.data

    def enter(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        self._turn.enter(flow, step, data)

    def leave(self) -> None:
        self._turn.leave_flow()


class StoredFlowState:
    """Someone else's state, changed in place (their person row must be locked by the caller)."""

    def __init__(self, state: DialogueState, now: datetime) -> None:
        self._state = state
        self._now = now

    @property
    def flow(self) -> str | None:
        return self._state.flow

    @property
    def step(self) -> str | None:
        return self._state.step

    @property
    def data(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self._state.data or "{}")
        return loaded

    def enter(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        self._state.flow = flow
        self._state.step = step
        self._state.data = json.dumps(data or {}, ensure_ascii=False)
        self._state.updated_at = self._now

    def leave(self) -> None:
        self._state.flow = None
        self._state.step = None
        self._state.data = "{}"
        self._state.updated_at = self._now


def flow_state(uow: UnitOfWork, turn: Turn | None, person_id: int, now: datetime) -> FlowState:
    """The state to change for a person: through the turn when it is theirs (so `save()` keeps it)."""
    if turn is not None and turn.person.id == person_id:
        return TurnFlowState(turn)
    return StoredFlowState(uow.states.get_or_create(person_id, now), now)


def audit(uow: UnitOfWork, now: datetime, actor: str, action: str, person_id: int, reason: str) -> None:
    uow.audit.add(
        AuditLog(at=now, actor=actor, action=action, subject_type="person", subject_id=str(person_id), reason=reason)
    )
