"""The registration through the real core, on SQLite and PostgreSQL: storage, consent, expiry, erasure, crisis."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, text

from services.bootstrap import App
from services.clock import FakeClock
from services.registration.feature import SUMMARY_HOOK
from services.registration.masking import DELETED
from services.registration.service import repo
from services.registration.staff import registration_summary
from storage.models import AuditLog, CrisisEvent
from storage.registration_models import Registration, RegistrationDraft
from tests.conftest import START, AppFactory
from tests.helpers import Chat, labels, texts
from tests.registration_support import ADULT, register


def _draft_values(app: App, chat: Chat) -> dict[str, object] | None:
    with app.uow() as uow:
        person = uow.people.find(chat.channel, chat.user)
        assert person is not None
        draft = uow.session.get(RegistrationDraft, person.id)
        return None if draft is None else dict(json.loads(draft.data)["values"])


def test_a_registration_is_stored_encrypted_with_normalised_values(app: App) -> None:
    chat = Chat(app, user="900001")
    code = register(chat)
    with app.engine.connect() as conn:
        raw = conn.execute(text("select full_name, birth, phone, citizen_id, note, ward from registrations")).one()
        raw_draft_count = conn.execute(text("select count(*) from registration_drafts")).scalar_one()
    for value in ("Nguyễn", "Minh", "1990", "912345678", "079090001234", "chi phí", "Bến Thành"):
        assert all(value not in str(column) for column in raw)
    assert raw_draft_count == 0
    with app.uow() as uow:
        registration = repo(uow).by_code(code)
        assert registration is not None
        assert registration.full_name == "Nguyễn Văn Minh"
        assert registration.phone == "+84912345678"
        assert registration.citizen_id == "079090001234"
        assert registration.province == "Hồ Chí Minh" and "Phường Bến Thành" in (registration.ward or "")
        assert registration.substances == "heroin" and registration.status == "received"
        assert json.loads(registration.birth or "{}") == {"kind": "date", "value": "1990-05-12", "age": 36}
        assert registration.minor is False and registration.representative_name is None


def test_nothing_personal_is_asked_or_kept_before_consent_by_button(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    notice = chat.press("menu:register")
    assert "Tôi đồng ý, bắt đầu" in labels(notice)
    assert "họ và tên" not in texts(notice).lower()
    reply = chat.say("Nguyễn Văn Minh")
    assert "bấm nút đồng ý" in texts(reply)
    assert _draft_values(app, chat) == {}
    chat.press("reg:consent:no")
    assert _draft_values(app, chat) is None
    assert "chưa có hồ sơ" in texts(chat.say("/status"))


def test_values_said_earlier_are_offered_for_confirmation(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.say("con trai tôi nghiện heroin, số tôi 0987 111 222")
    chat.say("tôi muốn đăng ký cai nghiện cho con")
    offer = chat.press("reg:consent:yes")
    assert "Bạn đăng ký cho con của mình" in texts(offer)
    chat.press("reg:yes")
    chat.say("Lê Văn Tèo")
    offer = chat.say("2005")
    assert "0987 111 222" in texts(offer)
    chat.press("reg:yes")
    values = _draft_values(app, chat)
    assert values is not None and values["for_whom"] == "child" and values["phone"] == "+84987111222"


def test_a_minor_needs_a_legal_representative(app: App) -> None:
    chat = Chat(app, user="900002")
    code = register(chat, birth="16 tuổi", rep_name="Võ Thị Thu")
    with app.uow() as uow:
        registration = repo(uow).by_code(code)
        assert registration is not None and registration.minor is True
        assert registration.representative_name == "Võ Thị Thu"
        assert registration.representative_relation == "mother"
        assert registration.for_whom == "child"


def test_a_half_filled_form_expires_after_seven_days(make_app: AppFactory) -> None:
    clock = FakeClock(START)
    app = make_app(clock=clock)
    chat = Chat(app)
    chat.consent()
    chat.press("menu:register")
    chat.press("reg:consent:yes")
    chat.press("reg:who:self")
    chat.say("Nguyễn Văn Minh")
    clock.advance(timedelta(days=6))
    app.run_due()
    assert _draft_values(app, chat) == {"for_whom": "self", "full_name": "Nguyễn Văn Minh"}
    clock.advance(timedelta(days=1, hours=1))
    app.run_due()
    assert _draft_values(app, chat) is None
    with app.uow() as uow:
        person = uow.people.find(chat.channel, chat.user)
        assert person is not None and uow.states.get_or_create(person.id, clock.now()).flow is None
    assert "Mình có thể giúp gì" in texts(chat.say("/start"))


def test_delete_erases_the_registration_but_keeps_anonymous_counts(app: App) -> None:
    chat = Chat(app, user="900003")
    code = register(chat)
    chat.say("/delete")
    chat.press("delete:yes")
    with app.uow() as uow:
        registration = repo(uow).by_code(code)
        assert registration is not None and registration.erased_at is not None
        assert registration.full_name is None and registration.phone is None and registration.birth is None
        assert registration.citizen_id is None and registration.note is None and registration.ward is None
        assert registration.province == "Hồ Chí Minh" and registration.substances == "heroin"
        assert registration_summary(uow, registration.person_id) == f"Hồ sơ {code}: {DELETED}."
        erased = uow.session.scalars(select(AuditLog).where(AuditLog.action == "person.erase")).all()
        assert len(erased) == 1


def test_the_counsellor_card_gets_a_masked_summary(app: App) -> None:
    chat = Chat(app, user="900004")
    summary_of = app.extensions[SUMMARY_HOOK]
    with app.uow() as uow:
        person = uow.people.get_or_create(chat.channel, chat.user, app.clock.now())
        uow.commit()
        person_id = person.id
    with app.uow() as uow:
        assert summary_of(uow, person_id) is None
    code = register(chat)
    with app.uow() as uow:
        summary = summary_of(uow, person_id)
    assert code in summary and "đã tiếp nhận" in summary and "Hồ Chí Minh" in summary
    assert "0912***678" in summary and "heroin" in summary
    for secret in ("Nguyễn", "0912345678", "079090001234", "chi phí", "1990"):
        assert secret not in summary


def test_a_crisis_mid_form_is_answered_first_and_the_form_resumes(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.press("menu:register")
    chat.press("reg:consent:yes")
    chat.press("reg:who:self")
    chat.say("Nguyễn Văn Minh")
    crisis = chat.say("tôi muốn chết")
    assert "115" in crisis[0].text
    assert "Ngày sinh" not in texts(crisis)
    back = chat.say("ừ")
    assert "tiếp tục phiếu đăng ký" in texts(back) and "Ngày sinh của bạn" in texts(back)
    assert "số điện thoại" in texts(chat.say("1990"))
    values = _draft_values(app, chat)
    assert values is not None and values["full_name"] == "Nguyễn Văn Minh"
    with app.uow() as uow:
        event = uow.session.scalars(select(CrisisEvent)).one()
        assert event.interrupted == "registration"


def test_status_by_code_and_stale_buttons(app: App) -> None:
    chat = Chat(app, user="900005")
    code = register(chat)
    assert f"Hồ sơ {code}: đã tiếp nhận" in texts(chat.say(code.lower()))
    assert f"Hồ sơ {code}: đã tiếp nhận" in texts(chat.say(f"kiểm tra hồ sơ {code} giúp mình với"))
    assert "không tìm thấy" in texts(chat.say("DK-ZZZZZZ"))
    stale = chat.press("reg:confirm")
    assert "đã xong hoặc đã hết hạn" in texts(stale)
    with app.engine.connect() as conn:
        assert conn.execute(text("select count(*) from registrations")).scalar_one() == 1


def test_closed_registrations_lose_personal_values_after_twelve_months(make_app: AppFactory) -> None:
    from services.registration.service import set_status
    from services.registration.statuses import Status

    clock = FakeClock(START)
    app = make_app(clock=clock)
    chat = Chat(app, user="900006")
    code = register(chat)
    with app.uow() as uow:
        set_status(uow, code, Status.COMPLETED, "staff:lan", None, clock.now())
        uow.commit()
    clock.advance(timedelta(days=300))
    app.run_due()
    with app.uow() as uow:
        assert uow.session.scalars(select(Registration)).one().full_name == "Nguyễn Văn Minh"
    clock.advance(timedelta(days=70))
    app.run_due()
    with app.uow() as uow:
        registration = uow.session.scalars(select(Registration)).one()
        assert registration.full_name is None and registration.erased_at is not None
        assert registration.status == "completed"


def test_the_relation_entity_needs_no_question(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.say("tôi muốn đăng ký cho con trai")
    offer = chat.press("reg:consent:yes")
    assert texts(offer).startswith("Bạn đăng ký cho con của mình")
    assert ADULT["name"] not in texts(offer)


def test_skip_words_skip_optional_questions_and_cancel_elsewhere(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.press("menu:register")
    chat.press("reg:consent:yes")
    chat.press("reg:who:self")
    assert "muốn dừng đăng ký" in texts(chat.say("bỏ qua"))
    chat.press("reg:cancel:back")
    for answer in ("Nguyễn Văn Minh", "1990", "0912 345 678", "hue", "chua ro", "heroin"):
        chat.say(answer)
    chat.press("reg:form:methadone")
    chat.press("reg:time:anytime")
    assert "Có điều gì cán bộ nên biết" in texts(chat.say("bỏ qua"))
    summary = texts(chat.say("thôi"))
    assert "Số CCCD: không cung cấp" in summary and "Ghi chú: không cung cấp" in summary
    assert "Huế (chưa rõ xã/phường)" in summary
