"""Per-chat command menus (staff): features say who gets which menu; the channel shows them (Telegram sets a
chat's own command list). Without a channel that has menus (the console chat), nothing happens."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import event

from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# (command, description) pairs, descriptions already translated; an empty list gives the chat the default menu back
CommandList = Sequence[tuple[str, str]]
# extensions[CHAT_COMMANDS_HOOK](channel, external_id, commands): set by a channel that can show per-chat menus
CHAT_COMMANDS_HOOK = "channel.chat_commands"
# extensions[STAFF_MENUS]: [fn(uow) -> [(channel, external_id, commands)]], every staff chat's menu, applied at start
STAFF_MENUS = "menus.staff"
StaffMenus = Callable[[UnitOfWork], list[tuple[str, str, CommandList]]]


def show_menu(
    uow: UnitOfWork, extensions: Mapping[str, Any], channel: str, external_id: str, commands: CommandList
) -> None:
    """Give one chat its own menu once the caller's transaction commits (best effort: the channel sends it in
    the background). A transaction rolled back shows nothing: its turn may run again, or never have happened."""
    hook = extensions.get(CHAT_COMMANDS_HOOK)
    if hook is None:
        return

    def show(_session: object) -> None:
        try:
            hook(channel, external_id, commands)
        except Exception as exc:  # the commit stands whatever the channel does
            log.warning("chat menu not shown", extra={"error": type(exc).__name__})

    event.listen(uow.session, "after_commit", show, once=True)


def staff_menus(
    uow_factory: Callable[[], UnitOfWork], extensions: Mapping[str, Any]
) -> list[tuple[str, str, CommandList]]:
    """Every staff chat's menu as the features know it now (a deactivated account's is empty)."""
    with uow_factory() as uow:
        return [menu for menus in extensions.get(STAFF_MENUS, []) for menu in menus(uow)]
