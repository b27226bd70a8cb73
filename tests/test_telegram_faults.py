"""A 429 storm, server errors, hanging requests and dropped connections: nothing lost, order per chat kept."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from services.clock import SystemClock
from storage.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from tests.conftest import AppFactory
from tests.fake_telegram import FakeTelegram, Fault
from tests.fake_telegram.harness import RunningBot, channel_settings, fast_server

CALM = [7000 + i for i in range(6)]
STORMY = [7200 + i for i in range(6)]
SCRIPT = ["/start", "dong y", "chi phi cai nghien bao nhieu", "dau hieu nhan biet nguoi nghien", "cam on"]


@pytest.fixture
def server() -> Iterator[FakeTelegram]:
    with fast_server() as fake:
        yield fake


def run_script(
    make_app: AppFactory, server: FakeTelegram, users: list[int], faults: list[tuple[str, Fault, int]]
) -> list[list[str]]:
    """Each user sends the script; returns what each chat received once everything settled."""
    app = make_app(clock=SystemClock())
    for method, fault, times in faults:
        server.fail(method, fault, times)
    with RunningBot(app, server, channel_settings(telegram_request_timeout=0.5)) as bot:
        for text in SCRIPT:
            for user in users:
                server.message(user, text)
        server.wait_until(lambda: _settled(bot, server, users), timeout=60, what="every reply delivered")
    return [server.texts(user) for user in users]


def _settled(bot: RunningBot, server: FakeTelegram, users: list[int]) -> bool:
    with bot.app.uow() as uow:
        unsent = uow.session.query(OutboxMessage).filter(OutboxMessage.status != OutboxStatus.SENT).count()
        waiting = uow.session.query(InboxMessage).filter(InboxMessage.status == InboxStatus.PENDING).count()
    return (
        server.pending_updates() == 0
        and unsent == 0
        and waiting == 0
        and all(len(server.texts(user)) >= len(SCRIPT) for user in users)
    )


def test_storm_of_errors_loses_nothing_and_keeps_order(make_app: AppFactory) -> None:
    with fast_server() as calm:
        expected = run_script(make_app, calm, CALM, [])
    with fast_server() as stormy:
        faults = [
            ("sendMessage", Fault("429", retry_after=1), 25),
            ("sendMessage", Fault("500"), 5),
            ("sendMessage", Fault("drop"), 5),
            ("sendMessage", Fault("timeout", hang_s=1.0), 3),
            ("getUpdates", Fault("500"), 2),
            ("getUpdates", Fault("drop"), 2),
        ]
        got = run_script(make_app, stormy, STORMY, faults)
        assert stormy.faults_left("sendMessage") == 0 and stormy.faults_left("getUpdates") == 0
        assert stormy.too_many == 0, "the bot itself never exceeded a limit"
    assert got == expected, "every chat received exactly the calm run's replies, in the same order"
    assert all(len(texts) >= len(SCRIPT) for texts in got)


def test_logs_carry_no_token_and_no_text(make_app: AppFactory, server: FakeTelegram) -> None:
    import io

    from services.logging_setup import configure_logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("DEBUG", stream=stream)
    try:
        app = make_app(clock=SystemClock())
        server.fail("sendMessage", Fault("500"), 1)
        with RunningBot(app, server):
            server.message(7100, "/start")
            server.wait_messages(7100, 2)
            server.message(7100, "tôi tên Nguyễn Văn Minh số 0912345678")
            server.wait_messages(7100, 3)
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    logs = stream.getvalue()
    assert "telegram channel started" in logs and "turn handled" in logs, "the logs were captured"
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    for secret in [server.token, server.token.split(":")[1], "Nguyễn Văn Minh", "0912345678", "7100"]:
        assert secret not in logs
