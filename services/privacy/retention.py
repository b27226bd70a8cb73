"""Messages are kept `HOTLINE_RETENTION_DAYS` (365): older handled messages and finished replies are deleted.

Texts are what a hotline holds that is most sensitive and least needed later: counts and timings live in the
turn events, handoff requests and registrations, which this does not touch (registrations have their own
12-month rule). Pending rows are never deleted, however old. The purge runs at most once an hour, in
transactions of `BATCH` rows, so a year's backlog on the first run never holds SQLite's single writer long.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from services.context import FeatureContext
from storage.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 500
INTERVAL = timedelta(hours=1)

# What is done with and when it was last touched: a reply is finished once sent or refused for good, and its
# `next_attempt_at` is its last attempt (never before it was written).
_FINISHED: list[tuple[Any, tuple[str, ...], Any]] = [
    (InboxMessage, (InboxStatus.HANDLED, InboxStatus.FAILED), InboxMessage.received_at),
    (OutboxMessage, (OutboxStatus.SENT, OutboxStatus.FAILED), OutboxMessage.next_attempt_at),
]


def purge_old_messages(
    uow_factory: Callable[[], UnitOfWork], now: datetime, days: int, *, batch: int = BATCH
) -> dict[str, int]:
    """Delete handled inbox messages and finished outbox rows last touched more than `days` ago; return how
    many of each went."""
    cutoff = now - timedelta(days=days)
    purged: dict[str, int] = {}
    for model, statuses, touched in _FINISHED:
        purged[model.__tablename__] = 0
        while True:
            with uow_factory() as uow:
                ids = list(
                    uow.session.scalars(
                        select(model.id)
                        .where(model.status.in_(statuses), touched < cutoff)
                        .order_by(model.id)
                        .limit(batch)
                    )
                )
                if ids:
                    uow.session.execute(
                        delete(model).where(model.id.in_(ids)), execution_options={"synchronize_session": False}
                    )
                    uow.commit()
            purged[model.__tablename__] += len(ids)
            if len(ids) < batch:
                break
    return purged


def install(ctx: FeatureContext) -> None:
    last_run: list[datetime] = []

    def tick(now: datetime) -> None:
        if last_run and now - last_run[0] < INTERVAL:
            return
        purged = purge_old_messages(ctx.uow_factory, now, ctx.settings.retention_days)
        last_run[:] = [now]
        if any(purged.values()):
            log.info("old messages deleted", extra={"purged": purged, "retention_days": ctx.settings.retention_days})

    ctx.ticks.append(tick)
