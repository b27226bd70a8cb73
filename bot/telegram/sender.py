"""Delivers the Telegram outbox: per-chat and global rate limits, 429 retry_after, backoff, exactly one mark."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import timedelta
from itertools import groupby
from typing import TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.limiter import ChatLimiters, WindowLimiter
from bot.telegram.marks import SentMarks
from bot.telegram.render import MAX_CALLBACK_BYTES, keyboard, split_text, to_html
from bot.telegram.settings import TelegramSettings
from bot.telegram.updates import CHANNEL, from_message_key
from services.i18n import _
from services.outbox import OutboxQueue, PendingDelivery

log = logging.getLogger(__name__)
T = TypeVar("T")
UNREACHABLE = ("bot was blocked", "user is deactivated", "chat not found", "bot can't initiate", "kicked")
GROUP_NOTICE_EVERY_S = 3600.0


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def is_unreachable(error: TelegramError) -> bool:
    return isinstance(error, Forbidden) or any(mark in error.message.lower() for mark in UNREACHABLE)


class FatalTelegramError(Exception):
    """The bot cannot work at all (e.g. the token was revoked): stop, leaving every row pending."""


class TelegramSender:
    def __init__(
        self,
        bot: Bot,
        queue: OutboxQueue,
        shorten: Callable[[str], str],
        settings: TelegramSettings,
        db: Executor | None = None,
    ) -> None:
        self._db = db
        self._bot = bot
        self._queue = queue
        self._shorten = shorten
        self._settings = settings
        self._chats = ChatLimiters(settings.telegram_chat_rate)
        self._global = WindowLimiter(settings.telegram_global_rate, 1.0, paced=True)
        self._wake = asyncio.Event()
        self._marks = SentMarks(lambda rows: self._call(self._queue.sent_many, rows))
        self._last_scan = 0.0
        self._busy: dict[int, asyncio.Task[None]] = {}
        self._noticed: dict[int, float] = {}
        self._side_tasks: set[asyncio.Task[None]] = set()
        self.fatal: BaseException | None = None
        self.stats = {"sent": 0, "retry_after": 0, "network_errors": 0, "failed": 0}

    # --- the loop -------------------------------------------------------------------------------
    def notify(self) -> None:
        """Something was written to the outbox: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set() and self.fatal is None:
            self._wake.clear()
            room = self._room()
            # Under load every finished delivery wakes the loop: look at the outbox at most once per gap.
            gap = self._last_scan + self._settings.telegram_outbox_min_gap_seconds - time.monotonic()
            if room > 0 and gap > 0 and self._busy:
                await asyncio.sleep(gap)
                room = self._room()
            self._last_scan = time.monotonic()
            try:
                rows = await self._call(self._queue.due, CHANNEL, room, frozenset(self._busy)) if room > 0 else []
            except Exception:
                log.exception("outbox unavailable; retrying")
                rows = []
            for person_id, group in groupby(rows, key=lambda r: r.person_id):
                if person_id not in self._busy:
                    self._busy[person_id] = asyncio.create_task(self._deliver_person(person_id, list(group)))
            await self._sleep(stop, bool(rows))
        await self.finish()

    def _room(self) -> int:
        """How many more rows to take: up to two seconds of sends at the global limit are kept under way, and
        none are taken while more than one second's worth still waits (reading the backlog again then would
        only cost the database a scan: nothing new could go out sooner)."""
        rate = self._settings.telegram_global_rate
        if len(self._busy) > rate:
            return 0
        return 2 * rate - len(self._busy)

    async def _sleep(self, stop: asyncio.Event, had_rows: bool) -> None:
        timeout = self._settings.telegram_outbox_poll_seconds
        if not had_rows and not self._busy:
            try:
                due_in = await self._call(self._queue.next_due_in, CHANNEL)
            except Exception:
                due_in = None
            if due_in is not None:
                timeout = min(timeout, max(due_in, 0.01))
        waits = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()

    async def finish(self) -> None:
        """Let the deliveries under way complete (their rows are then marked)."""
        tasks = [*self._busy.values(), *self._side_tasks]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver_person(self, person_id: int, rows: list[PendingDelivery]) -> None:
        try:
            for row in rows:
                if not await self._deliver(row):
                    break
        except FatalTelegramError as exc:
            self.fatal = exc
        except Exception:
            log.exception("delivery failed; row stays pending", extra={"person": person_id})
        finally:
            self._busy.pop(person_id, None)
            self._wake.set()

    # --- one row --------------------------------------------------------------------------------
    async def _deliver(self, row: PendingDelivery) -> bool:
        """Send the row's parts; True when the person's next row may follow."""
        chat_id = int(row.recipient)
        parts = [row.text] if row.copy_of is not None else split_text(row.text)  # a copy goes once, whole
        markup = await self._markup(row)
        for index in range(min(row.parts_sent, len(parts) - 1), len(parts)):
            last = index == len(parts) - 1
            try:
                if row.copy_of is not None:
                    await self._copy(chat_id, row.copy_of)
                else:
                    await self._send(chat_id, to_html(parts[index]), markup if last else None)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.stats["retry_after"] += 1
                self._chats.get(chat_id).block(seconds)
                log.warning("telegram asked to slow down", extra={"outbox": row.id, "retry_after_s": seconds})
                await self._call(self._queue.retry, row.id, seconds, "429 retry_after", count_attempt=False)
                return False
            except InvalidToken as exc:
                raise FatalTelegramError("the bot token was refused") from exc
            except (BadRequest, Forbidden) as exc:
                unreachable = is_unreachable(exc)
                self.stats["failed"] += 1
                log.warning("message refused", extra={"outbox": row.id, "unreachable": unreachable})
                await self._call(self._queue.failed, row, exc.message, unreachable=unreachable)
                return True
            except NetworkError as exc:
                self.stats["network_errors"] += 1
                delay = self._backoff(row.attempts)
                log.warning("network error; will retry", extra={"outbox": row.id, "delay_s": round(delay, 2)})
                await self._call(self._queue.retry, row.id, delay, f"network: {type(exc).__name__}")
                return False
            if not last:
                await self._settle(self._queue.part_sent, row.id, index + 1)
        await self._marks.sent(row)
        self.stats["sent"] += 1
        return True

    async def _send(self, chat_id: int, html: str, markup: InlineKeyboardMarkup | None) -> None:
        async with self._chats.get(chat_id).slot(), self._global.slot():
            await self._bot.send_message(chat_id, html, parse_mode=ParseMode.HTML, reply_markup=markup)

    async def _copy(self, chat_id: int, source: str) -> None:
        """A copy of a message a user sent the bot (its inbox key, updates.message_key): no "forwarded from"."""
        from_chat_id, message_id = from_message_key(source)
        async with self._chats.get(chat_id).slot(), self._global.slot():
            await self._bot.copy_message(chat_id, from_chat_id, message_id)

    async def _markup(self, row: PendingDelivery) -> InlineKeyboardMarkup | None:
        if any(len(b.payload.encode("utf-8")) > MAX_CALLBACK_BYTES for b in row.buttons):
            return await self._call(keyboard, row.buttons, self._shorten)
        return keyboard(row.buttons, self._shorten)

    async def _call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Database work off the event loop, on the channel's database threads."""
        return await asyncio.get_running_loop().run_in_executor(self._db, functools.partial(fn, *args, **kwargs))

    async def _settle(self, fn: Callable[..., object], *args: object) -> None:
        """Record what Telegram accepted: retried until the database takes it, or the row would go twice."""
        delay = 0.05
        while True:
            try:
                await self._call(fn, *args)
                return
            except Exception:
                log.warning("delivery not recorded yet; retrying", extra={"delay_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _backoff(self, attempts: int) -> float:
        base = self._settings.telegram_retry_base_seconds * (2 ** min(attempts, 16))
        return float(min(self._settings.telegram_retry_max_seconds, base) * random.uniform(0.8, 1.2))

    # --- around a button press and in groups ----------------------------------------------------
    def press_handled(
        self, chat_id: int, callback_id: str, keyboard_message_id: int | None, *, duplicate: bool
    ) -> None:
        """Stop the button's spinner at once and take the old keyboard away (best effort)."""
        self._side(self._acknowledge(chat_id, callback_id, keyboard_message_id, duplicate))

    async def _acknowledge(
        self, chat_id: int, callback_id: str, keyboard_message_id: int | None, duplicate: bool
    ) -> None:
        text = _("That menu is out of date. Please use the newest message.") if duplicate else None
        try:
            await self._bot.answer_callback_query(callback_id, text=text)
        except TelegramError as exc:
            log.info("callback answer refused", extra={"error": type(exc).__name__})
        if keyboard_message_id is None:
            return
        try:
            async with self._global.slot():
                await self._bot.edit_message_reply_markup(chat_id, keyboard_message_id, reply_markup=None)
        except TelegramError as exc:  # already removed, too old, or a passing network error
            log.info("old keyboard not removed", extra={"error": type(exc).__name__})

    def refuse_group(self, chat_id: int, bot_username: str | None) -> None:
        """A group or channel: say once an hour that the bot works in private chats only."""
        now = time.monotonic()
        if now - self._noticed.get(chat_id, -GROUP_NOTICE_EVERY_S) < GROUP_NOTICE_EVERY_S:
            return
        self._noticed[chat_id] = now
        self._side(self._refuse(chat_id, bot_username))

    async def _refuse(self, chat_id: int, bot_username: str | None) -> None:
        text = _(
            "Hello! To protect the privacy of everyone who writes to the hotline, I only talk in private chats. "
            "Please message me directly."
        )
        markup = None
        if bot_username:
            label = _("Message the bot privately")
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, url=f"https://t.me/{bot_username}")]])
        try:
            await self._send(chat_id, to_html(text), markup)
        except TelegramError as exc:
            log.info("group notice not sent", extra={"error": type(exc).__name__})

    def _side(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro)  # type: ignore[arg-type]
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
