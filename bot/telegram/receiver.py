"""Durable inbox for Telegram: every update is stored before it is acknowledged, then handled per person."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

from telegram import Update

from bot.telegram.dispatch import PersonQueues
from bot.telegram.sender import TelegramSender
from bot.telegram.updates import Incoming, NotPrivate, convert
from services.bootstrap import App
from services.dialogue.service import Stored
from services.types import Inbound
from storage.button_payloads import KEY_PREFIX, resolve

log = logging.getLogger(__name__)
HANDLE_ON_RECEIPT_MAX = 8  # a quiet moment's few updates: their turns run in the storing transaction


class Receiver:
    """`accept(updates)` returns only once every update is in the inbox (or raises: then nothing is acknowledged)."""

    def __init__(
        self,
        app: App,
        queues: PersonQueues,
        sender: TelegramSender,
        executor: Executor,
        bot_username: Callable[[], str | None],
    ) -> None:
        self._app = app
        self._queues = queues
        self._sender = sender
        self._executor = executor
        self._bot_username = bot_username
        self.received = 0

    async def accept(self, updates: Sequence[Update]) -> None:
        now = self._app.clock.now()
        incoming: list[Incoming] = []
        for update in updates:
            try:
                item = convert(update, now)
            except Exception:  # a shape we do not know: acknowledged and skipped, never a crash
                log.exception("update not understood; skipped", extra={"update": update.update_id})
                continue
            if isinstance(item, Incoming):
                incoming.append(item)
            elif isinstance(item, NotPrivate):
                self._sender.refuse_group(item.chat_id, self._bot_username())
        if not incoming:
            return
        # A few updates (a quiet moment) are handled as they are stored: that saves a transaction and a trip
        # through the queues per message, which is most of a lone message's cost. A burst is only stored, and the
        # queues group its turns. (Handling on receipt whenever the queues were idle was worse: one busy moment
        # sent every later update through the queues, and at 60 updates/s the bot stayed there.)
        store = self._store_and_handle if len(incoming) <= HANDLE_ON_RECEIPT_MAX else self._store
        loop = asyncio.get_running_loop()
        stored = await loop.run_in_executor(self._executor, store, [item.inbound for item in incoming])
        self.received += len(incoming)
        replies = False
        for item, result in zip(incoming, stored, strict=True):
            if item.callback_id is not None:
                self._sender.press_handled(
                    item.chat_id, item.callback_id, item.keyboard_message_id, duplicate=result is None
                )
            if result is None:
                log.info("duplicate update dropped", extra={"channel": item.inbound.channel})
            elif result.handled:
                replies = True
            else:
                self._queues.kick(result.person_id)
        if replies:
            self._sender.notify()

    def _store(self, inbounds: list[Inbound]) -> list[Stored | None]:
        """The whole batch in one transaction: all stored, or none (then nothing is acknowledged)."""
        return self._app.dialogue.receive_many([self._expand(inbound) for inbound in inbounds])

    def _store_and_handle(self, inbounds: list[Inbound]) -> list[Stored | None]:
        return self._app.dialogue.receive_and_handle([self._expand(inbound) for inbound in inbounds])

    def _expand(self, inbound: Inbound) -> Inbound:
        """A long payload travels as a short key; the core sees the payload (an unknown key stays stale)."""
        if inbound.payload is None or not inbound.payload.startswith(KEY_PREFIX):
            return inbound
        with self._app.uow() as uow:
            payload = resolve(uow.session, inbound.payload)
        if payload is None:
            return inbound
        return Inbound(
            inbound.channel,
            inbound.user_id,
            inbound.message_id,
            inbound.received_at,
            inbound.text,
            payload,
            inbound.kind,
        )
