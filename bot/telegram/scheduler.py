"""Wakes the process every few seconds for due work: the database says what is due (app.run_due)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from services.bootstrap import App

log = logging.getLogger(__name__)


def start_scheduler(
    app: App, every_s: float, after: Callable[[], None], db: Executor | None = None
) -> AsyncIOScheduler:
    """APScheduler 3 on the running loop; the tick runs on the database threads, one at a time."""

    async def tick() -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(db, app.run_due)
        except Exception:
            log.exception("due work failed; next tick tries again")
        after()

    scheduler = AsyncIOScheduler()
    scheduler.add_job(tick, "interval", seconds=every_s, max_instances=1, coalesce=True, id="run_due")
    scheduler.start()
    return scheduler
