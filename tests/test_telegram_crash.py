"""Crash safety: `hotline run` is killed with SIGKILL at random moments while people write; nothing is lost.

In both ways updates come in: long polling, and a webhook that the fake server posts to as Telegram does
(several connections at once, an update posted again until it is answered 200).

Every chat must end up with exactly the replies the core gives the same messages without any crash, in the
same order. The only repetition the Bot API makes possible is a message Telegram accepted in the very instant
before a kill, whose row the bot could not mark sent any more (Telegram has no idempotency key): such a copy
is recognised precisely (the same message again, right after the first, which reached the server just before
a kill) and at most one per kill is allowed; anything else fails the test.
"""

from __future__ import annotations

import os
import pickle
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.telegram.render import split_text
from services.clock import SystemClock
from services.nlu.data import default_training_dir, fingerprint
from services.nlu.embedded import MODEL_VERSION, EmbeddedNlu
from services.types import Inbound, MessageKind, Outbound
from storage.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from tests.conftest import TEST_KEY, AppFactory
from tests.fake_telegram import FakeTelegram, SentMessage
from tests.fake_telegram.harness import FAST, fast_server, webhook_env

ROOT = Path(__file__).resolve().parent.parent
USERS = [8000 + i for i in range(10)]
SCRIPT: list[tuple[str, str]] = [
    ("text", "/start"),
    ("text", "dong y"),
    ("text", "chi phi cai nghien bao nhieu"),
    ("sticker", ""),
    ("text", "con toi nghien da phai lam sao"),
    ("text", "dau hieu nhan biet"),
    ("text", "cam on"),
    ("text", "/help"),
]
KILLS = 4
IN_FLIGHT_WINDOW_S = 1.0
# The fake server notes a request when its thread gets to it: a request the bot wrote just before the signal
# may be noted a moment after the process was reaped.
READ_LATE_S = 0.25


@dataclass(frozen=True)
class Kill:
    signalled: float  # monotonic, just before SIGKILL was sent
    reaped: float  # monotonic, once the process was gone

    def explains(self, first_copy_at: float) -> bool:
        """The first copy reached the server in flight at this kill (it could not be marked sent)."""
        return self.signalled - IN_FLIGHT_WINDOW_S <= first_copy_at <= self.reaped + READ_LATE_S


def bot_env(server: FakeTelegram, database_url: str, data_dir: Path, *, webhook: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(
        {
            "HOTLINE_TELEGRAM_TOKEN": server.token,
            "HOTLINE_TELEGRAM_BASE_URL": server.base_url,
            "HOTLINE_DATABASE_URL": database_url,
            "HOTLINE_DATA_DIR": str(data_dir),
            "HOTLINE_ENCRYPTION_KEY": TEST_KEY,
            "HOTLINE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update({f"HOTLINE_{k.upper()}": str(v) for k, v in FAST.items()})
    env["HOTLINE_TELEGRAM_REQUEST_TIMEOUT"] = "2"
    if webhook:  # the same address at every start, as behind a real proxy
        env.update(webhook_env("crash-test-secret"))
    return env


def seed_nlu_cache(nlu: EmbeddedNlu, data_dir: Path) -> None:
    """The subprocess loads the session's trained model instead of training again."""
    cache = data_dir / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    key = fingerprint([default_training_dir()], MODEL_VERSION)
    with (cache / f"embedded-{key}.pkl").open("wb") as handle:
        pickle.dump(nlu, handle)


def expected_replies(app, users: list[int]) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    """What each person gets from the core for the script, with no Telegram and no crash (own channel)."""
    replies: dict[int, list[str]] = {}
    for user in users:
        delivered: list[Outbound] = []
        for number, (kind, text) in enumerate(SCRIPT):
            inbound = Inbound(
                "reference", str(user), f"ref-{user}-{number}", app.clock.now(), text=text, kind=MessageKind(kind)
            )
            app.dialogue.handle(inbound)
            app.outbox.drain("reference", delivered.append, limit=10_000)
        replies[user] = [part for message in delivered for part in split_text(message.text)]
    return replies


def inject_all(server: FakeTelegram, done: threading.Event) -> None:
    rng = random.Random(7)
    for kind, text in SCRIPT:
        for user in USERS:
            if kind == "text":
                server.message(user, text)
            else:
                server.media(user, kind)
            time.sleep(rng.uniform(0.005, 0.03))
    done.set()


def start_bot(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def settled(app, server: FakeTelegram, injected: threading.Event) -> bool:  # type: ignore[no-untyped-def]
    if not injected.is_set() or server.pending_updates():
        return False
    with app.uow() as uow:
        waiting = uow.session.query(InboxMessage).filter(InboxMessage.status == InboxStatus.PENDING).count()
        unsent = (
            uow.session.query(OutboxMessage)
            .filter(OutboxMessage.channel == "telegram", OutboxMessage.status != OutboxStatus.SENT)
            .count()
        )
        stored = uow.session.query(InboxMessage).filter(InboxMessage.channel == "telegram").count()
    return waiting == 0 and unsent == 0 and stored == len(USERS) * len(SCRIPT)


def in_flight_copies(received: list[SentMessage], expected: list[str], kills: list[Kill]) -> list[float]:
    """Match received to expected; an extra copy must repeat the message sent just before a kill.

    Returns, for each copy, how long before the kill its first copy reached the server. A chat has one
    message in flight at most, so a kill can repeat at most one message per chat.
    """
    gaps: list[float] = []
    used: set[int] = set()
    index = 0
    for position, message in enumerate(received):
        if index < len(expected) and message.text == expected[index]:
            index += 1
            continue
        previous = received[position - 1] if position else None
        assert previous is not None and message.text == previous.text, (
            f"unexpected message {message.text[:60]!r} "
            f"(wanted {expected[index][:60] if index < len(expected) else None!r})"
        )
        after = [n for n, kill in enumerate(kills) if kill.explains(previous.at)]
        assert after, (
            "a repeated message that no kill explains: first copy reached the server "
            f"{[round(kill.signalled - previous.at, 3) for kill in kills]} s before each kill"
        )
        assert after[0] not in used, "two repeats in one chat for one kill"
        used.add(after[0])
        gaps.append(kills[after[0]].signalled - previous.at)
    assert index == len(expected), f"lost replies: got {index} of {len(expected)}"
    return gaps


def wait_started(server: FakeTelegram, webhook: bool, starts_before: int) -> None:
    """Until the newest process takes updates: its first getUpdates, or its setWebhook."""
    method = "setWebhook" if webhook else "getUpdates"
    server.wait_until(lambda: server.calls[method] > starts_before, timeout=60, what=f"the bot's {method}")


@pytest.mark.slow
@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_kill_9_at_random_moments_loses_and_repeats_nothing(
    make_app: AppFactory, nlu: EmbeddedNlu, tmp_path: Path, webhook: bool
) -> None:
    app = make_app(clock=SystemClock())  # creates the schema the subprocess then shares
    data_dir = tmp_path / "bot-data"
    seed_nlu_cache(nlu, data_dir)
    rng = random.Random()
    with fast_server() as server:
        env = bot_env(server, str(app.engine.url.render_as_string(hide_password=False)), data_dir, webhook=webhook)
        method = "setWebhook" if webhook else "getUpdates"
        injected = threading.Event()
        injector = threading.Thread(target=inject_all, args=(server, injected), daemon=True)
        kills: list[Kill] = []
        starts = 0  # the fake server's count of `method` calls before the newest process began
        process = start_bot(env, tmp_path)
        try:
            for number in range(KILLS):
                wait_started(server, webhook, starts)
                if number == 0:
                    if webhook:
                        server.push_to_webhook(connections=8)
                    injector.start()
                time.sleep(rng.uniform(0.2, 1.5))
                signalled = time.monotonic()
                process.send_signal(signal.SIGKILL)
                process.wait(10)
                kills.append(Kill(signalled, time.monotonic()))
                starts = server.calls[method]
                process = start_bot(env, tmp_path)
            wait_started(server, webhook, starts)
            server.wait_until(lambda: settled(app, server, injected), timeout=120, what="everything delivered")
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                code = -9
        assert code == 0, process.stderr.read().decode() if process.stderr else code
        assert len(kills) == KILLS
        expected = expected_replies(app, USERS)
        gaps = [gap for user in USERS for gap in in_flight_copies(server.messages(user), expected[user], kills)]
        assert server.too_many == 0
        with app.uow() as uow:
            handled = uow.session.query(InboxMessage).filter(InboxMessage.channel == "telegram").all()
            assert len(handled) == len(USERS) * len(SCRIPT)
            assert all(m.status == InboxStatus.HANDLED and m.attempts == 1 for m in handled), "each handled once"
        print(f"kills={len(kills)} in-flight repeats={len(gaps)} ms before the kill={[round(g * 1000) for g in gaps]}")
