"""`hotline run`: the Telegram bot — inbox (polling or webhook), per-person turns, outbox sender, due work."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.telegram.commands import CHAT_COMMANDS_HOOK, chat_commands_hook, set_user_commands
from bot.telegram.dispatch import PersonQueues
from bot.telegram.polling import poll
from bot.telegram.receiver import Receiver
from bot.telegram.scheduler import start_scheduler
from bot.telegram.sender import TelegramSender
from bot.telegram.settings import TelegramSettings
from bot.telegram.updates import CHANNEL
from bot.telegram.webhook import serve_webhook
from services.bootstrap import App
from services.media import allow_copies
from services.menus import staff_menus
from services.outbox import OutboxQueue
from storage.button_payloads import shorten

log = logging.getLogger(__name__)


def build_application(app: App, tg: TelegramSettings) -> Application:  # type: ignore[type-arg]
    token = app.settings.telegram_token
    if token is None:
        raise ValueError("HOTLINE_TELEGRAM_TOKEN is not set")
    timeout = tg.telegram_request_timeout
    return (
        ApplicationBuilder()
        .token(token.get_secret_value())
        .base_url(tg.api_base_url(app.settings.telegram_base_url))
        .request(
            HTTPXRequest(
                connection_pool_size=64,
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                pool_timeout=timeout,
            )
        )
        .get_updates_request(HTTPXRequest(read_timeout=tg.telegram_poll_timeout + 10, connect_timeout=timeout))
        .updater(None)
        .build()
    )


class TelegramChannel:
    """Everything `hotline run` starts, wired together; `run()` returns when `stop` is set (SIGTERM/SIGINT)."""

    def __init__(self, app: App, tg: TelegramSettings) -> None:
        self.app = app
        self.tg = tg
        self.application = build_application(app, tg)
        self.stop = asyncio.Event()

    def _shorten(self, payload: str) -> str:
        with self.app.uow() as uow:
            key = shorten(uow.session, payload, self.app.clock.now())
            uow.commit()
        return key

    async def run(self) -> int:
        bot = self.application.bot
        # SQLite has one writer: one database thread avoids lock convoys; PostgreSQL locks rows.
        workers = 1 if self.app.engine.dialect.name == "sqlite" else self.tg.telegram_workers
        executor = ThreadPoolExecutor(workers, thread_name_prefix="hotline-db")
        loop = asyncio.get_running_loop()
        async with self.application:  # getMe, HTTP pools; closed on the way out
            queue = OutboxQueue(self.app.uow, self.app.clock)
            self.sender = TelegramSender(bot, queue, self._shorten, self.tg, executor)
            queues = PersonQueues(
                self.app.dialogue.process_people,
                executor,
                self.sender.notify,
                workers=workers,
                batch=self.tg.telegram_batch_people,
            )
            receiver = Receiver(self.app, queues, self.sender, executor, lambda: bot.username)
            self.app.extensions[CHAT_COMMANDS_HOOK] = chat_commands_hook(bot, loop, CHANNEL)
            allow_copies(self.app.extensions, CHANNEL)
            await set_user_commands(bot)
            # Staff chats get their own menus (a deactivated account's is taken away), in the background.
            for channel, external_id, commands in await loop.run_in_executor(
                executor, staff_menus, self.app.uow, self.app.extensions
            ):
                self.app.extensions[CHAT_COMMANDS_HOOK](channel, external_id, commands)
            # Whatever was left pending (a crash, a database outage) goes first, through the same queues.
            leftovers = await loop.run_in_executor(executor, self.app.dialogue.pending_people)
            for person_id in leftovers:
                queues.kick(person_id)
            log.info(
                "telegram channel started", extra={"leftovers": len(leftovers), "webhook": bool(self.tg.webhook_url)}
            )
            scheduler = start_scheduler(
                self.app, self.tg.telegram_tick_seconds, self.sender.notify, executor, kick=queues.kick
            )
            sending = asyncio.create_task(self.sender.run(self.stop))
            receiving = asyncio.create_task(self._receive(receiver))
            try:
                done, _pending = await asyncio.wait({sending, receiving}, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task.exception() is not None:
                        log.error("telegram channel stopping", extra={"error": type(task.exception()).__name__})
            finally:
                self.stop.set()
                receiving.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await receiving
                scheduler.shutdown(wait=False)
                await queues.drain()
                self.sender.notify()
                with suppress(Exception):
                    await sending
                executor.shutdown(wait=True)
                self.app.extensions.pop(CHAT_COMMANDS_HOOK, None)
        failed = self.sender.fatal is not None or (
            receiving.done() and not receiving.cancelled() and receiving.exception() is not None
        )
        log.info("telegram channel stopped")
        return 1 if failed else 0

    async def _receive(self, receiver: Receiver) -> None:
        bot = self.application.bot
        if self.tg.webhook_url:
            secret = self.tg.webhook_secret
            if secret is None:
                raise ValueError("HOTLINE_WEBHOOK_SECRET is required with HOTLINE_WEBHOOK_URL")
            await serve_webhook(
                bot,
                receiver,
                self.stop,
                url=self.tg.webhook_url,
                secret=secret.get_secret_value(),
                listen=self.tg.webhook_listen,
                port=self.tg.webhook_port,
            )
        else:
            await poll(bot, receiver, self.stop, timeout=self.tg.telegram_poll_timeout)


def run_telegram(app: App, tg: TelegramSettings | None = None) -> int:
    """Run until SIGTERM or SIGINT; pending work stays in the database for the next start."""
    freeze_startup_heap()

    async def main() -> int:
        channel = TelegramChannel(app, tg or TelegramSettings())
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, channel.stop.set)
        return await channel.run()

    return asyncio.run(main())


def freeze_startup_heap() -> None:
    """Keep what start-up built (libraries, the NLU model, the knowledge) out of the garbage collector's
    full passes: walking that heap took 60-110 ms each time, a pause every turn under way had to sit out."""
    gc.collect()
    gc.freeze()
