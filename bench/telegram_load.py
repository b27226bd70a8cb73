"""Load benchmark of the Telegram channel: `hotline run` in its own process against the fake Bot API server.

    .venv/bin/python bench/telegram_load.py --db sqlite
    .venv/bin/python bench/telegram_load.py --db postgres
    .venv/bin/python bench/telegram_load.py --db postgres --webhook 40   (Telegram posts updates instead)

Phase 1 (burst): N users each send M messages as fast as the injector can → inbound updates/s handled.
Phase 2 (steady): other users send at a fixed rate below capacity → update → reply queued p50/p99 (split at the
moment the bot read the update), measured twice: to the turn's `handled_at` (stamped in the turn's transaction
before its commit; on receipt, as the message is stored, just before its turn), and to the moment a separate
reader connection, polling the outbox every few milliseconds, first sees the reply row (so the commit is
included; the polling period is the resolution).
Then the outbox drains at the configured global limit: outbound msgs/s, 429s received, update → reply
received, lost and duplicated messages (every update handled once, every reply delivered once, in order).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.nlu.embedded import load_embedded  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.fake_telegram.harness import webhook_env  # noqa: E402

SCRIPT = ["/start", "dong y", "chi phi cai nghien bao nhieu", "dau hieu nhan biet", "con toi nghien da", "cam on"]
PG_ADMIN = "host=127.0.0.1 port=5432 dbname=postgres"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite", help="sqlite, postgres, or a database URL")
    parser.add_argument("--users", type=int, default=100, help="burst: simulated users")
    parser.add_argument("--messages", type=int, default=6, help="burst: messages per user (≤ 6)")
    parser.add_argument("--steady-users", type=int, default=100)
    parser.add_argument("--steady-rate", type=float, default=60.0, help="steady phase: updates per second")
    parser.add_argument("--global-rate", type=int, default=30)
    parser.add_argument("--chat-rate", type=float, default=1.0)
    parser.add_argument("--data-dir", default=str(ROOT / "data" / "bench"))
    parser.add_argument("--poll-ms", type=float, default=5.0, help="steady phase: how often the reader looks")
    parser.add_argument("--workers", type=int, help="database threads of the bot (PostgreSQL; its default if unset)")
    parser.add_argument(
        "--webhook",
        type=int,
        metavar="CONNECTIONS",
        help="webhook mode: the fake server posts each update to the bot, this many at once (Telegram's default: 40)",
    )
    args = parser.parse_args()

    data_dir = Path(args.data_dir)
    load_embedded(data_dir / "cache")  # train once; the bot process loads the cached model
    url, drop = database(args.db)
    server = FakeTelegram(chat_limit=1, chat_period=1.0 / args.chat_rate, global_limit=args.global_rate).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        {
            "HOTLINE_TELEGRAM_TOKEN": server.token,
            "HOTLINE_TELEGRAM_BASE_URL": server.base_url,
            "HOTLINE_DATABASE_URL": url,
            "HOTLINE_DATA_DIR": str(data_dir),
            "HOTLINE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "HOTLINE_LOG_LEVEL": "WARNING",
            "HOTLINE_TELEGRAM_GLOBAL_RATE": str(args.global_rate),
            "HOTLINE_TELEGRAM_CHAT_RATE": str(args.chat_rate),
            "HOTLINE_TELEGRAM_POLL_TIMEOUT": "5",
            "PYTHONPATH": str(ROOT),
        }
    )
    if args.workers is not None:
        env["HOTLINE_TELEGRAM_WORKERS"] = str(args.workers)
    if args.webhook is not None:
        env.update(webhook_env(uuid.uuid4().hex))
    bot = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "run"], env=env, cwd=tempfile.mkdtemp())
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        if args.webhook is None:
            server.wait_until(lambda: server.calls["getUpdates"] > 0, timeout=120, what="the bot polling")
        else:
            server.wait_until(lambda: server.webhook is not None, timeout=120, what="the bot's webhook")
            server.push_to_webhook(args.webhook)
        burst_users = [100_000 + i for i in range(args.users)]
        steady_users = [200_000 + i for i in range(args.steady_users)]
        script = SCRIPT[: args.messages]

        # Phase 1: burst.
        start = time.time()
        for message in script:
            for user in burst_users:
                server.message(user, message)
        injected = time.time() - start
        total = len(burst_users) * len(script)
        wait_handled(engine, total, timeout=600)
        burst_s = last_handled(engine) - start
        print(
            f"burst: {total} updates injected in {injected:.2f}s, all handled in {burst_s:.2f}s "
            f"→ {total / burst_s:.0f} updates/s"
        )

        # Phase 2: steady rate.
        steady_total = len(steady_users) * len(script)
        gap = 1.0 / args.steady_rate
        watcher = OutboxWatcher(engine, args.poll_ms / 1000).start()
        start2 = time.time()
        sent = 0
        for message in script:
            for user in steady_users:
                target = start2 + sent * gap
                if (delay := target - time.time()) > 0:
                    time.sleep(delay)
                server.message(user, message)
                sent += 1
        wait_handled(engine, total + steady_total, timeout=600)
        time.sleep(0.2)
        watcher.stop()
        queued = queue_latencies(engine, server, set(steady_users))
        seen = watcher.latencies(engine, server, set(steady_users))
        polled, turned = split_latencies(engine, server, set(steady_users))
        print(
            f"steady: {steady_total} updates at {args.steady_rate:.0f}/s → update→reply queued (handled_at) "
            f"p50 {percentile(queued, 0.5) * 1000:.1f} ms, p99 {percentile(queued, 0.99) * 1000:.1f} ms, "
            f"max {max(queued) * 1000:.1f} ms"
        )
        print(
            f"steady: of which update→received by the bot p50 {percentile(polled, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(polled, 0.99) * 1000:.1f} ms; received→handled p50 {percentile(turned, 0.5) * 1000:.1f}"
            f" ms, p99 {percentile(turned, 0.99) * 1000:.1f} ms"
        )
        print(
            f"steady: update→reply row committed (seen by a reader every {args.poll_ms:g} ms, {len(seen)} updates) "
            f"p50 {percentile(seen, 0.5) * 1000:.1f} ms, p99 {percentile(seen, 0.99) * 1000:.1f} ms, "
            f"max {max(seen) * 1000:.1f} ms"
        )
        burst_queued = queue_latencies(engine, server, set(burst_users))
        print(
            f"burst (over capacity): update→reply queued p50 {percentile(burst_queued, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(burst_queued, 0.99) * 1000:.0f} ms"
        )

        # Drain the outbox at the global limit.
        drain_start = time.time()
        wait_sent(engine, timeout=1800)
        drain_s = time.time() - drain_start
        report_delivery(engine, server, burst_users + steady_users, drain_start, drain_s, args.global_rate)
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(60)
        except subprocess.TimeoutExpired:
            bot.kill()
        engine.dispose()
        server.stop()
        drop()
    return 0


def database(choice: str) -> tuple[str, callable]:  # type: ignore[valid-type]
    if choice == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: None
    if choice == "postgres":
        name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return f"postgresql://root@127.0.0.1:5432/{name}", drop
    return choice, lambda: None


def scalar(engine, sql: str) -> float:  # type: ignore[no-untyped-def]
    try:
        with engine.connect() as conn:
            return float(conn.execute(text(sql)).scalar() or 0)
    except Exception:
        return 0.0  # the schema is not there yet


def wait_handled(engine, count: int, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while scalar(engine, "select count(*) from inbox where status = 'handled'") < count:
        if time.time() > deadline:
            raise SystemExit("timed out waiting for the updates to be handled")
        time.sleep(0.05)


def wait_sent(engine, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while scalar(engine, "select count(*) from outbox where status = 'pending'") > 0:
        if time.time() > deadline:
            raise SystemExit("timed out waiting for the outbox to drain")
        time.sleep(0.2)


def last_handled(engine) -> float:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return _ts(conn.execute(text("select max(handled_at) from inbox")).scalar())


def _ts(value) -> float:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def queue_latencies(engine, server: FakeTelegram, users: set[int]) -> list[float]:  # type: ignore[no-untyped-def]
    """Injected → handled (the turn's commit, which is when its replies are in the outbox)."""
    polled, turned = split_latencies(engine, server, users)
    return [read + handled for read, handled in zip(polled, turned, strict=True)]


def split_latencies(engine, server: FakeTelegram, users: set[int]) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Injected → received by the bot (getUpdates, parsing), and received → handled (storing, the turn)."""
    times: dict[str, tuple[float, float]] = {}
    with engine.connect() as conn:
        for message_id, received, handled in conn.execute(
            text("select message_id, received_at, handled_at from inbox")
        ):
            times[message_id] = (_ts(received), _ts(handled))
    polled, turned = [], []
    for wall, key in server.injected_wall.values():
        if key and int(key.split(":")[0]) in users and key in times:
            received, handled = times[key]
            polled.append(received - wall)
            turned.append(handled - received)
    return polled, turned


WATCH_WINDOW = 300


class OutboxWatcher:
    """A reader of its own that notes when each outbox row first becomes visible, i.e. committed."""

    def __init__(self, engine, period_s: float) -> None:  # type: ignore[no-untyped-def]
        self._engine = engine
        self._period = period_s
        self._stop = threading.Event()
        self.first_seen: dict[int, tuple[int, str, float]] = {}  # outbox id → (person id, turn's time, wall time)
        self._thread = threading.Thread(target=self._run, daemon=True, name="outbox-watcher")

    def start(self) -> OutboxWatcher:
        with self._engine.connect() as conn:
            self._last = int(conn.execute(text("select coalesce(max(id), 0) from outbox")).scalar() or 0)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        # Ids are taken when a row is written, not when it commits: with several database threads (PostgreSQL) a
        # row may become visible after one with a higher id, so the reader looks back a window of ids each time.
        with self._engine.connect() as conn:
            while not self._stop.wait(self._period):
                rows = conn.execute(
                    text("select id, person_id, created_at from outbox where id > :floor"),
                    {"floor": self._last - WATCH_WINDOW},
                ).all()
                conn.rollback()  # a fresh snapshot next time
                now = time.time()
                for outbox_id, person_id, created_at in rows:
                    self.first_seen.setdefault(int(outbox_id), (int(person_id), str(created_at), now))
                if rows:
                    self._last = max(self._last, max(int(row[0]) for row in rows))

    def latencies(self, engine, server: FakeTelegram, users: set[int]) -> list[float]:  # type: ignore[no-untyped-def]
        """Injected → its replies first seen. A person's k-th message in the phase is matched with the k-th turn
        that wrote to them (the rows of one turn share its time), so a late reply is never taken for the next."""
        with engine.connect() as conn:
            person_of = {str(m): int(p) for m, p in conn.execute(text("select message_id, person_id from inbox"))}
        turns: dict[int, dict[str, float]] = {}
        for person_id, turn_at, wall in self.first_seen.values():
            seen = turns.setdefault(person_id, {})
            seen[turn_at] = min(wall, seen.get(turn_at, wall))
        injected: dict[int, list[float]] = {}
        for wall, key in sorted(server.injected_wall.values()):
            if key and int(key.split(":")[0]) in users and key in person_of:
                injected.setdefault(person_of[key], []).append(wall)
        out = []
        for person_id, walls in injected.items():
            replies = [turns[person_id][t] for t in sorted(turns.get(person_id, {}))]
            out.extend(seen - wall for wall, seen in zip(walls, replies, strict=False))
        return out


def report_delivery(
    engine,
    server: FakeTelegram,
    users: list[int],
    drain_start: float,
    drain_s: float,  # type: ignore[no-untyped-def]
    global_rate: int,
) -> None:
    with engine.connect() as conn:
        outbox = conn.execute(
            text("select count(*), sum(case when status='sent' then 1 else 0 end), sum(attempts) from outbox")
        ).one()
        inbox = conn.execute(
            text("select count(*), sum(attempts), sum(case when status='handled' then 1 else 0 end) from inbox")
        ).one()
    rows, sent, attempts = int(outbox[0]), int(outbox[1] or 0), int(outbox[2] or 0)
    received = len(server.sent)
    windows: dict[int, int] = {}
    for message in server.sent:
        windows[int(message.wall)] = windows.get(int(message.wall), 0) + 1
    busiest = max(windows.values()) if windows else 0
    in_drain = [m for m in server.sent if m.wall >= drain_start]
    rate = len(in_drain) / drain_s if drain_s else float("nan")
    first_reply = []
    for wall, key in server.injected_wall.values():
        chat = int(key.split(":")[0])
        later = [m.wall for m in server.messages(chat) if m.wall >= wall]
        if later:
            first_reply.append(later[0] - wall)
    print(
        f"outbound: {received} messages received by the server for {rows} outbox rows ({sent} marked sent, "
        f"{attempts - sent} extra attempts); drain {rate:.1f} msg/s with the limit at {global_rate}/s, "
        f"busiest second {busiest}"
    )
    print(f"429 received by the bot: {server.too_many}")
    print(
        f"update → reply received (queued behind the {global_rate}/s limit): "
        f"p50 {percentile(first_reply, 0.5):.1f} s, p99 {percentile(first_reply, 0.99):.1f} s"
    )
    lost_in = len(server.injected_wall) - int(inbox[0])
    duplicated_turns = int(inbox[1] or 0) - int(inbox[2] or 0)
    print(
        f"lost updates: {lost_in + (int(inbox[0]) - int(inbox[2] or 0))}, updates handled twice: {duplicated_turns}, "
        f"lost replies: {rows - received if received < rows else 0}, duplicated replies: {max(0, received - rows)}"
    )


if __name__ == "__main__":
    sys.exit(main())
