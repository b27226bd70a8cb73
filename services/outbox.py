"""Delivering the outbox through a channel: each row is marked sent once, after the channel took it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from services.clock import Clock
from services.types import Button, Outbound
from storage.models import OutboxMessage, OutboxStatus, Person
from storage.uow import UnitOfWork

Deliver = Callable[[Outbound], None]
log = logging.getLogger(__name__)


class OutboxDispatcher:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def drain(self, channel: str, deliver: Deliver, limit: int = 100) -> int:
        """Deliver the channel's due rows in order; a delivery error leaves the rest for the next drain."""
        delivered = 0
        try:
            with self._uow_factory() as uow:
                rows = uow.outbox.due(channel, self._clock.now(), limit)
                for row in rows:
                    person = uow.people.get(row.person_id)
                    buttons = tuple(Button(b["label"], b["payload"]) for b in json.loads(row.buttons or "[]"))
                    deliver(Outbound(row.channel, person.external_id, row.text, buttons))
                    uow.outbox.mark_sent(row.id, self._clock.now())
                    uow.commit()
                    delivered += 1
        except OperationalError:
            log.warning("outbox unavailable; rows stay pending", extra={"channel": channel, "delivered": delivered})
        return delivered


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """An outbox row ready for a channel sender, with where it goes."""

    id: int
    person_id: int
    recipient: str
    text: str
    buttons: tuple[Button, ...]
    attempts: int
    parts_sent: int
    unreachable: bool
    copy_of: str | None = None  # a channel message to copy instead of sending `text`


class OutboxQueue:
    """The outbox as a channel sender sees it: due rows in per-person order, and their outcomes.

    One sender process per channel account reads it (Telegram allows one consumer of a bot's updates).
    Every outcome is recorded in its own short transaction: `sent` only moves a pending row, so a row
    is marked sent exactly once; nothing here ever deletes a row.
    """

    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def due(self, channel: str, limit: int = 100, skip_people: frozenset[int] = frozenset()) -> list[PendingDelivery]:
        """Each person's oldest pending row, when its time has come (a row still waiting holds back the later ones).

        One row per person: a person's next row is picked once this one is done, so order is kept. Only the
        rows returned are loaded whole (decrypted); the scan reads ids and times only.
        """
        now = self._clock.now()
        with self._uow_factory() as uow:
            scan = uow.session.execute(
                select(OutboxMessage.id, OutboxMessage.person_id, OutboxMessage.next_attempt_at <= now)
                .where(OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.PENDING)
                .order_by(OutboxMessage.id)
                .limit(max(limit * 20, 1000))
            ).all()
            seen: set[int] = set(skip_people)
            chosen: list[int] = []
            for outbox_id, person_id, due in scan:
                if person_id in seen:
                    continue
                seen.add(person_id)
                if due:
                    chosen.append(outbox_id)
                    if len(chosen) >= limit:
                        break
            if not chosen:
                return []
            rows = uow.session.execute(
                select(OutboxMessage, Person.external_id, Person.unreachable)
                .join(Person, Person.id == OutboxMessage.person_id)
                .where(OutboxMessage.id.in_(chosen))
                .order_by(OutboxMessage.id)
            ).all()
            ready: list[PendingDelivery] = []
            for row, recipient, unreachable in rows:
                buttons = tuple(Button(b["label"], b["payload"]) for b in json.loads(row.buttons or "[]"))
                ready.append(
                    PendingDelivery(
                        row.id,
                        row.person_id,
                        recipient,
                        row.text,
                        buttons,
                        row.attempts,
                        row.parts_sent,
                        unreachable,
                        row.copy_of,
                    )
                )
        return ready

    def next_due_in(self, channel: str) -> float | None:
        """Seconds until the earliest pending row of the channel is due (0 when one is due now)."""
        with self._uow_factory() as uow:
            earliest = uow.session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.PENDING
                )
            )
        if earliest is None:
            return None
        return max(0.0, (earliest - self._clock.now()).total_seconds())

    def sent(self, delivery: PendingDelivery) -> bool:
        """Mark the row sent (only a pending row moves); a person we reached is reachable again."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            moved = uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == delivery.id, OutboxMessage.status == OutboxStatus.PENDING)
                .values(**_sent_values(now))
            )
            if delivery.unreachable:
                uow.session.execute(update(Person).where(Person.id == delivery.person_id).values(unreachable=False))
            uow.commit()
        return bool(getattr(moved, "rowcount", 0))

    def sent_many(self, deliveries: Sequence[PendingDelivery]) -> None:
        """Mark several rows sent in one transaction (each moves only if still pending, as in `sent`)."""
        if not deliveries:
            return
        now = self._clock.now()
        with self._uow_factory() as uow:
            uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([d.id for d in deliveries]), OutboxMessage.status == OutboxStatus.PENDING)
                .values(**_sent_values(now)),
                execution_options={"synchronize_session": False},
            )
            reachable = sorted({d.person_id for d in deliveries if d.unreachable})
            if reachable:
                uow.session.execute(
                    update(Person).where(Person.id.in_(reachable)).values(unreachable=False),
                    execution_options={"synchronize_session": False},
                )
            uow.commit()

    def part_sent(self, outbox_id: int, parts_sent: int) -> None:
        """Record that the first `parts_sent` parts of a split message went out."""
        with self._uow_factory() as uow:
            uow.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(parts_sent=parts_sent)
            )
            uow.commit()

    def retry(self, outbox_id: int, delay_s: float, error: str, *, count_attempt: bool = True) -> None:
        """Leave the row pending, to be tried again after `delay_s`."""
        values: dict[str, object] = {
            "next_attempt_at": self._clock.now() + timedelta(seconds=delay_s),
            "error": error[:200],
        }
        if count_attempt:
            values["attempts"] = OutboxMessage.attempts + 1
        with self._uow_factory() as uow:
            uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.PENDING)
                .values(**values)
            )
            uow.commit()

    def failed(self, delivery: PendingDelivery, error: str, *, unreachable: bool) -> None:
        """A permanent refusal: the row is kept as failed with the reason; the person may be unreachable."""
        with self._uow_factory() as uow:
            uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == delivery.id, OutboxMessage.status == OutboxStatus.PENDING)
                .values(
                    status=OutboxStatus.FAILED, attempts=OutboxMessage.attempts + 1, error=error[:200], copy_of=None
                )
            )
            if unreachable:
                uow.session.execute(update(Person).where(Person.id == delivery.person_id).values(unreachable=True))
            uow.commit()


def _sent_values(now: datetime) -> dict[str, object]:
    """A row done with: sent, and no longer naming the message it copied (whose chat id identifies its sender)."""
    return {
        "status": OutboxStatus.SENT,
        "sent_at": now,
        "attempts": OutboxMessage.attempts + 1,
        "error": None,
        "copy_of": None,
    }
