"""How long validating and importing a national-size provider CSV takes, and a province look-up after it.

    .venv/bin/python bench/directory_import.py [ROWS] [--db URL]

Generates ROWS sample rows (default 3000) spread over every province and its communes, then prints the seconds
for parsing + validation, for the import on the database (a fresh SQLite file unless --db), and per look-up.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.fernet import Fernet

from services.directory import service
from services.directory.csv_import import COLUMNS, parse_csv
from services.directory.places import communes, provinces
from storage.crypto import Cipher, install_cipher
from storage.db import build_engine, build_session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork


def sample_csv(rows: int) -> str:
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    places = [(p, c) for p in provinces() for c in communes(p.code)]
    for i in range(rows):
        province, commune = places[(i * 7919) % len(places)]
        phone = f"0200 {i // 1000:03d} {i % 1000:03d}"
        out.write(
            f"Cơ sở mẫu {i},facility,public,{province.name},{commune.name},Số {i} đường Mẫu,{phone},"
            f"7:30–17:00,2026-10-15,yes\n"
        )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=3000)
    parser.add_argument("--db")
    args = parser.parse_args()
    install_cipher(Cipher([Fernet.generate_key()]))
    text = sample_csv(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        engine = build_engine(args.db or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        upgrade(engine)
        factory = build_session_factory(engine)
        started = time.perf_counter()
        parsed = parse_csv(text, date(2026, 11, 26))
        parsed_s = time.perf_counter() - started
        assert not parsed.errors, parsed.errors[:3]
        started = time.perf_counter()
        with UnitOfWork(factory) as uow:
            service.import_rows(uow, parsed.rows, replace=True, now=datetime.now(UTC))
            uow.commit()
        import_s = time.perf_counter() - started
        hcm = next(p for p in provinces() if p.code == 79)
        started = time.perf_counter()
        lookups = 200
        for _ in range(lookups):
            with UnitOfWork(factory) as uow:
                service.lookup(uow, hcm, None, "co so cai nghien o phuong ben thanh")
        lookup_ms = (time.perf_counter() - started) / lookups * 1000
        engine.dispose()
    print(f"rows: {args.rows}")
    print(f"parse + validate: {parsed_s:.2f} s ({parsed_s / args.rows * 1e6:.0f} µs per row)")
    print(f"import ({engine.dialect.name}): {import_s:.2f} s")
    print(f"look-up of one province: {lookup_ms:.2f} ms")


if __name__ == "__main__":
    main()
