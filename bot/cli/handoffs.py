"""`hotline handoffs list` and `hotline reports handoffs`: the records of the counsellors' queue."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from bot.cli.common import audit_actor, command_group, open_app, print_rows
from services.handoff.reports import format_report, list_rows, report
from services.i18n import LOCAL_TZ
from storage.models import HandoffStatus


def cmd_list(args: argparse.Namespace) -> int:
    with open_app(args) as app, app.uow() as uow:
        rows = list_rows(uow, args.status, audit_actor(), app.clock.now())
        uow.commit()
    columns = [
        "id",
        "status",
        "priority",
        "crisis",
        "reason",
        "created_at",
        "wait_min",
        "counsellor",
        "outcome",
        "csat",
        "callback",
    ]
    print_rows(rows, columns, as_json=args.json)
    return 0


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def cmd_report(args: argparse.Namespace) -> int:
    try:
        since = _since(args.since)
    except ValueError:
        print("error: --since takes a date or time like 2026-11-01 or 2026-11-01T08:00", file=sys.stderr)
        return 2
    with open_app(args) as app, app.uow() as uow:
        data: dict[str, Any] = report(uow, since, audit_actor(), app.clock.now())
        uow.commit()
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else format_report(data))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    handoffs = command_group(sub, "handoffs", "the counsellors' queue and conversations")
    listing = handoffs.add_parser("list", parents=[common], help="every handoff request (personal values masked)")
    listing.add_argument("--status", choices=[s.value for s in HandoffStatus])
    listing.set_defaults(func=cmd_list)

    reports = command_group(sub, "reports", "service reports")
    handoff_report = reports.add_parser("handoffs", parents=[common], help="waits, outcomes, CSAT, per counsellor")
    handoff_report.add_argument("--since", help="a date (Asia/Ho_Chi_Minh) or an ISO time; default: everything")
    handoff_report.set_defaults(func=cmd_report)
