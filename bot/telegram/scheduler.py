"""Wakes the process every few seconds for due work: the database says what is due.

The channel's own version of `app.run_due()`: messages left pending (a turn the database refused) go back to
the per-person queues rather than being handled here, and each feature's tick is its own job on the database
threads, so turns can run between them (on SQLite there is one such thread: a long tick would hold every turn).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from services.bootstrap import App
from services.context import run_tick

log = logging.getLogger(__name__)


def start_scheduler(
    app: App,
    every_s: float,
    after: Callable[[], None],
    db: Executor | None = None,
    kick: Callable[[int], None] | None = None,
) -> AsyncIOScheduler:
    """APScheduler 3 on the running loop; the tick's parts run on the database threads, one after the other."""

    async def tick() -> None:
        loop = asyncio.get_running_loop()
        try:
            if kick is None:
                await loop.run_in_executor(db, app.run_due)
            else:
                for person_id in await loop.run_in_executor(db, app.dialogue.pending_people):
                    kick(person_id)
                now = app.clock.now()
                for due in app.ticks:
                    await loop.run_in_executor(db, run_tick, due, now)
        except Exception:
            log.exception("due work failed; next tick tries again")
        after()

    scheduler = AsyncIOScheduler()
    scheduler.add_job(tick, "interval", seconds=every_s, max_instances=1, coalesce=True, id="run_due")
    scheduler.start()
    return scheduler
