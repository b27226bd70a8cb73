"""Delivering the outbox through a channel: each row is marked sent once, after the channel took it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from services.clock import Clock
from services.types import Button, Outbound
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
