"""Webhook mode: Telegram posts each update; we answer 200 only after the update is stored."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from bot.telegram.receiver import Receiver
from bot.telegram.updates import ALLOWED_UPDATES

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def build_webhook_app(bot: Bot, receiver: Receiver, secret: str, path: str) -> web.Application:
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
            await receiver.accept([update])
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
