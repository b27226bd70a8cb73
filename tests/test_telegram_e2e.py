"""Whole conversations through python-telegram-bot over real HTTP against the fake Bot API server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.bootstrap import App
from services.clock import SystemClock
from services.handoff.accounts import add_counsellor, create_invite
from services.handoff.admin import deactivate
from services.handoff.feature import HANDOFF
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


def test_pressing_the_same_keyboard_twice_is_answered_as_stale(bot: RunningBot, server: FakeTelegram) -> None:
    server.message(U1, "/start")
    notice = server.wait_messages(U1, 2)[1]
    server.press(U1, notice.message_id, "consent:yes")
    server.wait_messages(U1, 3)
    second = server.press(U1, notice.message_id, "consent:no")  # a fast double tap, before the keyboard went
    server.wait_until(lambda: len(server.callback_answers) == 2, what="both presses answered")
    assert second in server.injected_at
    toast = [text for text in server.callback_answers.values() if text]
    assert toast == ["Dạ, menu này đã cũ rồi ạ. Bạn vui lòng dùng tin nhắn mới nhất nhé."]
    server.message(U1, "cam on")
    server.wait_messages(U1, 4)
    assert not any("không đồng ý" in t.lower() for t in server.texts(U1)[3:]), "the second press reached the core"
    with bot.app.uow() as uow:
        person = uow.session.query(Person).one()
        assert person.consent_at is not None and person.consent_declined_at is None


def test_a_button_of_an_older_menu_reaches_the_core(bot: RunningBot, server: FakeTelegram) -> None:
    consent(server, U1)
    menu = server.messages(U1)[-1]
    server.message(U1, "xoa du lieu cua toi")
    server.wait_until(lambda: any(b[1] == "delete:yes" for b in server.messages(U1)[-1].buttons), what="delete ask")
    server.message(U1, "/cancel")
    count = len(server.messages(U1))
    server.wait_messages(U1, count + 1)
    server.press(U1, server.messages(U1)[-2].message_id, "delete:yes")  # the confirmation of a cancelled question
    reply = server.wait_messages(U1, count + 2)[-1]
    assert "menu cũ" in reply.text
    assert menu.buttons, "a keyboard that was not pressed stays"


NON_TEXT = ["sticker", "photo", "voice", "video", "document", "location", "poll"]


def test_non_text_messages_get_kind_answers(bot: RunningBot, server: FakeTelegram) -> None:
    consent(server, U1)
    count = len(server.messages(U1))
    for kind in NON_TEXT:
        server.media(U1, kind)
        count += 1
        reply = server.wait_messages(U1, count)[-1]
        assert "chỉ đọc được tin nhắn chữ" in reply.text, kind
    server.media(U1, "contact", contact_user=999)  # someone else's contact: answered, the number not kept
    reply = server.wait_messages(U1, count + 1)[-1]
    assert "tin nhắn chữ" in reply.text
    server.edit(U1, 3, "sửa lại")
    reply = server.wait_messages(U1, count + 2)[-1]
    assert "sửa một tin nhắn" in reply.text
    with bot.app.uow() as uow:
        from storage.models import InboxMessage

        contact = uow.session.query(InboxMessage).filter_by(kind="contact").one()
        assert contact.text == ""


def test_a_crisis_in_a_photo_caption_is_answered(bot: RunningBot, server: FakeTelegram) -> None:
    consent(server, U1)
    count = len(server.messages(U1))
    server.media(U1, "photo", caption="toi khong muon song nua")
    reply = server.wait_messages(U1, count + 1)[count]
    assert "115" in reply.text


def test_groups_and_channels_are_refused_politely(bot: RunningBot, server: FakeTelegram) -> None:
    group, channel = -100111, -100222
    server.group_message(group, U1, "/start@hotline_test_bot")
    server.group_message(group, U1, "chuyện riêng không gửi cho bot")  # not addressed to the bot: ignored
    server.group_message(group, U1, "/help")  # refused once an hour only
    server.channel_post(channel, "tin kênh")
    notice = server.wait_messages(group, 1)[0]
    server.wait_messages(channel, 1)
    server.message(U1, "/start")
    server.wait_messages(U1, 2)
    assert len(server.messages(group)) == 1
    assert "trò chuyện riêng" in notice.text
    assert notice.buttons == [("Nhắn riêng cho trợ lý", "https://t.me/hotline_test_bot")]
    with bot.app.uow() as uow:
        assert uow.session.query(Person).count() == 1, "a group never becomes a person"


def test_long_messages_are_split_at_paragraphs_with_buttons_on_the_last(bot: RunningBot, server: FakeTelegram) -> None:
    from services.messaging import send_message
    from services.types import Button

    consent(server, U1)
    count = len(server.messages(U1))
    paragraphs = [f"Đoạn {i} <b>&amp;</b> " + "chữ " * 700 for i in range(4)]  # ≈ 2,800 characters each
    with bot.app.uow() as uow:
        person = uow.session.query(Person).one()
        send_message(uow, person.id, "\n\n".join(paragraphs), [Button("Menu chính", "menu:main")], bot.app.clock.now())
        uow.commit()
    bot.channel.sender.notify()  # type: ignore[union-attr]
    parts = server.wait_messages(U1, count + 4)[count:]
    assert [p.text.strip() for p in parts] == [p.strip() for p in paragraphs]
    assert [bool(p.buttons) for p in parts] == [False, False, False, True]


def test_a_long_payload_travels_through_a_short_key(bot: RunningBot, server: FakeTelegram) -> None:
    from services.messaging import send_message
    from services.types import Button

    long_payload = "test:" + "tỉnh-thành-phố-" * 8
    seen: list[str] = []

    def handler(turn) -> None:  # type: ignore[no-untyped-def]
        seen.append(turn.payload)
        turn.say("đã nhận")

    bot.app.router.register_payload("test:", handler)
    consent(server, U1)
    with bot.app.uow() as uow:
        person = uow.session.query(Person).one()
        send_message(uow, person.id, "Chọn:", [Button("Chọn tỉnh", long_payload)], bot.app.clock.now())
        uow.commit()
    bot.channel.sender.notify()  # type: ignore[union-attr]
    server.wait_until(lambda: server.texts(U1)[-1] == "Chọn:", what="the keyboard")
    data = server.messages(U1)[-1].buttons[0][1]
    assert data.startswith("#") and len(data.encode()) <= 64
    server.press_label(U1, "Chọn tỉnh")
    server.wait_until(lambda: server.texts(U1)[-1] == "đã nhận", what="the handler's answer")
    assert seen == [long_payload]


def test_a_user_who_blocked_the_bot_is_marked_unreachable(bot: RunningBot, server: FakeTelegram) -> None:
    consent(server, U1)
    server.block(U1)
    server.message(U1, "cam on")
    server.wait_until(lambda: _outbox(bot, OutboxStatus.FAILED) == 1, what="the refused row")
    with bot.app.uow() as uow:
        assert uow.session.query(Person).one().unreachable
        failed = uow.session.query(OutboxMessage).filter_by(status=OutboxStatus.FAILED).one()
        assert "blocked" in (failed.error or "")
    server.blocked.clear()
    count = len(server.messages(U1))
    server.message(U1, "chi phi bao nhieu")
    server.wait_messages(U1, count + 1)
    server.wait_until(lambda: not _unreachable(bot), what="reachable again")


def _unreachable(bot: RunningBot) -> bool:
    """A fresh, short transaction each time: a long one would hold SQLite's write lock against the bot."""
    with bot.app.uow() as uow:
        return bool(uow.session.query(Person).one().unreachable)


def _outbox(bot: RunningBot, status: OutboxStatus) -> int:
    with bot.app.uow() as uow:
        return uow.session.query(OutboxMessage).filter_by(status=status).count()


def test_chat_scoped_commands_for_counsellors(bot: RunningBot, server: FakeTelegram) -> None:
    from bot.telegram.commands import CHAT_COMMANDS_HOOK

    consent(server, U1)
    hook = bot.app.extensions[CHAT_COMMANDS_HOOK]
    hook("telegram", str(U1), [("on", "Bắt đầu ca trực"), ("accept", "Nhận người đang chờ")])
    server.wait_until(lambda: f"chat:{U1}" in server.commands, what="chat commands")
    assert [c["command"] for c in server.commands[f"chat:{U1}"]] == ["on", "accept"]
    hook("telegram", str(U1), [])
    server.wait_until(lambda: f"chat:{U1}" not in server.commands, what="chat commands removed")
    hook("zalo", "1", [("on", "x")])  # another channel's person: not ours


def test_a_counsellor_gets_their_own_menu_when_they_redeem_an_invitation(bot: RunningBot, server: FakeTelegram) -> None:
    with bot.app.uow() as uow:
        code = create_invite(uow, bot.app.clock.now(), valid_for=timedelta(hours=1), name="Hoa")
        uow.commit()
    server.message(U1, f"/start {code}")
    server.wait_until(lambda: f"chat:{U1}" in server.commands, what="the counsellor's menu")
    words = [c["command"] for c in server.commands[f"chat:{U1}"]]
    assert words[:3] == ["on", "off", "accept"] and "assign" in words
    assert server.commands["default"][0]["command"] == "start", "everyone else keeps the people's menu"


def test_staff_menus_are_put_right_at_start(live_app: App, server: FakeTelegram) -> None:
    with live_app.uow() as uow:
        add_counsellor(uow, "telegram", str(U1), "Hoa", live_app.clock.now())
        gone = add_counsellor(uow, "telegram", "5550002", "Lan", live_app.clock.now())
        deactivate(live_app.extensions[HANDOFF], uow, gone, live_app.clock.now())
        uow.commit()
    server.commands["chat:5550002"] = [{"command": "on", "description": "Vào ca trực"}]  # from before the deactivation
    with RunningBot(live_app, server):
        server.wait_until(lambda: f"chat:{U1}" in server.commands, what="an active counsellor's menu")
        server.wait_until(lambda: "chat:5550002" not in server.commands, what="a closed account's menu removed")


def test_asking_for_a_counsellor(bot: RunningBot, server: FakeTelegram) -> None:
    consent(server, U1)
    count = len(server.messages(U1))
    server.message(U1, "/counsellor")
    reply = server.wait_messages(U1, count + 1)[count]
    assert "hàng chờ" in reply.text
    assert ("Hủy yêu cầu", "handoff:cancel") in reply.buttons
    server.press_label(U1, "Hủy yêu cầu")
    assert "hủy" in server.wait_messages(U1, count + 2)[-1].text


def test_photos_and_voice_notes_go_across_a_conversation_as_copies(bot: RunningBot, server: FakeTelegram) -> None:
    counsellor = 5550009
    with bot.app.uow() as uow:
        add_counsellor(uow, "telegram", str(counsellor), "Lan", bot.app.clock.now())
        uow.commit()
    server.message(counsellor, "/on")
    server.wait_messages(counsellor, 1)
    consent(server, U1)
    server.message(U1, "/counsellor")
    server.wait_until(lambda: any("#1" in t for t in server.texts(counsellor)), what="the counsellor is told")
    server.message(counsellor, "/accept")
    server.wait_until(lambda: "Lan đã vào" in server.texts(U1)[-1], what="the person is told")
    server.wait_until(lambda: "bạn đang nhận" in server.texts(counsellor)[-1], what="the counsellor's card")
    seen, told = len(server.messages(counsellor)), len(server.messages(U1))

    server.media(U1, "photo", caption="cai nay la gi vay")
    header, copy = server.wait_messages(counsellor, seen + 2)[seen:]
    assert header.text == "#1: (đã gửi một ảnh)"
    assert copy.copy_of is not None and "photo" in copy.copy_of and copy.text == "cai nay la gi vay"
    assert copy.copy_of["chat"]["id"] == U1, "the very message the person sent, copied (no 'forwarded from')"

    server.media(counsellor, "voice")
    header, copy = server.wait_messages(U1, told + 2)[told:]
    assert header.text == "Lan: (đã gửi một tin nhắn thoại)"
    assert copy.copy_of is not None and "voice" in copy.copy_of
    assert len(server.messages(U1)) == told + 2, "nothing else: the bot stays quiet during the relay"

    def copies_left() -> list[tuple[str, str | None]]:
        with bot.app.uow() as uow:
            rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            return [(row.status, row.copy_of) for row in rows if row.text in ("một ảnh", "một tin nhắn thoại")]

    server.wait_until(
        lambda: copies_left() == [(OutboxStatus.SENT, None)] * 2, what="copies sent, and their sources forgotten"
    )
