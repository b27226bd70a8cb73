"""The counsellors' own command menu: set when an invitation is redeemed, and for every account at the bot's start
(a deactivated account's menu is taken away then)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from services.handoff.core import DESK_COMMAND_HELP
from services.i18n import _
from services.menus import CommandList, StaffMenus
from storage.handoff_models import Counsellor
from storage.uow import UnitOfWork


def counsellor_commands(extensions: Mapping[str, Any]) -> list[tuple[str, str]]:
    commands = [
        ("on", _("Start your shift")),
        ("off", _("End your shift")),
        ("accept", _("Take the first person waiting")),
        ("chats", _("Your open conversations")),
        ("note", _("A private note on the conversation")),
        ("transfer", _("Hand the conversation to a colleague")),
        ("close", _("Close the conversation")),
        ("enrol", _("Offer after-care")),
    ]
    return commands + [(word, describe()) for word, describe in extensions.get(DESK_COMMAND_HELP, {}).items()]


def counsellor_menus(extensions: Mapping[str, Any]) -> StaffMenus:
    def menus(uow: UnitOfWork) -> list[tuple[str, str, CommandList]]:
        commands = counsellor_commands(extensions)
        accounts = uow.session.scalars(select(Counsellor).order_by(Counsellor.id))
        return [(c.channel, c.external_id, commands if c.active else []) for c in accounts]

    return menus
