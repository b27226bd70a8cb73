"""The `hotline` command: console chat, Telegram bot, scenario simulator, NLU tools, database."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.cli import aftercare, counsellors, directory, handoffs, indicators, registrations, requests, supporters
from bot.cli import rasa as rasa_cli
from bot.cli.common import Register
from bot.cli.common import settings_from as _settings
from services.settings import Settings

# Each capability adds its administrative commands here: a module with `register(subparsers, common)`.
COMMAND_MODULES: list[Register] = [
    counsellors.register,
    handoffs.register,
    requests.register,
    directory.register,
    registrations.register,
    aftercare.register,
    supporters.register,
    indicators.register,
    rasa_cli.register,
]
EVAL_TIMEOUT_MS = 10_000


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.console import run_console
    from services.bootstrap import build_app
    from services.logging_setup import configure_logging

    settings = _settings(args)
    configure_logging(settings.log_level, file=settings.data_dir / "hotline.log")
    app = build_app(settings)
    try:
        return run_console(app, args.user)
    finally:
        app.close()


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.telegram_token is None:
        print("HOTLINE_TELEGRAM_TOKEN is not set: starting the console chat instead.", file=sys.stderr)
        args.user = "console-user"
        return cmd_chat(args)
    from bot.telegram.runner import run_telegram
    from services.bootstrap import build_app
    from services.logging_setup import configure_logging

    configure_logging(settings.log_level)
    app = build_app(settings)
    try:
        return run_telegram(app)
    finally:
        app.close()


def cmd_simulate(args: argparse.Namespace) -> int:
    from bot.simulator import ScenarioError, Simulator, format_transcript, load_scenario, scenario_start
    from services.bootstrap import build_app
    from services.clock import FakeClock
    from services.logging_setup import configure_logging

    settings = _settings(args)
    configure_logging("WARNING")
    failed = 0
    outputs = []
    for file in args.files:
        doc = load_scenario(Path(file))
        clock = FakeClock(scenario_start(doc))
        with tempfile.TemporaryDirectory(prefix="hotline-sim-") as tmp:
            run_settings = settings
            if not args.db:
                run_settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp}/scenario.sqlite3"})
            app = build_app(run_settings, clock=clock)
            try:
                result = Simulator(app, clock.advance).run(doc)
            except ScenarioError as exc:
                print(f"{file}: {exc}", file=sys.stderr)
                return 2
            finally:
                app.close()
        failed += 0 if result.passed else 1
        if args.json:
            outputs.append(
                {
                    "name": result.name,
                    "passed": result.passed,
                    "failures": result.failures,
                    "transcript": result.transcript,
                }
            )
        else:
            print(format_transcript(result))
    if args.json:
        print(json.dumps(outputs if len(outputs) > 1 else outputs[0], ensure_ascii=False, indent=2))
    return 1 if failed else 0


def _nlu_settings(args: argparse.Namespace) -> Settings:
    settings = _settings(args)
    if args.backend:
        settings = settings.model_copy(update={"nlu_backend": args.backend})
    return settings


def cmd_nlu_parse(args: argparse.Namespace) -> int:
    from services.bootstrap import build_nlu
    from services.logging_setup import configure_logging

    settings = _nlu_settings(args)
    configure_logging("WARNING")
    nlu = build_nlu(settings)
    texts = [args.text] if args.text is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in texts:
        print(json.dumps(nlu.parse(text).to_dict(), ensure_ascii=False), flush=True)
    return 0


def cmd_nlu_test(args: argparse.Namespace) -> int:
    from services.bootstrap import build_nlu
    from services.logging_setup import configure_logging
    from services.nlu.data import load_paths
    from services.nlu.evaluate import evaluate, format_report
    from services.nlu.rasa import RasaNlu
    from services.nlu.rasa_env.server import server_ready

    settings = _nlu_settings(args)
    configure_logging("WARNING")
    if settings.nlu_backend == "rasa" and not server_ready(settings.rasa_url):
        # Evaluating the fallback under Rasa's name would be a false figure.
        print(f"no Rasa server answers at {settings.rasa_url}: start it with `hotline rasa serve`", file=sys.stderr)
        return 2
    # Evaluation measures understanding, not latency: a slow answer must not be scored as the fallback's.
    nlu = build_nlu(settings.model_copy(update={"rasa_timeout_ms": max(settings.rasa_timeout_ms, EVAL_TIMEOUT_MS)}))
    report = evaluate(nlu, load_paths([Path(args.nlu)]).examples)
    fallbacks = dict(nlu.fallbacks) if isinstance(nlu, RasaNlu) else {}
    if args.json:
        print(
            json.dumps(
                {"backend": settings.nlu_backend, **report.to_dict(), "fallbacks": fallbacks},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(f"backend: {settings.nlu_backend}")
        print(format_report(report))
        if fallbacks:
            print(f"\nWARNING: {sum(fallbacks.values())} messages were parsed by the embedded fallback: {fallbacks}")
    return 1 if fallbacks else 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from services.bootstrap import build_cipher
    from storage.crypto import install_cipher
    from storage.db import build_engine
    from storage.migrate import current_revisions, upgrade

    settings = _settings(args)
    install_cipher(build_cipher(settings))
    engine = build_engine(settings.resolved_database_url())
    upgrade(engine)
    print(f"database at revision {', '.join(sorted(current_revisions(engine)))}")
    engine.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database URL (default: HOTLINE_DATABASE_URL or SQLite under ./data)")
    common.add_argument("--json", action="store_true", help="print JSON")

    parser = argparse.ArgumentParser(prog="hotline", description="Drug-treatment counselling hotline assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", parents=[common], help="chat with the bot on the console")
    chat.add_argument("--user", default="console-user", help="the console person's id")
    chat.set_defaults(func=cmd_chat)

    run = sub.add_parser("run", parents=[common], help="run the Telegram bot (console chat without a token)")
    run.set_defaults(func=cmd_run)

    simulate = sub.add_parser("simulate", parents=[common], help="run scenario files with a fake clock")
    simulate.add_argument("files", nargs="+")
    simulate.set_defaults(func=cmd_simulate)

    nlu = sub.add_parser("nlu", help="NLU tools").add_subparsers(dest="nlu_command", required=True)
    parse = nlu.add_parser("parse", parents=[common], help="parse text (or stdin lines) to Rasa JSON")
    parse.add_argument("text", nargs="?")
    parse.add_argument("--backend", choices=["embedded", "rasa"], help="default: HOTLINE_NLU_BACKEND")
    parse.set_defaults(func=cmd_nlu_parse)
    test = nlu.add_parser("test", parents=[common], help="evaluate on a Rasa-format NLU file")
    test.add_argument("--nlu", required=True, help="a Rasa-format NLU file or folder")
    test.add_argument("--backend", choices=["embedded", "rasa"], help="default: HOTLINE_NLU_BACKEND")
    test.set_defaults(func=cmd_nlu_test)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", parents=[common], help="apply migrations")
    up.set_defaults(func=cmd_db_upgrade)
    for register in COMMAND_MODULES:
        register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
