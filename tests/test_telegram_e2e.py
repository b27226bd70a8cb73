"""Whole conversations through python-telegram-bot over real HTTP against the fake Bot API server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.bootstrap import App
from services.clock import SystemClock
from storage.models import OutboxMessage, OutboxStatus, Person
from tests.conftest import AppFactory
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.harness import RunningBot, fast_server

U1 = 5550001


@pytest.fixture
def server() -> Iterator[FakeTelegram]:
    with fast_server() as fake:
        yield fake


@pytest.fixture
def live_app(make_app: AppFactory) -> App:
    return make_app(clock=SystemClock())


@pytest.fixture
def bot(live_app: App, server: FakeTelegram) -> Iterator[RunningBot]:
    with RunningBot(live_app, server) as running:
        yield running


def consent(server: FakeTelegram, user: int) -> None:
    server.message(user, "/start")
    server.wait_messages(user, 2)
    server.press_label(user, "Tôi đồng ý")
    server.wait_until(lambda: any("giúp gì" in t for t in server.texts(user)), what="menu after consent")


def test_first_conversation_with_buttons(bot: RunningBot, server: FakeTelegram) -> None:
    server.message(U1, "/start")
    greeting, notice = server.wait_messages(U1, 2)
    assert "đường dây nóng" in greeting.text.lower() or "trợ lý" in greeting.text.lower()
    assert [label for label, _ in notice.buttons] == ["Tôi đồng ý", "Không đồng ý", "Xem chi tiết"]
    update = server.press_label(U1, "Tôi đồng ý")
    menu = server.wait_messages(U1, 3)[2]
    assert "giúp gì" in menu.text and len(menu.buttons) == 4
    # The spinner stopped and the pressed keyboard is gone, so it cannot be pressed again.
    server.wait_until(lambda: not server.by_id[(U1, notice.message_id)].buttons, what="old keyboard removed")
    assert not server.open_callbacks and list(server.callback_answers.values()) == [None]
    assert update in server.injected_at
    # Default command menu, in Vietnamese.
    commands = {c["command"]: c["description"] for c in server.commands["default"]}
    assert set(commands) == {"start", "help", "counsellor", "status", "cancel", "delete"}
    assert commands["delete"] == "Xóa dữ liệu của tôi"


def test_a_question_gets_its_answer(bot: RunningBot, server: FakeTelegram) -> None:
    consent(server, U1)
    before = len(server.messages(U1))
    server.message(U1, "chi phi cai nghien het bao nhieu tien")
    reply = server.wait_messages(U1, before + 1)[before]
    assert "phí" in reply.text.lower()
