"""What one message costs on its way through the core, in-process: SQL statements, commits, wall and CPU time.

    .venv/bin/python bench/turn_cost.py --db sqlite
    .venv/bin/python bench/turn_cost.py --db postgres

Three ways, each over the same conversation (SCRIPT, sent by every user in turn, one message at a time):
- stored, then handled: `receive_many`, then `process_people` (a busy bot's way, one message per batch here);
- handled on receipt: `receive_and_handle` (a quiet bot's way: one transaction);
- batches: `receive_many` of 64 messages, then `process_people` of their 64 people (a burst).
Time is measured in this thread (no network, no Telegram): it is the database work and the turn itself.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch_db import scratch_database  # noqa: E402
from services.bootstrap import App, build_app  # noqa: E402
from services.clock import FakeClock  # noqa: E402
from services.nlu.embedded import load_embedded  # noqa: E402
from services.settings import Settings  # noqa: E402
from services.types import Inbound, MessageKind  # noqa: E402

SCRIPT = ["/start", "dong y", "chi phi cai nghien bao nhieu", "dau hieu nhan biet", "con toi nghien da", "cam on"]
START = datetime.fromisoformat("2026-11-26T09:00:00+07:00")
BATCH = 64


class Counts:
    """Statements and commits the engine sends, counted as they go."""

    def __init__(self, app: App) -> None:
        self.statements = 0
        self.commits = 0
        event.listen(app.engine, "before_cursor_execute", self._statement)
        event.listen(app.engine, "commit", self._commit)

    def _statement(self, *_args: object) -> None:
        self.statements += 1

    def _commit(self, *_args: object) -> None:
        self.commits += 1


@contextmanager
def measured(counts: Counts, messages: int, label: str) -> Iterator[None]:
    statements, commits = counts.statements, counts.commits
    wall, cpu = time.perf_counter(), time.thread_time()
    yield
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    print(
        f"{label:<22} {messages:5d} messages: "
        f"{(counts.statements - statements) / messages:5.2f} statements, "
        f"{(counts.commits - commits) / messages:4.2f} commits, "
        f"wall {wall / messages * 1e3:5.2f} ms, CPU {cpu / messages * 1e3:5.2f} ms per message"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite", help="sqlite or postgres (a scratch database, dropped after)")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="times each way is measured, one after the other")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.db, Path(tmp)) as url:
        settings = Settings.model_validate(
            {"database_url": url, "data_dir": Path(tmp), "encryption_key": SecretStr(Fernet.generate_key().decode())}
        )
        nlu = load_embedded(ROOT / "data" / "bench" / "cache")
        app = build_app(settings, clock=FakeClock(START), nlu=nlu)
        app.dialogue._parse_under_lock = True  # the embedded NLU's way, as `hotline run` sets it
        try:
            run(app, args.users, args.rounds)
        finally:
            app.close()
    return 0


def run(app: App, users: int, rounds: int) -> None:
    counts = Counts(app)
    ids = itertools.count()

    def inbound(user: str, text: str) -> Inbound:
        return Inbound("bench", user, f"m{next(ids)}", app.clock.now(), text=text, kind=MessageKind.TEXT)

    def one_by_one(user: str, text: str) -> None:
        stored = app.dialogue.receive_many([inbound(user, text)])[0]
        assert stored is not None
        app.dialogue.process_people([stored.person_id])

    def on_receipt(user: str, text: str) -> None:
        stored = app.dialogue.receive_and_handle([inbound(user, text)])[0]
        assert stored is not None and stored.handled

    def conversation(prefix: str, send: Callable[[str, str], None]) -> None:
        for text in SCRIPT:
            for i in range(users):
                send(f"{prefix}{i}", text)

    def batches(prefix: str) -> None:
        for text in SCRIPT:
            for first in range(0, users, BATCH):
                stored = app.dialogue.receive_many(
                    [inbound(f"{prefix}{i}", text) for i in range(first, min(users, first + BATCH))]
                )
                app.dialogue.process_people([s.person_id for s in stored if s is not None])

    messages = users * len(SCRIPT)
    conversation("warm", on_receipt)  # the first turns compile statements and fill caches
    for round_ in range(rounds):
        print(f"-- round {round_ + 1}")
        with measured(counts, messages, "stored, then handled"):
            conversation(f"apart{round_}-", one_by_one)
        with measured(counts, messages, "handled on receipt"):
            conversation(f"together{round_}-", on_receipt)
        with measured(counts, messages, f"batches of {BATCH}"):
            batches(f"batch{round_}-")


if __name__ == "__main__":
    raise SystemExit(main())
