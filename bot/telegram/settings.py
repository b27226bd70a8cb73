"""The Telegram channel's knobs (environment, prefix HOTLINE_), beside the core settings."""

from __future__ import annotations

import os

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org/bot"


class TelegramSettings(BaseSettings):
    """Webhook, rate limits and timings of the Telegram channel."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    webhook_url: str | None = None  # public HTTPS URL Telegram posts updates to; polling when unset
    webhook_secret: SecretStr | None = None  # X-Telegram-Bot-Api-Secret-Token; required with a webhook
    webhook_listen: str = "127.0.0.1"  # the reverse proxy in front forwards to this address
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_chat_rate: float = Field(default=1.0, gt=0)  # messages per second to one chat
    telegram_global_rate: int = Field(default=30, ge=1)  # messages per second overall
    telegram_poll_timeout: int = Field(default=25, ge=0, le=50)  # long-polling wait, seconds
    # Threads running the (synchronous) core on PostgreSQL, one per core: more only contend for the interpreter
    # (measured on 2 cores: 4 threads handled fewer updates per second than 2, with a longer tail).
    telegram_workers: int = Field(default_factory=lambda: max(2, min(8, os.cpu_count() or 2)), ge=1, le=32)
    telegram_batch_people: int = Field(default=32, ge=1, le=1000)  # most people whose turns share a transaction
    telegram_tick_seconds: float = Field(default=5.0, gt=0)  # how often due work runs
    telegram_outbox_poll_seconds: float = Field(default=1.0, gt=0)  # outbox check when nothing woke the sender
    telegram_outbox_min_gap_seconds: float = Field(default=0.05, ge=0)  # outbox scans at most this often when busy
    telegram_retry_base_seconds: float = Field(default=1.0, gt=0)  # network errors: 1, 2, 4 … seconds
    telegram_retry_max_seconds: float = Field(default=300.0, gt=0)
    telegram_request_timeout: float = Field(default=10.0, gt=0)

    def api_base_url(self, configured: str | None) -> str:
        return configured.rstrip("/") if configured else TELEGRAM_API
