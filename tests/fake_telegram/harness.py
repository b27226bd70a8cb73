"""Runs the real Telegram channel (python-telegram-bot over HTTP) in a thread against the fake server."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

from pydantic import SecretStr

from bot.telegram.runner import TelegramChannel
from bot.telegram.settings import TelegramSettings
from services.bootstrap import App
from tests.fake_telegram.server import FakeTelegram

FAST = {
    "telegram_chat_rate": 20.0,
    "telegram_global_rate": 100,
    "telegram_poll_timeout": 1,
    "telegram_tick_seconds": 0.5,
    "telegram_outbox_poll_seconds": 0.2,
    "telegram_retry_base_seconds": 0.1,
    "telegram_retry_max_seconds": 1.0,
    "telegram_request_timeout": 1.0,
}


def fast_server(**overrides: Any) -> FakeTelegram:
    """A fake server whose limits match FAST (tests need not wait a second between messages)."""
    values: dict[str, Any] = {"chat_limit": 1, "chat_period": 0.05, "global_limit": 100, "global_period": 1.0}
    values.update(overrides)
    return FakeTelegram(**values)


def free_port() -> int:
    """A loopback port nobody listens on now (for a webhook the bot is to serve)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_env(secret: str) -> dict[str, str]:
    """`hotline run`'s environment for webhook mode on a free loopback port (the same at every restart)."""
    port = free_port()
    return {
        "HOTLINE_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "HOTLINE_WEBHOOK_SECRET": secret,
        "HOTLINE_WEBHOOK_PORT": str(port),
    }


def channel_settings(**overrides: Any) -> TelegramSettings:
    values: dict[str, Any] = dict(FAST)
    values.update(overrides)
    return TelegramSettings.model_validate(values)


class RunningBot:
    """The channel on its own event loop in a thread; `stop()` shuts it down like SIGTERM would."""

    def __init__(self, app: App, server: FakeTelegram, tg: TelegramSettings | None = None) -> None:
        app.settings = app.settings.model_copy(
            update={"telegram_token": SecretStr(server.token), "telegram_base_url": server.base_url}
        )
        self.app = app
        self.server = server
        self.tg = tg or channel_settings()
        self.result: int | None = None
        self.error: BaseException | None = None
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.channel: TelegramChannel | None = None
        self._thread = threading.Thread(target=self._main, daemon=True, name="telegram-bot")

    def _main(self) -> None:
        async def run() -> int:
            self._loop = asyncio.get_running_loop()
            self.channel = TelegramChannel(self.app, self.tg)
            self._started.set()
            return await self.channel.run()

        try:
            self.result = asyncio.run(run())
        except BaseException as exc:
            self.error = exc
            self._started.set()

    def start(self) -> RunningBot:
        self._thread.start()
        self._started.wait(10)
        if self.error is not None:
            raise self.error
        return self

    def stop(self, timeout: float = 20.0) -> int | None:
        if self._loop is not None and self.channel is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.channel.stop.set)
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the bot did not stop"
        if self.error is not None:
            raise self.error
        return self.result

    def __enter__(self) -> RunningBot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
