"""Messages are kept `HOTLINE_RETENTION_DAYS` (at most 365, as the privacy notice promises), then their texts go.

Every hour: a handled or set-aside inbox message older than that loses its text and payload, as with /delete (the
row stays: the indicators count contacts from it), and a sent or refused reply last tried before then is deleted.
Pending rows are never touched, however old. The work goes in transactions of `BATCH` rows, so a year's backlog
on the first run never holds SQLite's single writer long.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select

from services.context import FeatureContext
from services.privacy.erasure import erase_inbox_texts
from storage.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 500
INTERVAL = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Purged:
    inbox_texts_erased: int
    replies_deleted: int


def purge_old_messages(
    uow_factory: Callable[[], UnitOfWork], now: datetime, days: int, *, batch: int = BATCH
) -> Purged:
    """Erase the texts of old handled inbox messages and delete old finished outbox rows (see the module)."""
    cutoff = now - timedelta(days=days)
    old_inbox = select(InboxMessage.id).where(
        InboxMessage.status != InboxStatus.PENDING, InboxMessage.received_at < cutoff, InboxMessage.erased_at.is_(None)
    )
    old_outbox = select(OutboxMessage.id).where(
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)), OutboxMessage.next_attempt_at < cutoff
    )

    def erase(uow: UnitOfWork, ids: list[int]) -> None:
        erase_inbox_texts(uow.session, InboxMessage.id.in_(ids), now)

    def remove(uow: UnitOfWork, ids: list[int]) -> None:
        uow.session.execute(
            delete(OutboxMessage).where(OutboxMessage.id.in_(ids)), execution_options={"synchronize_session": False}
        )

    return Purged(
        _in_batches(uow_factory, old_inbox, erase, batch), _in_batches(uow_factory, old_outbox, remove, batch)
    )


def _in_batches(
    uow_factory: Callable[[], UnitOfWork],
    ids_query: Select[int],
    action: Callable[[UnitOfWork, list[int]], None],
    batch: int,
) -> int:
    """Apply `action` to the rows `ids_query` finds, oldest first, `batch` rows per transaction, until none is
    left; return how many."""
    done = 0
    while True:
        with uow_factory() as uow:
            oldest = ids_query.order_by(ids_query.selected_columns[0]).limit(batch)
            ids = list(uow.session.scalars(oldest))
            if ids:
                action(uow, ids)
                uow.commit()
        done += len(ids)
        if len(ids) < batch:
            return done


def install(ctx: FeatureContext) -> None:
    last_run: datetime | None = None

    def tick(now: datetime) -> None:
        nonlocal last_run
        if last_run is not None and now - last_run < INTERVAL:
            return
        purged = purge_old_messages(ctx.uow_factory, now, ctx.settings.retention_days)
        last_run = now
        if purged.inbox_texts_erased or purged.replies_deleted:
            log.info(
                "old messages purged",
                extra={"inbox_texts_erased": purged.inbox_texts_erased, "replies_deleted": purged.replies_deleted},
            )

    ctx.ticks.append(tick)
