"""Long polling driven by hand: the offset moves past an update only after the update is stored."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.telegram.receiver import Receiver
from bot.telegram.sender import retry_after_seconds
from bot.telegram.updates import ALLOWED_UPDATES

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 30.0


async def poll(bot: Bot, receiver: Receiver, stop: asyncio.Event, *, timeout: int, limit: int = 100) -> None:
    """getUpdates → store all → getUpdates with the next offset (which is what acknowledges them to Telegram)."""
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    backoff = 0.5
    while not stop.is_set():
        try:
            updates = await bot.get_updates(
                offset=offset,
                limit=limit,
                timeout=timeout,
                allowed_updates=list(ALLOWED_UPDATES),
                read_timeout=timeout + 10,
            )
        except InvalidToken:
            raise
        except RetryAfter as exc:
            await _pause(stop, retry_after_seconds(exc))
            continue
        except TimedOut:
            continue
        except (Conflict, NetworkError) as exc:
            log.warning("getUpdates failed; retrying", extra={"error": type(exc).__name__, "delay_s": backoff})
            await _pause(stop, backoff)
            backoff = min(MAX_BACKOFF_S, backoff * 2)
            continue
        backoff = 0.5
        if not updates:
            continue
        try:
            await receiver.accept(updates)
        except Exception:
            # Not stored: the offset stays, so Telegram hands the same updates over again.
            log.exception("updates not stored; will fetch them again", extra={"count": len(updates)})
            await _pause(stop, 1.0)
            continue
        offset = updates[-1].update_id + 1


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
