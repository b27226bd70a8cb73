"""Tracked requests on SQLite and PostgreSQL: the form, status by code, staff CLI, audit, encryption, erasure."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, text

from services.bootstrap import App
from services.nlu.text import fold
from services.requests import service
from services.requests.dialogue import STATUS_QUESTION
from storage.models import AuditLog, OutboxMessage
from storage.requests_models import RequestStatus, TrackedRequest
from tests.conftest import Cli
from tests.helpers import Chat, captured_logs, labels, texts

DESCRIPTION = "Cán bộ ở điểm cấp phát methadone phường Bến Thành quát mắng con tôi sáng thứ Hai"
CODE = re.compile(r"PA-[2-9A-HJKMNP-Z]{6}")


def submit(chat: Chat, *, phone: str | None = None) -> str:
    """Send feedback through the form; returns the reference code the person was given."""
    chat.consent()
    chat.say("tôi muốn phản ánh")
    chat.say(DESCRIPTION)
    if phone is None:
        replies = chat.press("feedback:contact:no")
    else:
        chat.press("feedback:contact:yes")
        replies = chat.say(phone)
    found = CODE.search(texts(replies))
    assert found, texts(replies)
    return found.group(0)


def test_feedback_from_the_menu_gets_a_readable_code_and_is_stored_encrypted(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    topics = chat.press("menu:faq")
    assert "Gửi phản ánh / góp ý" in labels(topics)
    chat.press_label("Gửi phản ánh / góp ý")
    chat.say(DESCRIPTION)
    chat.press("feedback:contact:yes")
    done = chat.say("0912.345.678")
    code = CODE.search(texts(done))
    assert code and "0912 345 678" in texts(done)
    with app.engine.connect() as conn:
        raw = conn.execute(text("select description, contact_phone, status from tracked_requests")).one()
    assert "methadone" not in raw[0] and "912345678" not in raw[1] and raw[2] == "new"
    person_id = chat_person_id(app, chat)
    with app.uow() as uow:
        stored = uow.session.scalars(select(TrackedRequest)).one()
        assert stored.code == code.group(0)
        assert stored.description == DESCRIPTION and stored.contact_phone == "+84912345678"
        assert stored.contact_consent_at is not None and stored.person_id == person_id


def chat_person_id(app: App, chat: Chat) -> int:
    with app.uow() as uow:
        person = uow.people.find(chat.channel, chat.user)
        assert person is not None
        return person.id


def test_a_phone_typed_before_agreeing_is_kept_only_after_the_button(app: App) -> None:
    chat = Chat(app, user="u-phone")
    chat.consent()
    chat.say("tôi muốn khiếu nại")
    chat.say(DESCRIPTION)
    asked = chat.say("số tôi là 0912 345 678")
    assert "0912 345 678" in texts(asked) and "Có, để lại số điện thoại" in labels(asked)
    chat.press("feedback:contact:no")
    with app.uow() as uow:
        stored = uow.session.scalars(select(TrackedRequest)).one()
        assert stored.contact_phone is None and stored.contact_consent_at is None


def test_status_by_code_typed_any_way_and_only_for_its_sender(app: App) -> None:
    owner = Chat(app, user="owner")
    code = submit(owner)
    for typed in (
        f"kiểm tra phản ánh {code}",
        code.lower(),
        code.replace("-", " "),
        f"ma {code.replace('-', '')} sao roi",
    ):
        reply = texts(owner.say(typed))
        assert f"Phản ánh {code}" in reply and "mới" in reply, typed
    stranger = Chat(app, user="stranger")
    stranger.consent()
    reply = texts(stranger.say(f"kiểm tra {code}"))
    assert "không tìm thấy" in reply and "mới" not in reply


def test_staff_list_is_masked_and_show_is_audited(app: App, cli: Cli) -> None:
    code = submit(Chat(app, user="u-list"), phone="0912345678")
    status, out, _err = cli("requests", "list", "--json")
    assert status == 0
    rows = json.loads(out)
    assert [r["code"] for r in rows] == [code]
    assert rows[0]["contact"].endswith("678") and "912345" not in out and "methadone" not in out
    status, out, _err = cli("requests", "list")
    assert status == 0 and code in out and "methadone" not in out
    with app.uow() as uow:
        assert uow.session.scalars(select(AuditLog).where(AuditLog.action == "request.view")).all() == []

    status, out, _err = cli("requests", "show", code, "--actor", "giamsat", "--reason", "xử lý phản ánh")
    assert status == 0 and DESCRIPTION in out and "+84912345678" in out
    with app.uow() as uow:
        audit = uow.session.scalars(select(AuditLog).where(AuditLog.action == "request.view")).one()
        assert (audit.actor, audit.subject_id, audit.reason) == ("giamsat", code, "xử lý phản ánh")


def test_show_needs_an_actor_and_a_reason(app: App, cli: Cli) -> None:
    code = submit(Chat(app, user="u-reason"))
    with pytest.raises(SystemExit):
        cli("requests", "show", code, "--actor", "giamsat")
    status, _out, err = cli("requests", "show", code, "--actor", "giamsat", "--reason", "  ")
    assert status == 1 and "--reason is required" in err
    with app.uow() as uow:
        assert uow.session.scalars(select(AuditLog).where(AuditLog.action == "request.view")).all() == []


def test_assign_then_resolve_sends_the_reply_to_the_person(app: App, cli: Cli) -> None:
    chat = Chat(app, user="u-resolve")
    code = submit(chat)
    assert cli("requests", "assign", code, "--to", "Hoa", "--actor", "giamsat")[0] == 0
    status, out, _err = cli("requests", "set-status", code, "đang xử lý", "--actor", "Hoa")
    assert status == 0 and "in_progress" in out
    reply = "Chúng tôi đã làm việc với cơ sở; cán bộ đã bị nhắc nhở."
    status, _out, _err = cli("requests", "set-status", code.lower(), "resolved", "--reply", reply, "--actor", "Hoa")
    assert status == 0
    delivered: list[str] = []
    app.outbox.drain(chat.channel, lambda m: delivered.append(m.text))
    assert any("đang xử lý" in m for m in delivered)
    assert any("đã xử lý" in m and reply in m for m in delivered)
    looked_up = texts(chat.say(f"kiểm tra {code}"))
    assert "đã xử lý" in looked_up and reply in looked_up and "cán bộ phụ trách" in looked_up
    with app.uow() as uow:
        actions = [a.action for a in uow.session.scalars(select(AuditLog).order_by(AuditLog.id))]
        stored = uow.session.scalars(select(TrackedRequest)).one()
        assert stored.status == RequestStatus.RESOLVED and stored.owner == "Hoa" and stored.resolved_at is not None
    assert actions.count("request.assign") == 1 and actions.count("request.status") == 2
    status, out, _err = cli("requests", "list", "--status", "resolved", "--json")
    assert [r["code"] for r in json.loads(out)] == [code]
    assert json.loads(cli("requests", "list", "--status", "new", "--json")[1]) == []


def test_wrong_staff_commands_change_nothing(app: App, cli: Cli) -> None:
    code = submit(Chat(app, user="u-wrong"))
    status, _out, err = cli("requests", "set-status", code, "done", "--actor", "Hoa")
    assert status == 1 and "unknown status" in err
    status, _out, err = cli("requests", "set-status", "PA-ZZZZ22", "resolved", "--actor", "Hoa")
    assert status == 1 and "no request" in err
    status, _out, err = cli("requests", "set-status", code, "new", "--actor", "Hoa")
    assert status == 1 and "already new" in err
    status, _out, err = cli("requests", "assign", "hello", "--to", "Hoa", "--actor", "x")
    assert status == 1 and "not a reference code" in err
    with app.uow() as uow:
        stored = uow.session.scalars(select(TrackedRequest)).one()
        assert stored.status == "new" and stored.owner is None
        assert uow.session.scalars(select(AuditLog).where(AuditLog.action.like("request.%"))).all() == []


def test_delete_erases_the_text_and_phone_and_staff_replies_are_not_sent(app: App, cli: Cli) -> None:
    chat = Chat(app, user="u-erase")
    code = submit(chat, phone="0912345678")
    assert (
        cli("requests", "set-status", code, "in_progress", "--reply", "Đã nhận, đang xác minh.", "--actor", "Hoa")[0]
        == 0
    )
    chat.say("/delete")
    chat.press("delete:yes")
    with app.uow() as uow:
        stored = uow.session.scalars(select(TrackedRequest)).one()
        assert (stored.description, stored.contact_phone, stored.erased_at is not None) == ("", None, True)
        assert stored.code == code and stored.status == "in_progress"
        before = uow.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
    status, out, _err = cli("requests", "set-status", code, "resolved", "--reply", "Xong.", "--actor", "Hoa")
    assert status == 0 and "not sent" in out
    with app.uow() as uow:
        after = uow.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
        replies = [e.reply for e in service.show(uow, code, "giamsat", "kiểm tra xóa", app.clock.now()).history]
    assert after == before
    assert replies == [None, None, "Xong."]


def test_the_form_leaves_no_personal_text_in_logs(app: App) -> None:
    with captured_logs() as stream:
        code = submit(Chat(app, user="u-logs"), phone="0912345678")
    logs = stream.getvalue()
    assert "turn handled" in logs
    for secret in ("methadone", "Bến Thành", "0912345678", "912345678", code):
        assert secret not in logs


def test_status_labels_parse_both_languages() -> None:
    assert service.parse_status("Đã xử lý") == RequestStatus.RESOLVED
    assert service.parse_status("dang-xu-ly") == RequestStatus.IN_PROGRESS
    assert service.parse_status("NEW") == RequestStatus.NEW
    with pytest.raises(service.RequestError):
        service.parse_status("closed")


@pytest.mark.parametrize(
    ("message", "is_status_question"),
    [
        ("tình trạng phản ánh của tôi", True),
        ("phản ánh của tôi đã được xử lý chưa", True),
        ("khiếu nại của tôi đến đâu rồi", True),
        ("phan anh cua em sao roi", True),
        ("xem lại góp ý đã gửi", True),
        ("tôi muốn phản ánh", False),
        ("tôi muốn góp ý về việc kiểm tra", False),
        ("gop y: kiem tra lai so dien thoai tren trang web", False),
        ("kiểm tra tình trạng đăng ký", False),
        ("cơ sở ở Đồng Nai thu thêm tiền, tôi đã phản ánh nhiều lần mà chưa có kết quả gì cả", False),
    ],
)
def test_status_questions_are_told_from_new_feedback(message: str, is_status_question: bool) -> None:
    assert bool(STATUS_QUESTION.search(fold(message))) is is_status_question


def test_the_feedback_button_does_not_wipe_another_form(app: App) -> None:
    chat = Chat(app, user="u-other-form")
    chat.consent()
    chat.say("/delete")  # a form of the core: the deletion confirmation
    reply = texts(chat.press("feedback:start"))
    assert "/cancel" in reply
    with app.uow() as uow:
        person = uow.people.find(chat.channel, chat.user)
        assert person is not None
        assert uow.states.get_or_create(person.id, app.clock.now()).flow == "delete"
