"""Indicators benchmark: time of `build_indicators` for a quarter on a seeded history, SQLite and PostgreSQL.

    .venv/bin/python bench/indicators.py                    # 10k people, SQLite and the local PostgreSQL
    .venv/bin/python bench/indicators.py --people 50000 --db sqlite

Seeds N people: each wrote on 3 days, half registered (one of 10 communes of Hồ Chí Minh, with the encrypted
commune), half joined after-care (some paused, stopped, completed), one in ten reported a relapse that was
escalated and accepted by a counsellor who closed the conversation with a rating; one in 50 a crisis. Then it times
the quarter's indicators for every place and for one commune (which decrypts the registrations' communes).
"""

from __future__ import annotations

import argparse
import json
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
from services.directory.places import communes, resolve_province  # noqa: E402
from services.indicators.period import make_period, parse_quarter  # noqa: E402
from services.indicators.places import place_filter  # noqa: E402
from services.indicators.report import build_indicators  # noqa: E402
from services.nlu.base import OUT_OF_SCOPE, IntentScore, ParseResult  # noqa: E402
from services.settings import Settings  # noqa: E402
from storage.aftercare_models import AftercareEnrolment, AftercareEvent  # noqa: E402
from storage.handoff_models import HandoffEvent  # noqa: E402
from storage.models import CrisisEvent, HandoffRequest, InboxMessage, Person  # noqa: E402
from storage.registration_models import Registration, RegistrationEvent  # noqa: E402

START = datetime.fromisoformat("2026-07-01T08:00:00+07:00")
NOW = datetime.fromisoformat("2026-10-05T12:00:00+07:00")
CHUNK = 2000


class NoNlu:
    def parse(self, text: str) -> ParseResult:
        return ParseResult(text, IntentScore(OUT_OF_SCOPE, 0.0))


def seed(app: App, people: int) -> None:
    province = resolve_province("ho chi minh")
    wards = [json.dumps({"code": c.code, "name": c.name}, ensure_ascii=False) for c in communes(province.code)[:10]]
    for first in range(0, people, CHUNK):
        with app.uow() as uow:
            s = uow.session
            batch = [
                Person(
                    channel="bench",
                    external_id_hash=f"h{n}",
                    external_id=f"p{n}",
                    created_at=START,
                    last_seen_at=START,
                )
                for n in range(first, min(first + CHUNK, people))
            ]
            s.add_all(batch)
            s.flush()
            for person in batch:
                n, pid = int(person.external_id[1:]), person.id
                day = START + timedelta(days=n % 85)
                for k in range(3):
                    s.add(
                        InboxMessage(
                            channel="bench",
                            message_id=f"{n}-{k}",
                            person_id=pid,
                            kind="text",
                            received_at=day + timedelta(days=k),
                            status="handled",
                        )
                    )
                if n % 2 == 0:
                    reg = Registration(
                        code=f"DK-{n:08d}"[:12],
                        person_id=pid,
                        status="completed" if n % 4 == 0 else "received",
                        for_whom="self",
                        province=province.name,
                        ward=wards[n % len(wards)],
                        treatment_form="home_community",
                        contact_time="morning",
                        created_at=day,
                        updated_at=day,
                    )
                    s.add(reg)
                    s.flush()
                    s.add(RegistrationEvent(registration_id=reg.id, status="received", actor="person:self", at=day))
                    if n % 4 == 0:
                        s.add(
                            RegistrationEvent(
                                registration_id=reg.id, status="completed", actor="staff", at=day + timedelta(days=1)
                            )
                        )
                if n % 2 == 1 or n % 4 == 0:
                    enrolment = AftercareEnrolment(
                        person_id=pid,
                        status="active",
                        plan="default",
                        cycle=1,
                        local_time="08:00",
                        enrolled_by="self",
                        offered_at=day,
                        consent_at=day,
                        started_at=day,
                        updated_at=day,
                    )
                    s.add(enrolment)
                    s.flush()
                    s.add(AftercareEvent(enrolment_id=enrolment.id, person_id=pid, kind="enrolled", at=day))
                    if n % 7 == 0:
                        s.add(
                            AftercareEvent(
                                enrolment_id=enrolment.id, person_id=pid, kind="paused", at=day + timedelta(days=3)
                            )
                        )
                    if n % 11 == 0:
                        s.add(
                            AftercareEvent(
                                enrolment_id=enrolment.id, person_id=pid, kind="stopped", at=day + timedelta(days=9)
                            )
                        )
                    if n % 10 == 1:
                        at = day + timedelta(days=2)
                        s.add(
                            AftercareEvent(
                                enrolment_id=enrolment.id, person_id=pid, kind="answer", value="relapse", at=at
                            )
                        )
                        s.add(
                            AftercareEvent(
                                enrolment_id=enrolment.id,
                                person_id=pid,
                                kind="escalated",
                                value="aftercare_relapse",
                                at=at,
                            )
                        )
                        accepted = at + timedelta(minutes=5 + n % 60)
                        request = HandoffRequest(
                            person_id=pid,
                            reason="aftercare_relapse",
                            priority=50,
                            status="closed",
                            created_at=at,
                            updated_at=at,
                            queued_at=at,
                            accepted_at=accepted,
                            closed_at=accepted + timedelta(minutes=20),
                            csat=1 + n % 5,
                        )
                        s.add(request)
                        s.flush()
                        s.add(HandoffEvent(request_id=request.id, kind="accepted", at=accepted))
                if n % 50 == 0:
                    s.add(CrisisEvent(person_id=pid, kind="suicide", detector="rules", interrupted="none", at=day))
            uow.commit()


def measure(app: App, province: str | None, commune: str | None, runs: int) -> float:
    period = make_period(*parse_quarter("2026Q3"), NOW)
    where = place_filter(province, commune)
    times = []
    for _ in range(runs):
        with app.uow() as uow:
            started = time.perf_counter()
            build_indicators(uow.session, period, where)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(db: str, people: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp, scratch_database(db, Path(tmp)) as url:
        settings = Settings.model_validate(
            {"data_dir": Path(tmp), "database_url": url, "encryption_key": SecretStr(Fernet.generate_key().decode())}
        )
        app = build_app(settings, clock=FakeClock(NOW), nlu=NoNlu())
        try:
            started = time.perf_counter()
            seed(app, people)
            seeded = time.perf_counter() - started
            everywhere = measure(app, None, None, runs)
            commune = measure(app, "ho chi minh", communes(resolve_province("ho chi minh").code)[0].name, runs)
            print(
                f"{db:10} people {people:>7,}  seed {seeded:6.1f} s  all places {everywhere:6.2f} s  "
                f"one commune {commune:6.2f} s  (median of {runs})",
                flush=True,
            )
        finally:
            app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        run(db, args.people, args.runs)


if __name__ == "__main__":
    main()
