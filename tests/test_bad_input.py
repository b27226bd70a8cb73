"""Bad input gets a clear, kind Vietnamese answer and loses nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from services.bootstrap import App, build_app
from services.clock import FakeClock
from services.dialogue.service import DialogueService
from services.nlu.embedded import EmbeddedNlu
from services.types import MessageKind
from storage.models import InboxMessage, InboxStatus
from tests.conftest import START, make_settings
from tests.helpers import Chat, break_turns_on, texts


@pytest.fixture
def chat(app: App) -> Chat:
    c = Chat(app)
    c.consent()
    return c


def test_empty_message(chat: Chat) -> None:
    assert "trống" in texts(chat.say(""))


def test_ten_thousand_characters(chat: Chat, app: App) -> None:
    long_text = "con tôi nghiện đá phải làm sao " * 340
    replies = chat.say(long_text)
    assert replies, "a long message is answered"
    assert "phần đầu" in texts(replies)
    with app.uow() as uow:
        stored = uow.session.scalars(select(InboxMessage).order_by(InboxMessage.id.desc())).first()
        assert stored is not None and stored.text == long_text, "storage keeps the whole message"


def test_only_emoji(chat: Chat) -> None:
    assert "giúp gì" in texts(chat.say("🙏🙏😭"))


def test_control_characters(chat: Chat) -> None:
    replies = chat.say("\x00\x07methadone\x1b là gì\u200b")
    assert "methadone" in texts(replies).lower()


def test_sticker_and_voice(chat: Chat) -> None:
    assert "tin nhắn chữ" in texts(chat.say("", kind=MessageKind.STICKER))
    assert "tin nhắn chữ" in texts(chat.say("", kind=MessageKind.VOICE))


def test_command_in_the_wrong_state(chat: Chat) -> None:
    assert "không có việc gì" in texts(chat.say("/cancel"))
    assert "chưa hiểu lệnh" in texts(chat.say("/close"))


def test_button_from_an_old_menu(chat: Chat) -> None:
    replies = chat.press("delete:yes")
    assert "menu cũ" in texts(replies)
    replies = chat.press("consent:yes")
    assert "menu cũ" in texts(replies)


def test_same_message_id_twice(app: App) -> None:
    chat = Chat(app)
    first = chat.say("chào", message_id="dup-1")
    second = chat.say("chào", message_id="dup-1")
    assert first and second == []
    with app.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(InboxMessage)) == 1


def test_database_busy_when_storing_tells_the_person_to_retry(tmp_path: Path, nlu: EmbeddedNlu) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'locked.sqlite3'}", sqlite_busy_timeout_s=0.05)
    app = build_app(settings, clock=FakeClock(START), nlu=nlu)
    fast = DialogueService(
        app.dialogue._uow_factory,
        app.nlu,
        app.router,
        app.clock,
        max_message_chars=4000,
        sleep=lambda _s: None,
        retry_delays=(0.0,),
    )
    path = app.engine.url.database
    assert path
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        app.dialogue = fast
        replies = Chat(app).say("chào")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "gửi lại" in texts(replies)
    again = Chat(app).say("chào")
    assert "bảo mật" in texts(again), "once the lock is gone the person is answered normally"
    app.close()


def test_database_failure_while_handling_keeps_the_message(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Chat(app)
    chat.consent()
    real = DialogueService.process
    calls = {"n": 0}

    def flaky(self: DialogueService, inbox_id: int) -> None:
        calls["n"] += 1
        if calls["n"] <= 4:
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))
        real(self, inbox_id)

    monkeypatch.setattr(DialogueService, "process", flaky)
    app.dialogue._sleep = lambda _s: None
    replies = chat.say("methadone là gì")
    assert "đã nhận" in texts(replies)
    with app.uow() as uow:
        assert uow.session.scalars(select(InboxMessage.status).order_by(InboxMessage.id.desc())).first() == (
            InboxStatus.PENDING
        )
    assert app.dialogue.process_pending() == 1
    delivered: list[str] = []
    app.outbox.drain("test", lambda m: delivered.append(m.text))
    assert any("methadone" in t.lower() for t in delivered)


def test_a_message_that_breaks_the_core_is_set_aside(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = Chat(app)
    chat.consent()
    break_turns_on(app, monkeypatch)
    assert "gửi lại" in texts(chat.say("boom"))
    assert "methadone" in texts(chat.say("methadone là gì")).lower(), "later messages are not blocked"
    with app.uow() as uow:
        statuses = list(uow.session.scalars(select(InboxMessage.status).order_by(InboxMessage.id)))
    assert statuses[-2:] == [InboxStatus.FAILED, InboxStatus.HANDLED]
    assert app.dialogue.process_pending() == 0
