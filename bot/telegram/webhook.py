"""Webhook mode: Telegram posts each update; we answer 200 only after the update is stored."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from bot.telegram.receiver import Receiver
from bot.telegram.updates import ALLOWED_UPDATES

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class Coalescer:
    """Webhook calls that arrive while updates are being stored go together into the next transaction, as the
    updates of one getUpdates answer do: Telegram posts a burst over up to 40 connections at once, and one
    transaction per update would be most of its cost. A call returns once its own update is stored, and raises
    if its transaction failed (the other calls of that transaction fail with it)."""

    def __init__(self, accept: Callable[[Sequence[Update]], Awaitable[None]]) -> None:
        self._accept = accept
        self._waiting: list[tuple[Update, asyncio.Future[None]]] = []
        self._storing: asyncio.Task[None] | None = None

    async def accept(self, update: Update) -> None:
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((update, stored))
        if self._storing is None:
            self._storing = asyncio.create_task(self._store_waiting())
        await stored

    async def _store_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    await self._accept([update for update, _ in batch])
                except Exception as error:  # each call answers for itself (503: Telegram posts it again)
                    for _, stored in batch:
                        if not stored.done():  # a call whose client went away is cancelled, hence done
                            stored.set_exception(error)
                else:
                    for _, stored in batch:
                        if not stored.done():
                            stored.set_result(None)
        finally:
            self._storing = None


def build_webhook_app(bot: Bot, receiver: Receiver, secret: str, path: str) -> web.Application:
    coalescer = Coalescer(receiver.accept)

    async def handle(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook call with a wrong secret refused")
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        try:
            await coalescer.accept(update)
        except Exception:
            # Telegram delivers the update again later: nothing is lost.
            log.exception("update not stored; telegram will retry", extra={"update": update.update_id})
            return web.Response(status=503)
        return web.Response(status=200)

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, handle)
    return app


async def serve_webhook(
    bot: Bot, receiver: Receiver, stop: asyncio.Event, *, url: str, secret: str, listen: str, port: int
) -> None:
    path = urlsplit(url).path or "/"
    runner = web.AppRunner(build_webhook_app(bot, receiver, secret, path), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, listen, port)
    await site.start()
    try:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))
        log.info("webhook set", extra={"port": port})
        await stop.wait()
    finally:
        await runner.cleanup()
