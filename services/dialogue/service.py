"""The message's way through the core: durable inbox → per-person serial turn → outbox, one transaction each."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from services.clock import Clock
from services.dialogue.router import Router
from services.dialogue.turn import Reply, Turn
from services.events import Events
from services.i18n import _
from services.messaging import send_message
from services.nlu.base import NluEngine
from services.nlu.text import clean
from services.types import Inbound, MessageKind, Outbound
from storage.models import InboxMessage, InboxStatus, Person, TurnEvent
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_DELAYS_S = (0.2, 0.5, 1.0)


@dataclass(frozen=True, slots=True)
class Stored:
    inbox_id: int
    person_id: int


class DialogueService:
    """Receives inbound messages and turns them into state changes and outbox rows."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        nlu: NluEngine,
        router: Router,
        clock: Clock,
        *,
        max_message_chars: int,
        sleep: Callable[[float], None] = time.sleep,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_S,
        events: Events | None = None,
    ) -> None:
        self._events = events or Events()
        self._uow_factory = uow_factory
        self._nlu = nlu
        self._router = router
        self._clock = clock
        self._max_chars = max_message_chars
        self._sleep = sleep
        self._retry_delays = retry_delays

    def handle(self, inbound: Inbound) -> list[Outbound]:
        """Store then handle a message. Returns replies that could not go through the outbox (DB trouble)."""
        try:
            stored = self._retrying(lambda: self.receive(inbound))
        except OperationalError:
            log.error("inbox unavailable; message not stored", extra={"channel": inbound.channel})
            return [self._busy(inbound, stored=False)]
        if stored is None:
            log.info("duplicate message dropped", extra={"channel": inbound.channel})
            return []
        try:
            self._retrying(lambda: self.process_person(stored.person_id))
        except OperationalError:
            log.error("turn postponed: database unavailable", extra={"inbox": stored.inbox_id})
            return [self._busy(inbound, stored=True)]
        return []

    def receive(self, inbound: Inbound) -> Stored | None:
        """Store the message durably (its own transaction); None when it was seen before."""
        with self._uow_factory() as uow:
            person = uow.people.get_or_create(inbound.channel, inbound.user_id, self._clock.now())
            inbox_id = uow.inbox.add(
                InboxMessage(
                    channel=inbound.channel,
                    message_id=inbound.message_id,
                    person_id=person.id,
                    kind=inbound.kind.value,
                    text=inbound.text,
                    payload=inbound.payload,
                    received_at=inbound.received_at,
                )
            )
            uow.commit()
            return Stored(inbox_id, person.id) if inbox_id is not None else None

    def process_person(self, person_id: int) -> int:
        """Handle every pending message of one person, oldest first; returns how many were handled."""
        with self._uow_factory() as uow:
            pending = uow.inbox.pending_ids(person_id)
        for inbox_id in pending:
            self.process(inbox_id)
        return len(pending)

    def process_pending(self) -> int:
        """Handle everything left pending (after a crash or a database outage)."""
        with self._uow_factory() as uow:
            pending = uow.inbox.pending_ids()
        for inbox_id in pending:
            self.process(inbox_id)
        return len(pending)

    def process(self, inbox_id: int) -> None:
        """Handle one stored message; a message that breaks the core is set aside, never retried forever."""
        try:
            self._turn(inbox_id)
        except OperationalError:
            raise  # the database is busy or away: the message stays pending and is retried
        except Exception as exc:
            log.exception("turn failed; message set aside", extra={"inbox": inbox_id, "error": type(exc).__name__})
            self._set_aside(inbox_id)

    def _set_aside(self, inbox_id: int) -> None:
        """Mark the message failed and tell the person kindly, so their next messages are not blocked."""
        with self._uow_factory() as uow:
            message = uow.inbox.get(inbox_id)
            if message.status != InboxStatus.PENDING:
                return
            now = self._clock.now()
            uow.inbox.mark(inbox_id, InboxStatus.FAILED, now)
            text = _("Sorry, something went wrong with that message. Please send it again in other words.")
            send_message(uow, message.person_id, text, (), now)
            uow.commit()

    def _turn(self, inbox_id: int) -> None:
        """One turn in one transaction: lock the person, route the message, write replies to the outbox."""
        with self._uow_factory() as uow:
            message = uow.inbox.get(inbox_id)
            person = uow.people.lock(message.person_id)
            uow.session.refresh(message)
            if message.status != InboxStatus.PENDING:
                return
            now = self._clock.now()
            person.last_seen_at = now
            state = uow.states.get_or_create(person.id, now)
            text = clean(message.text or "")
            truncated = len(text) > self._max_chars
            turn = Turn(
                uow=uow,
                person=person,
                state=state,
                now=now,
                kind=MessageKind(message.kind),
                text=text[: self._max_chars],
                payload=message.payload,
                truncated=truncated,
                _parse=self._nlu.parse,
                events=self._events,
            )
            self._router.route(turn)
            turn.save()
            state.turns += 1
            parsed = turn.parsed_if_any
            if parsed is not None:
                uow.turns.add(
                    TurnEvent(
                        person_id=person.id,
                        intent=parsed.intent.name,
                        confidence=round(parsed.intent.confidence * 1000),
                        entities=json.dumps(turn.entities(), ensure_ascii=False),
                        at=now,
                    )
                )
            write_replies(uow, person, turn.replies, now)
            uow.inbox.mark(inbox_id, InboxStatus.HANDLED, now)
            uow.commit()
            log.info(
                "turn handled",
                extra={
                    "person": person.id,
                    "inbox": inbox_id,
                    "replies": len(turn.replies),
                    "flow": state.flow,
                },
            )

    def _retrying(self, action: Callable[[], T]) -> T:
        for delay in self._retry_delays:
            try:
                return action()
            except OperationalError:
                log.warning("database busy; retrying", extra={"delay_s": delay})
                self._sleep(delay)
        return action()

    def _busy(self, inbound: Inbound, *, stored: bool) -> Outbound:
        text = (
            _("The system is busy for a moment. I have your message and will answer as soon as I can.")
            if stored
            else _("The system is busy for a moment and could not receive your message. Please send it again shortly.")
        )
        return Outbound(inbound.channel, inbound.user_id, text)


def write_replies(uow: UnitOfWork, sender: Person, replies: list[Reply], now: datetime) -> None:
    """Put replies in the outbox, each on the channel of the person it goes to."""
    for reply in replies:
        send_message(uow, sender.id if reply.person_id is None else reply.person_id, reply.text, reply.buttons, now)
