"""A local fake of the Telegram Bot API for end-to-end tests and the load benchmark."""

from tests.fake_telegram.server import FakeTelegram, Fault, SentMessage

__all__ = ["FakeTelegram", "Fault", "SentMessage"]
