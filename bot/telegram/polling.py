"""Long polling driven by hand: the offset moves past an update only after the update is stored."""

from __future__ import annotations

import asyncio
import logging
import warnings
from contextlib import suppress
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, EndPointNotFound, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning

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
            raw = await fetch(bot, offset, limit, timeout)
        except (InvalidToken, EndPointNotFound):
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
        if not raw:
            continue
        updates = parse(bot, raw)
        try:
            await receiver.accept(updates)
        except Exception:
            # Not stored: the offset stays, so Telegram hands the same updates over again.
            log.exception("updates not stored; will fetch them again", extra={"count": len(updates)})
            await _pause(stop, 1.0)
            continue
        offset = int(raw[-1]["update_id"]) + 1


async def fetch(bot: Bot, offset: int | None, limit: int, timeout: int) -> list[dict[str, Any]]:
    """getUpdates as raw JSON: one update this library cannot read must not hold back the others."""
    params: dict[str, Any] = {"limit": limit, "timeout": timeout, "allowed_updates": list(ALLOWED_UPDATES)}
    if offset is not None:
        params["offset"] = offset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)  # "use Bot.get_updates": we parse each update ourselves
        result = await bot.do_api_request("getUpdates", api_kwargs=params, read_timeout=timeout + 10)
    return list(result) if isinstance(result, list) else []


def parse(bot: Bot, raw: list[dict[str, Any]]) -> list[Update]:
    """Updates as objects; one this library cannot read becomes a bare message of its sender (answered kindly)."""
    updates = []
    for data in raw:
        try:
            updates.append(Update.de_json(dict(data), bot))
            continue
        except Exception:
            log.warning("update not understood; reduced to its envelope", extra={"update": data.get("update_id")})
        bare = _envelope(data)
        if bare is not None:
            with suppress(Exception):
                updates.append(Update.de_json(bare, bot))
    return updates


def _envelope(data: dict[str, Any]) -> dict[str, Any] | None:
    """Who wrote, where and when, without the content the library could not read."""
    for kind in ("message", "edited_message", "channel_post"):
        message = data.get(kind)
        if isinstance(message, dict):
            keep = ("message_id", "date", "chat", "from", "edit_date", "sender_chat")
            return {"update_id": data["update_id"], kind: {k: message[k] for k in keep if k in message}}
    return None


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
