"""One turn of the dialogue: the person, their state, the message, and the replies being built."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.events import Events
from services.nlu.base import ParseResult
from services.types import Button, MessageKind
from storage.models import DialogueState, Person
from storage.uow import UnitOfWork


@dataclass(slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    person_id: int | None = None  # None: the person of the turn
    copy_of: str | None = None  # a copy of this channel message goes instead of the text (services/media.py)
    about_person_id: int | None = None  # whose words or media it carries, when not the sender's own (/delete)


@dataclass(slots=True)
class Turn:
    """Everything a handler needs for one inbound message; handlers add replies and change state."""

    uow: UnitOfWork
    person: Person
    state: DialogueState
    now: datetime
    kind: MessageKind
    text: str
    payload: str | None
    truncated: bool
    _parse: Callable[[str], ParseResult]
    events: Events = field(default_factory=Events)
    message_id: str = ""  # the channel's id of the message (what a channel copies, services/media.py)
    replies: list[Reply] = field(default_factory=list)
    _parsed: ParseResult | None = None
    _data: dict[str, Any] | None = None

    def say(self, text: str, buttons: Sequence[Button] = ()) -> None:
        """Reply to the person who wrote."""
        self.replies.append(Reply(text.strip(), tuple(buttons)))

    def send(
        self,
        person_id: int,
        text: str,
        buttons: Sequence[Button] = (),
        *,
        copy_of: str | None = None,
        about_person_id: int | None = None,
    ) -> None:
        """Message someone else (a counsellor, the person of a relay) in the same transaction; with `copy_of`, a
        copy of that channel message instead (`text` is then what the row says of it). `about_person_id`: whose
        words or media it carries (a person's message relayed to their counsellor), so their /delete removes it."""
        if person_id == self.person.id and copy_of is None:
            self.say(text, buttons)
        else:
            self.replies.append(Reply(text.strip(), tuple(buttons), person_id, copy_of, about_person_id))

    @property
    def parse(self) -> ParseResult:
        """The NLU's reading of the text (computed once, on first use)."""
        if self._parsed is None:
            self._parsed = self._parse(self.text)
        return self._parsed

    @property
    def parsed_if_any(self) -> ParseResult | None:
        """The parse, if this turn needed one (no NLU call is made for it)."""
        return self._parsed

    def entities(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for ent in self.parse.entities:
            found.setdefault(ent.entity, []).append(ent.value)
        return found

    @property
    def data(self) -> dict[str, Any]:
        """The active flow's data (decrypted JSON); saved back by `save()`."""
        if self._data is None:
            self._data = json.loads(self.state.data or "{}")
        return self._data

    def enter(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        self.state.flow = flow
        self.state.step = step
        self._data = dict(data or {})

    def leave_flow(self) -> None:
        self.state.flow = None
        self.state.step = None
        self._data = {}

    def save(self) -> None:
        if self._data is not None:
            self.state.data = json.dumps(self._data, ensure_ascii=False)
        self.state.updated_at = self.now

    @property
    def has_consent(self) -> bool:
        return self.person.consent_at is not None
