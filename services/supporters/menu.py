"""The supporters' own command menu: set when an invitation is redeemed, and for every account at the bot's start
(a deactivated account's menu is taken away then)."""

from __future__ import annotations

from sqlalchemy import select

from services.i18n import _
from services.menus import CommandList
from storage.supporter_models import Supporter
from storage.uow import UnitOfWork


def supporter_commands() -> list[tuple[str, str]]:
    return [
        ("people", _("The people assigned to you and their week")),
        ("msg", _("A message to one of them: /msg N text")),
        ("ack", _("You have been in touch: /ack N [note]")),
    ]


def supporter_menus(uow: UnitOfWork) -> list[tuple[str, str, CommandList]]:
    commands = supporter_commands()
    accounts = uow.session.scalars(select(Supporter).order_by(Supporter.id))
    return [(s.channel, s.external_id, commands if s.active else []) for s in accounts]
