"""`hotline rasa setup|train|serve`: the Rasa 3.6 NLU server in its own virtualenv, trained on nlu_data/."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from bot.cli.common import settings_from
from services.nlu.rasa_env.environment import RasaEnvError, ensure_env, existing_env, require_env, resolve_venv
from services.nlu.rasa_env.server import LOOPBACK, RasaServer
from services.nlu.rasa_env.training import TrainedModel, train
from services.settings import Settings

DEFAULT_PORT = 5005


def models_dir(settings: Settings) -> Path:
    return settings.data_dir / "rasa-models"


def _venv(args: argparse.Namespace, settings: Settings) -> Path:
    return resolve_venv(Path(args.venv) if args.venv else settings.rasa_venv)


def _say(message: str) -> None:
    """Progress for people; stderr, so `--json` output stays clean."""
    print(message, file=sys.stderr, flush=True)


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, ensure_ascii=False) if args.json else text, flush=True)


def cmd_setup(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    venv = _venv(args, settings)
    if args.force or existing_env(venv) is None:
        _say(f"creating the Rasa environment at {venv} (about 2.7 GB, a few minutes)…")
    started = time.perf_counter()
    try:
        env, created = ensure_env(venv, python=args.python, force=args.force)
    except RasaEnvError as exc:
        print(f"rasa setup failed: {exc}", file=sys.stderr)
        return 1
    seconds = round(time.perf_counter() - started, 1)
    state = "created" if created else "already up to date (re-used)"
    _emit(args, {"venv": str(env.path), "created": created, "seconds": seconds}, f"{env.path}: {state} in {seconds} s")
    return 0


def _train(args: argparse.Namespace, settings: Settings) -> TrainedModel:
    env = require_env(_venv(args, settings))
    _say("rasa train nlu on nlu_data/ (skipped when the data has not changed)…")
    return train(env, models_dir(settings), epochs=args.epochs, force=getattr(args, "force", False))


def cmd_train(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        model = _train(args, settings)
    except RasaEnvError as exc:
        print(f"rasa train failed: {exc}", file=sys.stderr)
        return 1
    data = {"model": str(model.path), "trained": model.trained, "seconds": round(model.seconds, 1)}
    text = f"trained {model.path} in {model.seconds:.1f} s" if model.trained else f"up to date: {model.path}"
    _emit(args, data, text)
    return 0


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    port = args.port or httpx.URL(settings.rasa_url).port or DEFAULT_PORT
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)  # also while it starts: never orphan Rasa
    server: RasaServer | None = None
    try:
        env = require_env(_venv(args, settings))
        model = Path(args.model) if args.model else _train(args, settings).path
        server = RasaServer(env, model, port=port, host=args.host, log_file=models_dir(settings) / "rasa-server.log")
        _say(f"starting Rasa on {args.host}:{port} with {model.name}…")
        url = server.start(wait_s=args.wait)
        _emit(
            args,
            {"url": url, "pid": server.pid, "model": str(model)},
            f"Rasa is answering at {url} (pid {server.pid}); use HOTLINE_NLU_BACKEND=rasa HOTLINE_RASA_URL={url}. "
            "Ctrl-C stops it.",
        )
        return server.wait()
    except RasaEnvError as exc:
        print(f"rasa serve failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if server is not None:
            server.stop()
        signal.signal(signal.SIGTERM, previous)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    rasa = subparsers.add_parser("rasa", help="the Rasa 3.6 NLU server (own virtualenv)")
    commands = rasa.add_subparsers(dest="rasa_command", required=True)
    venv_help = "the Rasa virtualenv (default: HOTLINE_RASA_VENV or ~/.cache/hotline/rasa-venv)"

    setup = commands.add_parser("setup", parents=[common], help="create (or re-use) the Rasa virtualenv")
    setup.add_argument("--venv", help=venv_help)
    setup.add_argument("--python", help="the Python 3.11 interpreter for it (default: this one)")
    setup.add_argument("--force", action="store_true", help="re-create it even when it is up to date")
    setup.set_defaults(func=cmd_setup)

    train_cmd = commands.add_parser("train", parents=[common], help="rasa train nlu on nlu_data/ (cached)")
    train_cmd.add_argument("--venv", help=venv_help)
    train_cmd.add_argument("--epochs", type=int, help="override DIETClassifier epochs of nlu_data/config.yml")
    train_cmd.add_argument("--force", action="store_true", help="train even when the model is up to date")
    train_cmd.set_defaults(func=cmd_train)

    serve = commands.add_parser("serve", parents=[common], help="run the Rasa server (POST /model/parse)")
    serve.add_argument("--venv", help=venv_help)
    serve.add_argument("--model", help="a model file (default: the model of the current data, trained if needed)")
    serve.add_argument("--epochs", type=int, help="with no --model: the epochs the model was trained with")
    serve.add_argument("--port", type=int, help="default: the port of HOTLINE_RASA_URL (5005)")
    serve.add_argument("--host", default=LOOPBACK, help="interface to listen on (default: loopback only)")
    serve.add_argument("--wait", type=float, default=180.0, help="seconds to wait for the server to answer")
    serve.set_defaults(func=cmd_serve)
