"""Supporters' ticks: an idle tick, and the reminder ticks when many alerts went unacknowledged at once.

    .venv/bin/python bench/supporters.py                       # 1,000 open alerts, SQLite and the local PostgreSQL
    .venv/bin/python bench/supporters.py --alerts 5000 --db sqlite

Each database is fresh: one supporter, N assigned people, N alerts raised at 10:00. Measured: the median of 20
idle ticks (alert and summary timers, nothing due), then the ticks 24 h later that send the reminders (at most
200 per tick), until none is left.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bench.scratch_db import scratch_database  # noqa: E402
from services.bootstrap import App, build_app  # noqa: E402
from services.clock import FakeClock  # noqa: E402
from services.settings import Settings  # noqa: E402
from services.supporters.alerts import AlertTimer  # noqa: E402
from services.supporters.feature import SUPPORTERS  # noqa: E402
from services.supporters.summary import SummaryTimer  # noqa: E402
from storage.supporter_models import Supporter, SupporterAlert, SupporterAssignment  # noqa: E402

START = datetime.fromisoformat("2026-11-23T10:00:00+07:00")


def _seed(app: App, count: int) -> None:
    now = app.clock.now()
    with app.uow() as uow:
        helper = uow.people.get_or_create("bench", "supporter", now)
        supporter = Supporter(
            person_id=helper.id,
            channel="bench",
            external_id_hash="bench",
            external_id="supporter",
            name="Hoa",
            org="Hội Phụ nữ",
            commune="",
            active=True,
            created_at=now,
        )
        uow.session.add(supporter)
        uow.session.flush()
        for i in range(count):
            person = uow.people.get_or_create("bench", f"p{i}", now)
            assignment = SupporterAssignment(
                person_id=person.id,
                supporter_id=supporter.id,
                status="active",
                assigned_by="bench",
                created_at=now,
                consent_at=now,
                label=f"#{i}",
            )
            uow.session.add(assignment)
            uow.session.flush()
            uow.session.add(
                SupporterAlert(
                    person_id=person.id,
                    supporter_id=supporter.id,
                    assignment_id=assignment.id,
                    reason="aftercare_relapse",
                    raised_at=now,
                )
            )
        uow.commit()


def run(kind: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, scratch_database(kind, Path(tmp)) as url:
        clock = FakeClock(START)
        settings = Settings(
            data_dir=Path(tmp), database_url=url, encryption_key=SecretStr(Fernet.generate_key().decode())
        )
        app = build_app(settings, clock=clock)
        _seed(app, count)
        sp = app.extensions[SUPPORTERS]
        alerts, summary = AlertTimer(sp, app.uow), SummaryTimer(sp, app.uow)
        idle = []
        for _ in range(20):
            began = time.perf_counter()
            alerts(START + timedelta(hours=1))
            summary(START + timedelta(hours=1))
            idle.append(time.perf_counter() - began)
        busy = []
        for _ in range(count // 200 + 1):
            began = time.perf_counter()
            alerts(START + timedelta(hours=24))
            busy.append(time.perf_counter() - began)
        print(
            f"{kind}: {count} open alerts; idle tick {statistics.median(idle) * 1000:.1f} ms; "
            f"reminder ticks (200 each) median {statistics.median(busy[:-1] or busy) * 1000:.0f} ms, "
            f"worst {max(busy) * 1000:.0f} ms"
        )
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    for kind in args.db:
        run(kind, args.alerts)


if __name__ == "__main__":
    main()
