"""What every CLI command shares: settings with --db, logging, building the app, printing lists."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from services.bootstrap import App, build_app
from services.logging_setup import configure_logging
from services.settings import Settings

Register = Callable[[Any, argparse.ArgumentParser], None]  # (subparsers, common parent parser)


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "db", None):
        settings = settings.model_copy(update={"database_url": args.db})
    return settings


@contextmanager
def open_app(args: argparse.Namespace, *, log_level: str = "WARNING") -> Iterator[App]:
    """The application for one administrative command; closed afterwards."""
    settings = settings_from(args)
    configure_logging(log_level)
    app = build_app(settings)
    try:
        yield app
    finally:
        app.close()


def print_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], *, as_json: bool) -> None:
    """A list as JSON (all fields) or as an aligned table of the given columns."""
    if as_json:
        print(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    if not rows:
        print("(none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))
    sys.stdout.flush()


def command_group(subparsers: Any, name: str, help_text: str) -> Any:
    """The sub-commands of `hotline NAME`, created by the first module that needs it (e.g. `reports`)."""
    existing = subparsers.choices.get(name)
    if existing is None:
        return subparsers.add_parser(name, help=help_text).add_subparsers(dest=f"{name}_command", required=True)
    return next(action for action in existing._actions if isinstance(action, argparse._SubParsersAction))
