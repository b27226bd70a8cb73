"""Waking the process for due work: one APScheduler 3.x interval job that calls `app.run_due()`.

APScheduler keeps nothing: the database is the truth for every due thing (check-ins, deadlines), and each
feature's tick claims its due rows itself. So a restart loses nothing, a missed wake-up is simply caught up
by the next one, and several processes on PostgreSQL never do the same row twice (FOR UPDATE SKIP LOCKED).
`max_instances=1` and `coalesce=True` keep one run at a time per process, however late the wake-ups are.

- `hotline run` (Telegram, asyncio): `start_asyncio_scheduler(app)` inside the running event loop; the
  synchronous `run_due` runs in the loop's default thread pool, never blocking the bot.
- Anything else (console chat, a worker process): `start_background_scheduler(app)`, a daemon thread.
"""

from __future__ import annotations

import logging
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)

JOB_ID = "run_due"
DEFAULT_INTERVAL_S = 30.0


class RunsDue(Protocol):
    def run_due(self) -> None: ...


def run_due_safely(app: RunsDue) -> None:
    """One wake-up: a failure is logged (ids only, by the features) and the next wake-up tries again."""
    try:
        app.run_due()
    except Exception:
        log.exception("due work failed; the next wake-up retries it")


def add_due_job(scheduler: BaseScheduler, app: RunsDue, interval_s: float = DEFAULT_INTERVAL_S) -> None:
    scheduler.add_job(
        run_due_safely,
        "interval",
        args=[app],
        seconds=interval_s,
        id=JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )


def start_asyncio_scheduler(app: RunsDue, interval_s: float = DEFAULT_INTERVAL_S) -> AsyncIOScheduler:
    """Start inside a running event loop (e.g. python-telegram-bot's `post_init`); `shutdown()` it on stop."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    add_due_job(scheduler, app, interval_s)
    scheduler.start()
    log.info("scheduler started", extra={"interval_s": interval_s, "kind": "asyncio"})
    return scheduler


def start_background_scheduler(app: RunsDue, interval_s: float = DEFAULT_INTERVAL_S) -> BackgroundScheduler:
    """Start in a daemon thread; `shutdown()` it on stop."""
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    add_due_job(scheduler, app, interval_s)
    scheduler.start()
    log.info("scheduler started", extra={"interval_s": interval_s, "kind": "background"})
    return scheduler
