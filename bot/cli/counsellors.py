"""`hotline counsellors …`: accounts, one-time invitations, deactivation and the weekly roster."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.cli.common import audit_actor, open_app, print_rows
from services.handoff.accounts import ROLES, AccountError, add_counsellor, create_invite
from services.handoff.admin import add_shifts, deactivate, set_roster
from services.handoff.core import Handoff, Repos
from services.handoff.feature import HANDOFF
from services.handoff.roster import RosterError, describe, roster_specs, shift_specs
from services.handoff.texts import mask
from storage.models import AuditLog

DEFAULT_CHANNEL = "telegram"


def _channel(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--channel", default=DEFAULT_CHANNEL, help="the channel of the id (default: telegram)")


def cmd_add(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        h: Handoff = app.extensions[HANDOFF]
        try:
            counsellor = add_counsellor(
                uow,
                args.channel,
                args.id,
                args.name,
                app.clock.now(),
                role=args.role,
                capacity=args.capacity or h.settings.capacity,
                actor=audit_actor(),
            )
        except AccountError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        uow.commit()
        print(
            f"counsellor {counsellor.id} ({counsellor.role}, capacity {counsellor.capacity}) added; /on starts a shift"
        )
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        h: Handoff = app.extensions[HANDOFF]
        hours = args.hours or h.settings.invite_valid_hours
        code = create_invite(
            uow, app.clock.now(), valid_for=timedelta(hours=hours), name=args.name, role=args.role, actor=audit_actor()
        )
        uow.commit()
    print(f"invitation code: {code}")
    print(f"valid for {hours} h, once. The new counsellor sends the bot:  /start {code}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        repos = Repos(uow)
        counts = repos.counsellors.open_counts()
        shifts: dict[int, list[str]] = {}
        for shift in repos.counsellors.shifts():
            shifts.setdefault(shift.counsellor_id, []).append(describe(shift))
        rows: list[dict[str, Any]] = [
            {
                "id": c.id,
                "name": c.name,
                "role": c.role,
                "active": c.active,
                "on_duty": c.on_duty,
                "open": counts.get(c.id, 0),
                "capacity": c.capacity,
                "channel": c.channel,
                "channel_id": mask(c.external_id),
                "shifts": ", ".join(shifts.get(c.id, [])),
            }
            for c in repos.counsellors.all()
        ]
        uow.audit.add(
            AuditLog(
                at=app.clock.now(),
                actor=audit_actor(),
                action="counsellors.list",
                subject_type="counsellor",
                subject_id="*",
            )
        )
        uow.commit()
    print_rows(
        rows, ["id", "name", "role", "active", "on_duty", "open", "capacity", "channel_id", "shifts"], as_json=args.json
    )
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        counsellor = Repos(uow).counsellors.find(args.channel, args.id)
        if counsellor is None or not counsellor.active:
            print("error: no active counsellor has this id", file=sys.stderr)
            return 1
        moved = deactivate(app.extensions[HANDOFF], uow, counsellor, app.clock.now(), actor=audit_actor())
        uow.commit()
    print(f"counsellor {counsellor.id} deactivated; {moved} open conversations went back to the front of the queue")
    return 0


def cmd_roster_set(args: argparse.Namespace) -> int:
    try:
        doc = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
        specs = roster_specs(doc, args.channel)
    except (OSError, yaml.YAMLError, RosterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with open_app(args) as app, app.uow() as uow:
        try:
            count = set_roster(uow, specs, app.clock.now(), actor=audit_actor())
        except RosterError as exc:
            print(f"error: {exc}; the roster was not changed", file=sys.stderr)
            return 1
        uow.commit()
    print(f"roster set: {count} weekly shifts (Asia/Ho_Chi_Minh); the scheduler applies them at each shift's edges")
    return 0


def cmd_roster_add(args: argparse.Namespace) -> int:
    try:
        specs = shift_specs(
            {"days": args.days, "start": args.start, "end": args.end}, channel=args.channel, external_id=args.id
        )
    except RosterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with open_app(args) as app, app.uow() as uow:
        try:
            count = add_shifts(uow, specs, app.clock.now(), actor=audit_actor())
        except RosterError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        uow.commit()
    print(f"{count} weekly shifts added")
    return 0


def cmd_roster_show(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        repos = Repos(uow)
        names = {c.id: c.name for c in repos.counsellors.all()}
        rows = [
            {"counsellor": s.counsellor_id, "name": names.get(s.counsellor_id, ""), "shift": describe(s)}
            for s in repos.counsellors.shifts()
        ]
    print_rows(rows, ["counsellor", "name", "shift"], as_json=args.json)
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("counsellors", help="counsellor accounts, invitations and the roster")
    commands = parser.add_subparsers(dest="counsellors_command", required=True)

    add = commands.add_parser("add", parents=[common], help="add a counsellor by channel id")
    add.add_argument("--id", required=True, help="the channel id (a Telegram user id, or a console id)")
    add.add_argument("--name", required=True, help="the first name or pseudonym people will see")
    add.add_argument("--role", choices=ROLES, default="counsellor")
    add.add_argument("--capacity", type=int, default=0, help="concurrent conversations (default: the setting, 3)")
    _channel(add)
    add.set_defaults(func=cmd_add)

    invite = commands.add_parser("invite", parents=[common], help="a one-time code redeemed with /start CODE")
    invite.add_argument("--name", help="the name people will see (asked on redemption if not given)")
    invite.add_argument("--role", choices=ROLES, default="counsellor")
    invite.add_argument("--hours", type=int, default=0, help="validity (default: the setting, 72)")
    invite.set_defaults(func=cmd_invite)

    listing = commands.add_parser("list", parents=[common], help="list counsellors (channel ids masked)")
    listing.set_defaults(func=cmd_list)

    off = commands.add_parser("deactivate", parents=[common], help="close an account; its chats go back to the queue")
    off.add_argument("--id", required=True)
    _channel(off)
    off.set_defaults(func=cmd_deactivate)

    roster = commands.add_parser("roster", help="the weekly roster (Asia/Ho_Chi_Minh)")
    roster_commands = roster.add_subparsers(dest="roster_command", required=True)
    set_ = roster_commands.add_parser("set", parents=[common], help="replace the roster from a YAML file")
    set_.add_argument("file")
    _channel(set_)
    set_.set_defaults(func=cmd_roster_set)
    add_shift = roster_commands.add_parser("add", parents=[common], help="add weekly shifts for one counsellor")
    add_shift.add_argument("--id", required=True)
    add_shift.add_argument("--days", required=True, help="e.g. mon-fri, daily, sat,sun, t2-t6")
    add_shift.add_argument("--start", required=True, help="HH:MM")
    add_shift.add_argument("--end", required=True, help="HH:MM (earlier than start: overnight)")
    _channel(add_shift)
    add_shift.set_defaults(func=cmd_roster_add)
    show = roster_commands.add_parser("show", parents=[common], help="print the roster")
    show.set_defaults(func=cmd_roster_show)
