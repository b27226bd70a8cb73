"""`hotline reports indicators` and `hotline reports quarterly`: the plans' indicators (suppressed, audited)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.common import audit_actor, command_group, open_app
from services.directory.places import PlaceError
from services.indicators.period import parse_quarter, quarter_name
from services.indicators.publish import to_csv, to_json, to_table
from services.indicators.service import indicators_report


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{flag} takes a date like 2026-07-01") from None


def _write_csv(content: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    Path(output).write_text(content, encoding="utf-8", newline="")
    print(f"wrote {output}", file=sys.stderr)


def _run(args: argparse.Namespace, since: date | None, until: date | None, as_csv: bool) -> int:
    exact = getattr(args, "exact", False)
    if as_csv and (args.json or exact):
        print("error: --csv is always suppressed and cannot be combined with --json or --exact", file=sys.stderr)
        return 2
    output = "csv" if as_csv else ("json" if args.json else "table") + (" exact" if exact else "")
    with open_app(args) as app, app.uow() as uow:
        try:
            result = indicators_report(
                uow,
                since=since,
                until=until,
                province=args.province,
                commune=args.commune,
                actor=audit_actor(),
                now=app.clock.now(),
                output=output,
            )
        except (PlaceError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        uow.commit()
    if as_csv:
        _write_csv(to_csv(result), args.output)
    elif args.json:
        print(json.dumps(to_json(result, suppress=not exact, explain=args.explain), ensure_ascii=False, indent=2))
    else:
        print(to_table(result, suppress=not exact, explain=args.explain))
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    since: date | None
    until: date | None
    try:
        if args.quarter:
            if args.since or args.until:
                raise ValueError("--quarter replaces --since and --until")
            since, until = parse_quarter(args.quarter)
        else:
            since, until = _day(args.since, "--since"), _day(args.until, "--until")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _run(args, since, until, args.csv)


def cmd_quarterly(args: argparse.Namespace) -> int:
    try:
        since, until = parse_quarter(args.quarter)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output is None and sys.stdout.isatty():
        args.output = f"indicators-{quarter_name(since)}.csv"
    return _run(args, since, until, True)


def _place_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--province", help="official province name after 2025 (diacritics optional)")
    parser.add_argument("--commune", help="a commune (xã, phường, đặc khu) of --province")
    parser.add_argument("--output", help="write the CSV to this file (default: standard output)")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    reports = command_group(sub, "reports", "reports for supervisors")
    ind = reports.add_parser(
        "indicators",
        parents=[common],
        help="the plans' indicators: after-care, escalations, registrations, volumes, CSAT",
        description="Counts 1-4 are shown as <5 unless --exact (staff only; never in the CSV).",
    )
    ind.add_argument("--since", help="first local day, e.g. 2026-07-01 (default: the first record)")
    ind.add_argument("--until", help="last local day, included (default: today)")
    ind.add_argument("--quarter", help="a quarter such as 2026Q3 instead of --since/--until")
    _place_options(ind)
    ind.add_argument("--csv", action="store_true", help="CSV (UTF-8 with BOM, counts 1-4 as <5)")
    ind.add_argument("--explain", action="store_true", help="print each figure's definition")
    ind.add_argument("--exact", action="store_true", help="exact counts in the table or JSON (not for publication)")
    ind.set_defaults(func=cmd_indicators)

    quarterly = reports.add_parser(
        "quarterly", parents=[common], help="a quarter's indicators as CSV for the province's report"
    )
    quarterly.add_argument("quarter", help="e.g. 2026Q3")
    _place_options(quarterly)
    quarterly.set_defaults(func=cmd_quarterly, explain=False)
