"""`hotline aftercare list|enrol` and `hotline reports aftercare`: after-care for supervisors (masked, audited)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.cli.common import command_group, open_app, print_rows
from services.aftercare.feature import CONTEXT_HOOK, HOOKS_HOOK
from services.aftercare.reports import build_report, enrolment_rows, mask
from services.aftercare.repository import AftercareRepository, is_enrolled
from storage.models import AuditLog

LIST_COLUMNS = ("id", "person", "channel", "status", "time", "since", "next", "sent", "answered", "missed_in_a_row")
ACTOR = "cli"


def _audit(action: str, subject_type: str, subject_id: str, reason: str, at: Any) -> AuditLog:
    return AuditLog(at=at, actor=ACTOR, action=action, subject_type=subject_type, subject_id=subject_id, reason=reason)


def cmd_list(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        rows = enrolment_rows(uow, app.extensions[CONTEXT_HOOK])
        uow.audit.add(_audit("aftercare.list", "aftercare", "*", f"listed {len(rows)} enrolments", app.clock.now()))
        uow.commit()
    print_rows(rows, LIST_COLUMNS, as_json=args.json)
    return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    """Send the consent question to a person the hotline knows (by channel id); nothing starts without a yes."""
    with open_app(args) as app, app.uow() as uow:
        person = uow.people.find(args.channel, args.id)
        if person is None or person.deleted_at is not None:
            print(f"No person with id {mask(args.id)} on channel {args.channel!r}.", file=sys.stderr)
            return 1
        current = AftercareRepository(uow.session).enrolment(person.id)
        if current is not None and is_enrolled(current):
            who = f"Person #{person.id} ({mask(args.id)})"
            print(f"{who} is already in the check-ins ({current.status}); nothing sent.")
            return 0
        now = app.clock.now()
        app.extensions[HOOKS_HOOK].offer(uow, person.id, now, by="cli")
        uow.audit.add(_audit("aftercare.offer", "person", str(person.id), "after-care consent question sent", now))
        uow.commit()
    print(f"Sent the after-care consent question to person #{person.id} ({mask(args.id)}).")
    print("The check-ins start when the person answers yes.")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        report = build_report(uow, app.extensions[CONTEXT_HOOK], app.clock.now())
    data = report.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    rate = "—" if report.answer_rate is None else f"{report.answer_rate:.0%}"
    print(f"enrolled (ever): {report.enrolled}")
    print(f"active: {report.active}  paused: {report.paused}  stopped: {report.stopped}  completed: {report.completed}")
    print(f"offered, no answer yet: {report.offered}  declined: {report.declined}")
    print(f"check-ins sent: {report.checkins_sent}  answered: {report.answered}  missed: {report.missed}  ", end="")
    print(f"skipped: {report.skipped}  answer rate: {rate}  follow-ups: {report.followups}")
    print("answers: " + (", ".join(f"{k} {v}" for k, v in sorted(report.answers.items())) or "—"))
    print(f"relapses reported: {report.relapses}")
    print("escalations: " + (", ".join(f"{k} {v}" for k, v in sorted(report.escalations.items())) or "—"))
    print("craving trend (week: reports, mean level 0-10):")
    for week in report.craving_trend:
        print(f"  {week.week}: {week.reports}, {week.mean_level}")
    if not report.craving_trend:
        print("  —")
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = subparsers.add_parser("aftercare", help="after-care check-ins").add_subparsers(
        dest="aftercare_command", required=True
    )
    listing = group.add_parser("list", parents=[common], help="enrolments (channel ids masked)")
    listing.set_defaults(func=cmd_list)
    enrol = group.add_parser("enrol", parents=[common], help="send a person the after-care consent question")
    enrol.add_argument("--id", required=True, help="the person's channel id (e.g. a Telegram user id)")
    enrol.add_argument("--channel", default="telegram", help="the channel (default: telegram)")
    enrol.set_defaults(func=cmd_enrol)
    reports = command_group(subparsers, "reports", "reports for supervisors")
    report = reports.add_parser("aftercare", parents=[common], help="after-care figures")
    report.set_defaults(func=cmd_report)
