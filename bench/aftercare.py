"""After-care scheduler benchmark: time per tick with 10k and 100k people enrolled, SQLite and PostgreSQL.

    .venv/bin/python bench/aftercare.py                       # 10k and 100k, SQLite and the local PostgreSQL
    .venv/bin/python bench/aftercare.py --sizes 10000 --db sqlite

For each database and cohort size it builds a fresh database, enrols the cohort (four waves: everyone chose
08:00, 12:00, 18:00 or 20:00), moves a fake clock to the next morning and measures:
- an idle tick (nothing due yet: the claim query on the index only),
- the ticks that drain the 08:00 wave (a quarter of the cohort due at once; each tick handles at most
  HOTLINE_AFTERCARE_MAX_PER_TICK rows, so the outbox is fed at a rate the channel accepts),
- the ticks at 14:45: that wave's follow-ups and the 12:00 wave.
Target: a tick of due work at 100k enrolled on PostgreSQL in at most 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bench.scratch_db import scratch_database  # noqa: E402
from services.aftercare.context import AftercareContext  # noqa: E402
from services.aftercare.enrolment import add_scheduled  # noqa: E402
from services.aftercare.feature import CONTEXT_HOOK, RUNNER_HOOK  # noqa: E402
from services.aftercare.repository import AftercareRepository  # noqa: E402
from services.aftercare.runner import CheckinRunner  # noqa: E402
from services.bootstrap import App, build_app  # noqa: E402
from services.clock import FakeClock  # noqa: E402
from services.dialogue.menus import PRIVACY_VERSION  # noqa: E402
from services.nlu.base import OUT_OF_SCOPE, IntentScore, ParseResult  # noqa: E402
from services.settings import Settings  # noqa: E402
from storage.aftercare_models import AftercareEnrolment, EnrolmentStatus  # noqa: E402
from storage.crypto import active_cipher  # noqa: E402
from storage.models import Person  # noqa: E402

START = datetime.fromisoformat("2026-11-23T10:00:00+07:00")
WAVES = ("08:00", "12:00", "18:00", "20:00")
CHUNK = 5000


class NoNlu:
    """The benchmark handles no messages; no model needs training."""

    def parse(self, text: str) -> ParseResult:
        return ParseResult(text, IntentScore(OUT_OF_SCOPE, 0.0))


def seed(app: App, count: int, times: Sequence[str] = WAVES, channel: str = "bench", prefix: str = "b") -> list[int]:
    """Enrol `count` consenting people at once, as accepting the offer would (bulk inserts, in chunks)."""
    ctx: AftercareContext = app.extensions[CONTEXT_HOOK]
    now = app.clock.now()
    cipher = active_cipher()
    ids: list[int] = []
    for first in range(0, count, CHUNK):
        with app.uow() as uow:
            numbers = range(first, min(first + CHUNK, count))
            people = [
                Person(
                    channel=channel,
                    external_id_hash=cipher.blind_index(f"{prefix}{n}"),
                    external_id=f"{prefix}{n}",
                    language="vi",
                    anonymous=True,
                    consent_at=now,
                    consent_version=PRIVACY_VERSION,
                    created_at=now,
                    last_seen_at=now,
                    unreachable=False,
                )
                for n in numbers
            ]
            uow.session.add_all(people)
            uow.session.flush()
            enrolments = [
                AftercareEnrolment(
                    person_id=person.id,
                    status=EnrolmentStatus.ACTIVE,
                    plan=ctx.config.default_plan,
                    cycle=1,
                    local_time=times[n % len(times)],
                    enrolled_by="cli",
                    offered_at=now,
                    consent_at=now,
                    started_at=now,
                    clean_since=now,
                    milestone_days=0,
                    missed_streak=0,
                    tip_index=0,
                    updated_at=now,
                )
                for n, person in zip(numbers, people, strict=True)
            ]
            uow.session.add_all(enrolments)
            uow.session.flush()
            repo = AftercareRepository(uow.session)
            for enrolment in enrolments:
                slot = ctx.timetable.first_after(enrolment, 1, now)
                assert slot is not None
                add_scheduled(ctx, repo, enrolment, slot)
            uow.commit()
            ids.extend(person.id for person in people)
    return ids


def _ticks(runner: CheckinRunner, now: datetime) -> tuple[list[float], int]:
    """Tick until nothing is due at `now`; returns the seconds of each tick that had work, and the rows."""
    times, rows = [], 0
    while True:
        began = time.perf_counter()
        report = runner.tick(now)
        spent = time.perf_counter() - began
        if not report.claimed:
            return times, rows
        times.append(spent)
        rows += report.claimed


def _summary(label: str, times: list[float], rows: int) -> str:
    if not times:
        return f"  {label}: no work"
    return (
        f"  {label}: {len(times)} ticks, {rows} rows; per tick median {statistics.median(times):.3f} s, "
        f"max {max(times):.3f} s; {rows / sum(times):.0f} rows/s"
    )


def run(kind: str, size: int, max_per_tick: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as folder:
        tmp = Path(folder)
        with scratch_database(kind, tmp) as url:
            settings = Settings(
                data_dir=tmp, database_url=url, encryption_key=SecretStr(Fernet.generate_key().decode())
            )
            clock = FakeClock(START)
            os.environ["HOTLINE_AFTERCARE_MAX_PER_TICK"] = str(max_per_tick)
            app = build_app(settings, clock=clock, nlu=NoNlu())
            runner: CheckinRunner = app.extensions[RUNNER_HOOK]
            began = time.perf_counter()
            seed(app, size)
            seeding = time.perf_counter() - began
            idle_at = START + timedelta(hours=20)  # 06:00 next day: nothing due yet
            idle = []
            for _ in range(20):
                began = time.perf_counter()
                runner.tick(idle_at)
                idle.append(time.perf_counter() - began)
            wave_at = START + timedelta(hours=22, minutes=15)  # 08:15: the whole 08:00 wave is due
            wave, wave_rows = _ticks(runner, wave_at)
            follow_at = wave_at + timedelta(hours=6, minutes=30)
            follow, follow_rows = _ticks(runner, follow_at)
            app.close()
    print(f"{kind} {size:,} enrolled (seeded in {seeding:.1f} s), at most {max_per_tick} rows per tick")
    print(f"  idle tick: median {statistics.median(idle) * 1000:.1f} ms")
    print(_summary("08:00 wave (check-ins sent)", wave, wave_rows))
    print(_summary("14:45 (the wave's follow-ups and the 12:00 wave)", follow, follow_rows))
    busy = wave + follow
    return {
        "idle_ms": statistics.median(idle) * 1000,
        "tick_s": statistics.median(busy) if busy else 0.0,
        "max_tick_s": max(busy) if busy else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--max-per-tick", type=int, default=400)
    args = parser.parse_args()
    results: dict[tuple[str, int], dict[str, float]] = {}
    for kind in args.db:
        for size in args.sizes:
            results[(kind, size)] = run(kind, size, args.max_per_tick)
            sys.stdout.flush()
    print("\nsummary (median busy tick, worst busy tick, median idle tick):")
    for (kind, size), figures in results.items():
        print(
            f"  {kind:10} {size:>7,}: {figures['tick_s']:.3f} s, {figures['max_tick_s']:.3f} s, "
            f"{figures['idle_ms']:.1f} ms"
        )
    for kind in args.db:
        sizes = sorted(s for k, s in results if k == kind)
        if len(sizes) > 1:
            small, large = results[(kind, sizes[0])], results[(kind, sizes[-1])]
            growth = large["tick_s"] / small["tick_s"] if small["tick_s"] else float("nan")
            print(f"  {kind}: ×{sizes[-1] // sizes[0]} enrolled → busy tick ×{growth:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
