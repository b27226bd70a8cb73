"""The command menus Telegram shows: one for everyone, and per-chat lists (counsellors) set by other features."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from services.i18n import _
from services.menus import CHAT_COMMANDS_HOOK, CommandList

__all__ = ["CHAT_COMMANDS_HOOK", "chat_commands_hook", "set_chat_commands", "set_user_commands", "user_commands"]
log = logging.getLogger(__name__)


def user_commands() -> list[BotCommand]:
    return [
        BotCommand("start", _("Start, or see the main menu")),
        BotCommand("help", _("What the assistant can do")),
        BotCommand("counsellor", _("Talk to a counsellor")),
        BotCommand("status", _("My registration")),
        BotCommand("cancel", _("Stop what we are doing")),
        BotCommand("delete", _("Delete my data")),
    ]


async def set_user_commands(bot: Bot) -> None:
    await bot.set_my_commands(user_commands(), scope=BotCommandScopeDefault())


async def set_chat_commands(bot: Bot, chat_id: int, commands: CommandList) -> None:
    """A command menu for one chat only (e.g. a counsellor's); an empty list restores the default one."""
    scope = BotCommandScopeChat(chat_id)
    if commands:
        await bot.set_my_commands([BotCommand(name, text) for name, text in commands], scope=scope)
    else:
        await bot.delete_my_commands(scope=scope)


def chat_commands_hook(
    bot: Bot, loop: asyncio.AbstractEventLoop, channel: str
) -> Callable[[str, str, CommandList], None]:
    """A synchronous hook for the core (which runs in worker threads): schedules the call on the bot's loop."""

    def hook(target_channel: str, external_id: str, commands: CommandList) -> None:
        if target_channel != channel:
            return

        async def call() -> None:
            try:
                await set_chat_commands(bot, int(external_id), list(commands))
            except TelegramError as exc:
                log.warning("chat commands not set", extra={"error": type(exc).__name__})

        asyncio.run_coroutine_threadsafe(call(), loop)

    return hook
