"""The Telegram channel (python-telegram-bot): durable inbox, per-person order, rate-limited outbox sender."""
