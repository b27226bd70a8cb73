"""`hotline supporters …`: after-care supporters' accounts, one-time invitations, assignments, deactivation."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any

from bot.cli.common import audit_actor, open_app, print_rows
from services.supporters.accounts import add_supporter, create_invite, deactivate, masked_id
from services.supporters.assignments import assign, find_supporter
from services.supporters.core import SupporterError, Supporters, audit
from services.supporters.feature import SUPPORTERS
from services.supporters.repository import SupporterRepository

DEFAULT_CHANNEL = "telegram"


def _channel(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--channel", default=DEFAULT_CHANNEL, help="the channel of the id (default: telegram)")


def _fail(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 1


def cmd_add(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        try:
            supporter = add_supporter(
                uow,
                args.channel,
                args.id,
                args.name,
                args.org,
                args.commune,
                app.clock.now(),
                capacity=args.capacity or None,
                actor=audit_actor(),
            )
        except SupporterError as exc:
            return _fail(exc)
        uow.commit()
        sp: Supporters = app.extensions[SUPPORTERS]
        print(f"supporter {supporter.id} added ({supporter.org}, up to {sp.capacity_of(supporter)} people)")
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        sp: Supporters = app.extensions[SUPPORTERS]
        hours = args.hours or sp.settings.invite_valid_hours
        try:
            code = create_invite(
                uow,
                app.clock.now(),
                name=args.name,
                org=args.org,
                commune=args.commune,
                valid_for=timedelta(hours=hours),
                capacity=args.capacity or None,
                actor=audit_actor(),
            )
        except SupporterError as exc:
            return _fail(exc)
        uow.commit()
    print(f"invitation code: {code}")
    print(f"valid for {hours} h, once. The new supporter sends the bot:  /start {code}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        sp: Supporters = app.extensions[SUPPORTERS]
        repo = SupporterRepository(uow.session)
        load = repo.load()
        rows: list[dict[str, Any]] = [
            {
                "id": s.id,
                "name": s.name,
                "org": s.org,
                "commune": s.commune,
                "active": s.active,
                "people": load.get(s.id, 0),
                "capacity": sp.capacity_of(s),
                "channel": s.channel,
                "channel_id": masked_id(s),
            }
            for s in repo.all()
        ]
        audit(uow, app.clock.now(), audit_actor(), "supporters.list", "supporter", "*", "")
        uow.commit()
    print_rows(rows, ["id", "name", "org", "commune", "active", "people", "capacity", "channel_id"], as_json=args.json)
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        supporter = SupporterRepository(uow.session).find(args.channel, args.id)
        if supporter is None or not supporter.active:
            print("error: no active supporter has this id", file=sys.stderr)
            return 1
        ended = deactivate(app.extensions[SUPPORTERS], uow, supporter, app.clock.now(), actor=audit_actor())
        uow.commit()
    print(f"supporter {supporter.id} deactivated; {ended} assignments ended (the people were told)")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        person = uow.people.find(args.channel, args.person)
        if person is None:
            print("error: nobody with this id has written to the bot", file=sys.stderr)
            return 1
        try:
            supporter = find_supporter(SupporterRepository(uow.session), args.supporter)
            assignment, warning = assign(
                app.extensions[SUPPORTERS],
                uow,
                person.id,
                supporter,
                app.clock.now(),
                by=audit_actor(),
                label=args.label,
                force=args.force,
            )
        except SupporterError as exc:
            return _fail(exc)
        uow.commit()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"assignment {assignment.id}: the person was asked to agree; nothing is shared before their yes")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("supporters", help="after-care supporters (người được phân công giúp đỡ)")
    commands = parser.add_subparsers(dest="supporters_command", required=True)

    add = commands.add_parser("add", parents=[common], help="add a supporter by channel id")
    add.add_argument("--id", required=True, help="the channel id (a Telegram user id, or a console id)")
    add.add_argument("--name", required=True, help="the name people will see, e.g. “Chị Hoa”")
    add.add_argument("--org", required=True, help="e.g. “Hội Phụ nữ xã Tân Phú”")
    add.add_argument("--commune", default="", help="the commune or ward")
    add.add_argument("--capacity", type=int, default=0, help="people at most (default: the setting, 2)")
    _channel(add)
    add.set_defaults(func=cmd_add)

    invite = commands.add_parser("invite", parents=[common], help="a one-time code redeemed with /start CODE")
    invite.add_argument("--name", required=True)
    invite.add_argument("--org", required=True)
    invite.add_argument("--commune", default="")
    invite.add_argument("--capacity", type=int, default=0)
    invite.add_argument("--hours", type=int, default=0, help="validity (default: the setting, 72)")
    invite.set_defaults(func=cmd_invite)

    listing = commands.add_parser("list", parents=[common], help="list supporters (channel ids masked; audited)")
    listing.set_defaults(func=cmd_list)

    off = commands.add_parser("deactivate", parents=[common], help="close an account; its assignments end")
    off.add_argument("--id", required=True)
    _channel(off)
    off.set_defaults(func=cmd_deactivate)

    give = commands.add_parser("assign", parents=[common], help="ask a person in after-care to share with a supporter")
    give.add_argument("--person", required=True, help="the person's channel id")
    give.add_argument("--supporter", required=True, help="the supporter's number (hotline supporters list)")
    give.add_argument("--label", help="the name the supporter knows the person by (encrypted)")
    give.add_argument("--force", action="store_true", help="assign beyond the supporter's limit (a warning)")
    _channel(give)
    give.set_defaults(func=cmd_assign)
