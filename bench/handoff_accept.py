"""Counsellors accepting at once: how long a contended /accept takes, and a tick over a long queue.

    .venv/bin/python bench/handoff_accept.py [--db URL] [--people 60] [--counsellors 12]

Prints figures; checks on the way that every person got exactly one counsellor.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select, text

from services.bootstrap import App, build_app
from services.clock import FakeClock
from services.handoff.feature import SCENARIO_COUNSELLORS
from services.nlu.base import IntentScore, ParseResult
from services.settings import Settings
from services.types import Inbound, MessageKind
from storage.handoff_models import HandoffEvent, HandoffEventKind

START = datetime.fromisoformat("2026-11-23T09:00:00+07:00")


class QuietNlu:
    def parse(self, text: str) -> ParseResult:
        return ParseResult(text, IntentScore("out_of_scope", 0.0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--counsellors", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.sqlite3"
        settings = Settings.model_validate(
            {"database_url": url, "data_dir": Path(tmp), "encryption_key": SecretStr(Fernet.generate_key().decode())}
        )
        clock = FakeClock(START)
        app = build_app(settings, clock=clock, nlu=QuietNlu())
        if app.engine.dialect.name == "postgresql":
            with app.engine.begin() as conn:
                tables = conn.execute(
                    text("select tablename from pg_tables where schemaname='public' and tablename!='alembic_version'")
                ).scalars()
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        try:
            run(app, clock, args.people, args.counsellors)
        finally:
            app.close()


def run(app: App, clock: FakeClock, people: int, counsellors: int) -> None:
    n = 0

    def send(user: str, body: str = "", payload: str | None = None) -> None:
        nonlocal n
        n += 1
        kind = MessageKind.BUTTON if payload else MessageKind.TEXT
        app.dialogue.handle(Inbound("bench", user, f"b{n}-{user}", clock.now(), text=body, payload=payload, kind=kind))

    for c in range(counsellors):
        app.extensions[SCENARIO_COUNSELLORS]("bench", f"c{c}", f"TV{c}", {"capacity": 10})
    for p in range(people):
        send(f"u{p}", "/start")
        send(f"u{p}", payload="consent:yes")
        send(f"u{p}", "/counsellor")

    started = time.perf_counter()
    clock.advance(timedelta(minutes=6))
    app.run_due()
    tick_s = time.perf_counter() - started

    durations: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(counsellors)

    def counsellor(c: int) -> None:
        barrier.wait()
        for i in range(people // counsellors + 1):
            t0 = time.perf_counter()
            app.dialogue.handle(Inbound("bench", f"c{c}", f"a{c}-{i}", clock.now(), text="/accept"))
            with lock:
                durations.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=counsellor, args=(c,)) for c in range(counsellors)]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall

    with app.uow() as uow:
        accepted = Counter(
            e.request_id
            for e in uow.session.scalars(select(HandoffEvent).where(HandoffEvent.kind == HandoffEventKind.ACCEPTED))
        )
    assert len(accepted) == people and set(accepted.values()) == {1}, "a person was taken twice or not at all"
    durations.sort()
    print(f"database: {app.engine.dialect.name}; {people} people waiting, {counsellors} counsellors at once")
    print(f"tick over the waiting queue (renotify + updates): {tick_s * 1000:.0f} ms")
    print(f"/accept turns: {len(durations)} in {wall:.2f} s wall ({len(durations) / wall:.1f}/s)")
    print(
        f"/accept latency: p50 {statistics.median(durations) * 1000:.0f} ms, "
        f"p90 {durations[int(len(durations) * 0.9)] * 1000:.0f} ms, max {durations[-1] * 1000:.0f} ms"
    )
    print("every person was accepted exactly once")


if __name__ == "__main__":
    main()
