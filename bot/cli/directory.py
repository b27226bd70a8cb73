"""`hotline directory …`: import the operator's provider CSV (validated row by row) and list providers."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.cli.common import open_app, print_rows
from services.directory import service
from services.directory.places import PlaceError, resolve_province
from services.phones import display

LIST_COLUMNS = ("province", "commune", "name", "kind", "ownership", "phone", "last_verified", "sample")


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no file at {path}", file=sys.stderr)
        return 1
    with open_app(args) as app:
        try:
            with app.uow() as uow:
                result = service.import_csv(uow, path.read_bytes(), replace=args.replace, now=app.clock.now())
                uow.commit()
        except service.CsvImportError as exc:
            print(f"{path}: nothing imported; fix these and try again:", file=sys.stderr)
            for error in exc.errors:
                print(f"  {error}", file=sys.stderr)
            return 1
        except ValueError as exc:
            print(f"{path}: nothing imported: {exc}", file=sys.stderr)
            return 1
    removed = f", {result.removed} removed first" if args.replace else ""
    print(f"{path}: {result.added} added, {result.updated} updated{removed}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    try:
        province = resolve_province(args.province) if args.province else None
    except PlaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with open_app(args) as app, app.uow() as uow:
        views = service.list_providers(uow, province)
    rows: list[dict[str, Any]] = [asdict(view) for view in views]  # JSON: phones in E.164
    if not args.json:
        rows = [{**row, "phone": display(row["phone"]), "commune": row["commune"] or ""} for row in rows]
    print_rows(rows, LIST_COLUMNS, as_json=args.json)
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    directory = sub.add_parser("directory", help="the service directory (treatment and counselling providers)")
    commands = directory.add_subparsers(dest="directory_command", required=True)

    load = commands.add_parser("import", parents=[common], help="import providers from a CSV file (all or nothing)")
    load.add_argument("file")
    load.add_argument("--replace", action="store_true", help="remove every provider not in the file")
    load.set_defaults(func=cmd_import)

    listing = commands.add_parser("list", parents=[common], help="list providers")
    listing.add_argument("--province", help="an official province name, with or without diacritics")
    listing.set_defaults(func=cmd_list)
