"""`hotline requests …`: staff handle tracked requests (list masked; show, assign and set-status audited)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.cli.common import open_app, print_rows
from services.bootstrap import App
from services.i18n import local_datetime
from services.requests import service

TIME = "dd/MM/yyyy HH:mm"
LIST_COLUMNS = ("code", "status", "owner", "created", "updated", "contact", "person")


def _time(moment: datetime | None) -> str:
    return local_datetime(moment, TIME) if moment is not None else ""


def _row(view: service.RequestView) -> dict[str, Any]:
    return {
        "code": view.code,
        "kind": view.kind,
        "status": view.status,
        "owner": view.owner or "",
        "created": _time(view.created_at),
        "updated": _time(view.updated_at),
        "resolved": _time(view.resolved_at),
        "contact": view.contact or "",
        "person": view.person_id,
        "erased": view.erased,
    }


def _run(args: argparse.Namespace, action: Callable[[App], int]) -> int:
    with open_app(args) as app:
        try:
            return action(app)
        except service.RequestError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1


def cmd_list(args: argparse.Namespace) -> int:
    def action(app: App) -> int:
        with app.uow() as uow:
            views = service.list_requests(uow, args.status)
        print_rows([_row(v) for v in views], LIST_COLUMNS, as_json=args.json)
        return 0

    return _run(args, action)


def cmd_show(args: argparse.Namespace) -> int:
    def action(app: App) -> int:
        with app.uow() as uow:
            detail = service.show(uow, args.code, args.actor, args.reason, app.clock.now())
            uow.commit()  # the audit row
        if args.json:
            data = {**_row(detail.view), **asdict(detail)}
            data.pop("view")
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return 0
        row = _row(detail.view)
        print(f"{row['code']}  {row['status']}  owner: {row['owner'] or '-'}  created: {row['created']}")
        phone = detail.contact_phone or "-"
        consent = f" (agreed {_time(detail.contact_consent_at)})" if detail.contact_consent_at else ""
        print(f"contact: {phone}{consent}")
        print("description:" + (" (erased at the person's request)" if detail.view.erased else ""))
        print("  " + detail.description.replace("\n", "\n  "))
        print("history:")
        for entry in detail.history:
            extra = " ".join(
                part
                for part in (
                    f"status={entry.status}" if entry.status else "",
                    f"owner={entry.owner}" if entry.owner else "",
                    f"reply={entry.reply!r}" if entry.reply else "",
                )
                if part
            )
            print(f"  {_time(entry.at)}  {entry.actor}  {entry.action}  {extra}".rstrip())
        return 0

    return _run(args, action)


def cmd_assign(args: argparse.Namespace) -> int:
    def action(app: App) -> int:
        with app.uow() as uow:
            view = service.assign(uow, app.events, args.code, args.to, args.actor, app.clock.now())
            uow.commit()
        print(f"{view.code} assigned to {view.owner}")
        return 0

    return _run(args, action)


def cmd_set_status(args: argparse.Namespace) -> int:
    def action(app: App) -> int:
        with app.uow() as uow:
            update = service.set_status(
                uow, app.events, args.code, args.status, args.reply, args.actor, app.clock.now()
            )
            uow.commit()
        told = "the person is told in the chat" if update.notified else "not sent: the person deleted their data"
        print(f"{update.view.code} is now {update.view.status}; {told}")
        return 0

    return _run(args, action)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    requests = sub.add_parser("requests", help="tracked requests: feedback and complaints (phản ánh, góp ý)")
    commands = requests.add_subparsers(dest="requests_command", required=True)

    listing = commands.add_parser("list", parents=[common], help="list requests (masked, no free text)")
    listing.add_argument("--status", help="new, in_progress or resolved (mới, đang xử lý, đã xử lý)")
    listing.set_defaults(func=cmd_list)

    show = commands.add_parser("show", parents=[common], help="show one request in full (audited)")
    show.add_argument("code")
    show.add_argument("--actor", required=True, help="who is reading (written to the audit log)")
    show.add_argument("--reason", required=True, help="why (written to the audit log)")
    show.set_defaults(func=cmd_show)

    assign = commands.add_parser("assign", parents=[common], help="give a request an owner (audited)")
    assign.add_argument("code")
    assign.add_argument("--to", required=True, help="the staff member who owns it")
    assign.add_argument("--actor", required=True)
    assign.set_defaults(func=cmd_assign)

    status = commands.add_parser("set-status", parents=[common], help="change the status and tell the person")
    status.add_argument("code")
    status.add_argument("status", help="new, in_progress or resolved (mới, đang xử lý, đã xử lý)")
    status.add_argument("--reply", help="an answer sent to the person in the chat")
    status.add_argument("--actor", required=True)
    status.set_defaults(func=cmd_set_status)
