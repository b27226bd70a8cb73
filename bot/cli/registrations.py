"""`hotline registrations …`: the staff work list of voluntary treatment registrations.

list shows masked values; show, set-status and export name the staff member (--actor) and are audited.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import open_app, print_rows
from services.bootstrap import App
from services.registration.places import NoMatch, Place, match_province
from services.registration.service import RegistrationNotFoundError, StatusChange, set_status
from services.registration.staff import staff_export, staff_list, staff_show
from services.registration.statuses import Status, parse_status

LIST_COLUMNS = ("code", "status", "created", "for_whom", "name", "age", "phone", "province", "form", "contact_time")
EXPORT_COLUMNS = (
    "code",
    "status",
    "created_at",
    "updated_at",
    "for_whom",
    "full_name",
    "birth",
    "age",
    "minor",
    "representative_name",
    "representative_relation",
    "phone",
    "province",
    "ward",
    "substances",
    "treatment_form",
    "contact_time",
    "citizen_id",
    "note",
    "erased",
)


def _status(text: str) -> Status:
    status = parse_status(text)
    if status is None:
        raise argparse.ArgumentTypeError(f"unknown status {text!r}; use one of: {', '.join(s.value for s in Status)}")
    return status


def _province(text: str) -> str:
    found = match_province(text)
    if isinstance(found, Place):
        return found.name
    if isinstance(found, NoMatch):
        raise argparse.ArgumentTypeError(f"no province matches {text!r}")
    raise argparse.ArgumentTypeError(f"{text!r} matches several provinces: {', '.join(p.name for p in found.places)}")


def _code(text: str) -> str:
    return text.strip().upper()


# --- the work, on an application (tests call these directly) ------------------------------------------------
def list_registrations(app: App, actor: str, status: Status | None, province: str | None) -> list[dict[str, Any]]:
    with app.uow() as uow:
        rows = staff_list(uow, actor, app.clock.now(), status.value if status else None, province)
        uow.commit()
    return rows


def show_registration(app: App, code: str, actor: str, reason: str) -> dict[str, Any]:
    with app.uow() as uow:
        record = staff_show(uow, code, actor, reason, app.clock.now())
        uow.commit()
    return record


def change_status(app: App, code: str, status: Status, actor: str, note: str | None) -> StatusChange:
    with app.uow() as uow:
        change = set_status(uow, code, status, actor, note, app.clock.now())
        uow.commit()
    return change


def export_csv(
    app: App, path: Path, actor: str, reason: str, status: Status | None = None, province: str | None = None
) -> int:
    """Write a CSV Excel opens as UTF-8 (with a BOM), readable by its owner only; returns the row count."""
    with app.uow() as uow:
        rows = staff_export(uow, actor, reason, app.clock.now(), status.value if status else None, province)
        uow.commit()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# --- argparse commands ---------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    with open_app(args) as app:
        rows = list_registrations(app, args.actor, args.status, args.province)
    print_rows(rows, LIST_COLUMNS, as_json=args.json)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_app(args) as app:
        try:
            record = show_registration(app, args.code, args.actor, args.reason)
        except RegistrationNotFoundError:
            print(f"no registration {args.code}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    for key, value in record.items():
        if key != "history":
            print(f"{key}: {value}")
    print("history:")
    for event in record["history"]:
        note = f" — {event['note']}" if event["note"] else ""
        told = "" if event["notified"] else " (person not notified)"
        print(f"  {event['at']}  {event['status']}  by {event['actor']}{told}{note}")
    return 0


def cmd_set_status(args: argparse.Namespace) -> int:
    with open_app(args) as app:
        try:
            change = change_status(app, args.code, args.status, args.actor, args.note)
        except RegistrationNotFoundError:
            print(f"no registration {args.code}", file=sys.stderr)
            return 1
    told = "the person was notified" if change.notified else "not notified: deleted at the person's request"
    print(f"{change.code}: {change.status.value} ({told})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with open_app(args) as app:
        count = export_csv(app, Path(args.csv), args.actor, args.reason, args.status, args.province)
    print(f"exported {count} registrations to {args.csv}")
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("registrations", help="voluntary treatment registrations (staff work list)")
    sub = parser.add_subparsers(dest="registrations_command", required=True)
    statuses = ", ".join(s.value for s in Status)

    listing = sub.add_parser("list", parents=[common], help="list registrations (masked values)")
    listing.add_argument("--status", type=_status, help=f"only this status ({statuses})")
    listing.add_argument("--province", type=_province, help="only this province (e.g. 'ho chi minh')")
    listing.add_argument("--actor", default=f"cli:{getpass.getuser()}", help="who is looking (for the audit log)")
    listing.set_defaults(func=cmd_list)

    show = sub.add_parser("show", parents=[common], help="one registration with every value (audited)")
    show.add_argument("code", type=_code)
    show.add_argument("--actor", required=True, help="who is looking")
    show.add_argument("--reason", required=True, help="why (kept in the audit log)")
    show.set_defaults(func=cmd_show)

    change = sub.add_parser("set-status", parents=[common], help="move a registration on (notifies the person)")
    change.add_argument("code", type=_code)
    change.add_argument("status", type=_status, help=statuses)
    change.add_argument("--note", help="a staff note kept with the change (not sent to the person)")
    change.add_argument("--actor", required=True, help="who changes it")
    change.set_defaults(func=cmd_set_status)

    export = sub.add_parser("export", parents=[common], help="write a CSV for Excel (UTF-8 with BOM; audited)")
    export.add_argument("--csv", required=True, help="the file to write")
    export.add_argument("--actor", required=True, help="who exports")
    export.add_argument("--reason", default="follow-up work list", help="why (kept in the audit log)")
    export.add_argument("--status", type=_status)
    export.add_argument("--province", type=_province)
    export.set_defaults(func=cmd_export)
