"""The message's way through the core: durable inbox → per-person serial turn → outbox, one transaction each."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from services.clock import Clock
from services.dialogue.router import Router
from services.dialogue.turn import Reply, Turn
from services.events import Events
from services.i18n import _
from services.messaging import send_message
from services.nlu.base import NluEngine, ParseResult
from services.nlu.text import clean
from services.types import Inbound, MessageKind, Outbound
from storage.models import DialogueState, InboxMessage, InboxStatus, Person, TurnEvent
from storage.repositories import PendingInbound
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_DELAYS_S = (0.2, 0.5, 1.0)
LAST_SEEN_STEP = timedelta(minutes=1)  # a person's last_seen_at moves in steps: no row update per message
BATCH_MESSAGES = 64  # most messages in one group transaction: it holds the database thread (marks, stores wait)


@dataclass(frozen=True, slots=True)
class Stored:
    inbox_id: int
    person_id: int
    handled: bool = False  # its turn ran (and committed) with the store: nobody needs to kick its person


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
        parse_under_lock: bool = False,
    ) -> None:
        self._events = events or Events()
        self._parse_under_lock = parse_under_lock
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
        return self.receive_many([inbound])[0]

    def receive_many(self, inbounds: Sequence[Inbound]) -> list[Stored | None]:
        """Store a batch of messages durably in one transaction (one getUpdates answer, say).

        Each gets its `Stored`, or None when it was seen before (earlier, or earlier in this batch).
        """
        if not inbounds:
            return []
        with self._uow_factory() as uow:
            person_ids, _locked = self._senders(uow, inbounds)
            stored = self._store(uow, inbounds, person_ids)
            uow.commit()
        return stored

    def receive_and_handle(self, inbounds: Sequence[Inbound]) -> list[Stored | None]:
        """Store messages and run their people's turns in the same transaction: for a few messages at a time (one
        commit and one transaction's round trips fewer than storing, then handling). A person whose turns run
        elsewhere meanwhile is waited for (their row lock). Like `receive_many`, it returns once the messages
        are committed, so the caller may then acknowledge them; each `Stored` says whether its turn ran. If a
        turn breaks or the database refuses the turns, nothing of them is kept and the messages are stored
        alone, their turns left to `process_people` (which sets a breaking message aside). A remote NLU is not
        called under the locks: then this only stores.
        """
        if not inbounds:
            return []
        if not self._parse_under_lock:
            return self.receive_many(inbounds)
        try:
            with self._uow_factory() as uow:
                # One channel (the usual case): the people are locked as they are looked up. With several, the
                # turns lock them all at once, in id order, so that two such transactions cannot deadlock.
                if len({inbound.channel for inbound in inbounds}) == 1:
                    stored, read = self._store_and_turn(uow, inbounds)
                else:
                    stored = self._store(uow, inbounds, self._senders(uow, inbounds)[0])
                    read = self._pending_turns(uow, stored)
                uow.commit()
        except Exception as exc:
            log.warning("turns on receipt failed; messages stored alone", extra={"error": type(exc).__name__})
            return self.receive_many(inbounds)
        if read >= BATCH_MESSAGES:
            return stored  # a long backlog: the queues take these people again until nothing is left
        return [None if result is None else replace(result, handled=True) for result in stored]

    def _store_and_turn(self, uow: UnitOfWork, inbounds: Sequence[Inbound]) -> tuple[list[Stored | None], int]:
        """Messages of one channel stored and their turns run: (each one's `Stored`, messages read).

        The senders are locked as they are looked up. When none of them has a message waiting (counted in the
        query of their states), the messages are stored as handled and are the turns' as they are in hand:
        nothing reads them back or marks them. Otherwise they are stored pending, behind the older ones, and
        the people's pending messages are handled in order.
        """
        person_ids, locked = self._senders(uow, inbounds, lock=True)
        waiting: dict[int, int] = {}
        states = uow.states.for_turns(
            person_ids, self._router.absence_probes, self._clock.now(), pending_counts=waiting
        )
        if any(waiting.values()):
            stored = self._store(uow, inbounds, person_ids)
            return stored, self._pending_turns(uow, stored, locked)
        stored = self._store(uow, inbounds, person_ids, handled_at=self._clock.now())
        todo = [
            PendingInbound(
                result.inbox_id, result.person_id, inbound.kind.value, inbound.text, inbound.payload, inbound.message_id
            )
            for inbound, result in zip(inbounds, stored, strict=True)
            if result is not None
        ]
        self._run_turns(uow, locked, states, todo, self._parse_all(todo))
        return stored, len(todo)

    def _pending_turns(
        self, uow: UnitOfWork, stored: Sequence[Stored | None], locked: dict[int, Person] | None = None
    ) -> int:
        """The turns of every pending message of the people who just stored one, oldest first; returns how many
        messages were read. `locked`: the people, when the caller holds their locks already."""
        people = [result.person_id for result in stored if result is not None]
        return self._turns_in(uow, people, None, {}, locked=locked)[1] if people else 0

    def _senders(
        self, uow: UnitOfWork, inbounds: Sequence[Inbound], *, lock: bool = False
    ) -> tuple[list[int], dict[int, Person]]:
        """Each message's person (found or created), and with `lock` the people, locked (loaded rows: keep them
        referenced, the session holds them only weakly)."""
        now = self._clock.now()
        people: dict[str, dict[str, int]] = {}
        locked: dict[int, Person] = {}
        for channel in dict.fromkeys(inbound.channel for inbound in inbounds):
            users = [inbound.user_id for inbound in inbounds if inbound.channel == channel]
            if lock:
                found = uow.people.lock_or_create_many(channel, users, now)
                locked.update((person.id, person) for person in found.values())
                people[channel] = {user: person.id for user, person in found.items()}
            else:
                people[channel] = uow.people.get_or_create_many(channel, users, now)
        return [people[inbound.channel][inbound.user_id] for inbound in inbounds], locked

    def _store(
        self,
        uow: UnitOfWork,
        inbounds: Sequence[Inbound],
        person_ids: Sequence[int],
        *,
        handled_at: datetime | None = None,
    ) -> list[Stored | None]:
        """The messages stored, pending (or, with `handled_at`, as handled by turns of this transaction)."""
        inbox_ids = uow.inbox.add_many(
            [
                InboxMessage(
                    channel=inbound.channel,
                    message_id=inbound.message_id,
                    person_id=person_id,
                    kind=inbound.kind.value,
                    text=inbound.text,
                    payload=inbound.payload,
                    received_at=inbound.received_at,
                )
                for inbound, person_id in zip(inbounds, person_ids, strict=True)
            ],
            handled_at=handled_at,
        )
        return [
            Stored(inbox_id, person_id) if inbox_id is not None else None
            for inbox_id, person_id in zip(inbox_ids, person_ids, strict=True)
        ]

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

    def pending_people(self, limit: int = 10_000) -> list[int]:
        """People with messages waiting, the longest waiting first."""
        with self._uow_factory() as uow:
            return uow.inbox.pending_people(limit)

    def process_people(self, person_ids: Sequence[int]) -> int:
        """Handle the pending messages of several people, each person's oldest first, in one transaction.

        Group commit: the turns run one after the other exactly as they would in their own transactions
        (each person's row is locked, each turn sees what the earlier ones wrote), and commit together, so
        every state change still lands with its outbox rows. A remote NLU reads the messages before the locks
        are taken (it is pure, and slow next to a turn); the embedded one reads them under the locks, which
        saves a transaction per batch. If a turn breaks, nothing of the batch is kept and its messages are
        handled one by one, which sets the breaking one aside; if the database refuses the batch (busy, a
        deadlock), each person is tried on their own. Returns how many messages were handled (or set aside).
        """
        handled = 0
        while True:
            pending = self._read_ahead(person_ids)
            if pending == []:
                return handled
            done, read = self._batch(person_ids, pending)
            handled += done
            if read < BATCH_MESSAGES:
                return handled

    def _read_ahead(self, person_ids: Sequence[int]) -> list[PendingInbound] | None:
        """The people's pending messages read before any lock, for a remote NLU; None when the turns read them."""
        if self._parse_under_lock:
            return None
        with self._uow_factory() as uow:
            return uow.inbox.pending_of(person_ids, BATCH_MESSAGES)

    def _batch(self, person_ids: Sequence[int], pending: list[PendingInbound] | None) -> tuple[int, int]:
        """(messages handled, messages read): fewer read than a batch holds means nobody has more waiting."""
        parsed = {} if pending is None else self._parse_all(pending)  # under the locks, the turns parse
        try:
            return self._turns(person_ids, pending, parsed)
        except OperationalError:
            if len(set(person_ids)) == 1:
                raise  # nothing smaller to try: the messages stay pending for the next sweep
            log.warning("batch refused by the database; people handled one by one", extra={"people": len(person_ids)})
            return sum(self.process_person(person_id) for person_id in dict.fromkeys(person_ids)), 0
        except Exception as exc:
            log.warning(
                "a turn of the batch failed; handling its messages one by one",
                extra={"people": len(person_ids), "error": type(exc).__name__},
            )
            if pending is None:
                return sum(self.process_person(person_id) for person_id in dict.fromkeys(person_ids)), 0
            for message in pending:
                self.process(message.id)
            return len(pending), len(pending)

    def _parse_all(self, pending: list[PendingInbound]) -> dict[int, ParseResult]:
        return {message.id: self._nlu.parse(text) for message in pending if (text := self._text(message.text))}

    def _turns(
        self,
        person_ids: Sequence[int],
        pending: list[PendingInbound] | None,
        parsed: dict[int, ParseResult],
    ) -> tuple[int, int]:
        with self._uow_factory() as uow:
            counts = self._turns_in(uow, person_ids, pending, parsed)
            uow.commit()
        return counts

    def _turns_in(
        self,
        uow: UnitOfWork,
        person_ids: Sequence[int],
        pending: list[PendingInbound] | None,
        parsed: dict[int, ParseResult],
        *,
        locked: dict[int, Person] | None = None,
    ) -> tuple[int, int]:
        """The batch's turns in the caller's transaction: (messages handled, messages read). `locked`: the
        people, whose locks the caller holds already."""
        if pending is None:
            people = uow.people.lock_many(person_ids) if locked is None else locked
            todo = uow.inbox.pending_of(person_ids, BATCH_MESSAGES)  # under the locks: nobody else has them
            read = len(todo)
            parsed = self._parse_all(todo)
        else:
            people = uow.people.lock_many([message.person_id for message in pending])
            live = uow.inbox.still_pending([message.id for message in pending])
            todo = [message for message in pending if message.id in live]
            read = len(pending)
        if not todo:
            return 0, read
        states = uow.states.for_turns([m.person_id for m in todo], self._router.absence_probes, self._clock.now())
        self._run_turns(uow, people, states, todo, parsed)
        uow.inbox.mark_many([message.id for message in todo], InboxStatus.HANDLED, self._clock.now())
        return len(todo), read

    def _run_turns(
        self,
        uow: UnitOfWork,
        people: dict[int, Person],
        states: dict[int, DialogueState],
        todo: list[PendingInbound],
        parsed: dict[int, ParseResult],
    ) -> None:
        # A turn that asks the database nothing costs no statement: what it changed and queued (state,
        # replies, turn event) is written with the whole batch's by the next flush (or the commit).
        for message in todo:
            person = people[message.person_id]
            self._route(uow, person, states[person.id], message, message.id, parsed.get(message.id))

    def _text(self, raw: str | None) -> str:
        return clean(raw or "")[: self._max_chars]

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
            state = uow.states.get_or_create(person.id, self._clock.now())
            self._route(uow, person, state, message, inbox_id, None)
            uow.inbox.mark(inbox_id, InboxStatus.HANDLED, self._clock.now())
            uow.commit()

    def _route(
        self,
        uow: UnitOfWork,
        person: Person,
        state: DialogueState,
        message: InboxMessage | PendingInbound,
        inbox_id: int,
        parsed: ParseResult | None,
    ) -> None:
        """Route one message of a locked person and write its replies (the caller commits)."""
        now = self._clock.now()
        if now - person.last_seen_at >= LAST_SEEN_STEP:
            person.last_seen_at = now  # to the minute: enough for "seen lately", and a write saved per message
        text = clean(message.text or "")
        truncated = len(text) > self._max_chars
        text = text[: self._max_chars]
        turn = Turn(
            uow=uow,
            person=person,
            state=state,
            now=now,
            kind=MessageKind(message.kind),
            text=text,
            payload=message.payload,
            message_id=message.message_id,
            truncated=truncated,
            _parse=self._nlu.parse if parsed is None else _preparsed(text, parsed, self._nlu),
            events=self._events,
        )
        self._router.route(turn)
        turn.save()
        state.turns += 1
        reading = turn.parsed_if_any
        if reading is not None:
            uow.turns.add(
                TurnEvent(
                    person_id=person.id,
                    intent=reading.intent.name,
                    confidence=round(reading.intent.confidence * 1000),
                    entities=json.dumps(turn.entities(), ensure_ascii=False),
                    at=now,
                )
            )
        write_replies(uow, person, turn.replies, now)
        log.info(
            "turn handled",
            extra={"person": person.id, "inbox": inbox_id, "replies": len(turn.replies), "flow": state.flow},
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
    """Put replies in the outbox, each on the channel of the person it goes to, after whatever the turn's
    handlers queued already. Nothing is written yet: the session writes a batch's rows in one insert, in the
    order they were queued, when it flushes (before the next query, or at the end of the batch)."""
    for reply in replies:
        person = sender if reply.person_id is None else uow.people.get(reply.person_id)
        buttons = [{"label": b.label, "payload": b.payload} for b in reply.buttons]
        uow.outbox.queue(
            person.id,
            person.channel,
            reply.text.strip(),
            buttons,
            now,
            copy_of=reply.copy_of,
            about_person_id=reply.about_person_id,
        )


def _preparsed(text: str, parsed: ParseResult, nlu: NluEngine) -> Callable[[str], ParseResult]:
    """The NLU's reading computed before the turn for its own text; any other text is read on demand."""

    def parse(asked: str) -> ParseResult:
        return parsed if asked == text else nlu.parse(asked)

    return parse
