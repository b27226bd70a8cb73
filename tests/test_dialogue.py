"""The dialogue as a person meets it: greeting, consent, menu, answers, fallback, counsellor, deletion."""

from __future__ import annotations

from sqlalchemy import func, select

from services.bootstrap import App
from services.nlu.base import IntentScore, ParseResult
from storage.models import AuditLog, CrisisEvent, HandoffRequest, InboxMessage, Person
from tests.conftest import AppFactory
from tests.helpers import Chat, labels, texts


def test_first_message_gets_greeting_and_privacy_notice(app: App) -> None:
    replies = Chat(app).say("chào chị")
    assert "đường dây nóng" in texts(replies)
    assert "/delete" in texts(replies)
    assert labels(replies) == ["Tôi đồng ý", "Không đồng ý", "Xem chi tiết"]


def test_free_text_is_not_consent(app: App) -> None:
    chat = Chat(app)
    chat.say("chào")
    replies = chat.say("con tôi nghiện ma túy phải làm sao")
    assert "đồng ý" in texts(replies)
    with app.uow() as uow:
        assert uow.session.scalars(select(Person)).one().consent_at is None


def test_consent_button_records_consent_and_shows_menu(app: App) -> None:
    chat = Chat(app)
    chat.say("chào")
    replies = chat.press_label("Tôi đồng ý")
    assert labels(replies) == [
        "Hỏi đáp về cai nghiện",
        "Đăng ký cai nghiện tự nguyện",
        "Gặp tư vấn viên",
        "Hỗ trợ sau cai",
    ]
    with app.uow() as uow:
        person = uow.session.scalars(select(Person)).one()
        assert person.consent_at == app.clock.now()
        assert person.consent_version == "2026-11"


def test_typed_yes_counts_as_consent_answer(app: App) -> None:
    chat = Chat(app)
    chat.say("xin chào")
    replies = chat.say("đồng ý")
    assert "Hỏi đáp về cai nghiện" in labels(replies)


def test_question_answered_with_followups(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    replies = chat.say("methadone là gì vậy ạ")
    assert "methadone" in texts(replies).lower()
    assert replies[0].buttons, "an answer offers next steps"


def test_substance_variant_is_used(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    meth = texts(chat.say("dùng đá lâu ngày có tác hại gì"))
    heroin = texts(chat.say("heroin gây hại thế nào"))
    assert meth != heroin


def test_two_misses_offer_a_counsellor(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    first = chat.say("qwerty asdf zxcv")
    second = chat.say("lorem ipsum dolor")
    assert "chưa" in texts(first)
    assert "0769.04.04.04" in texts(second)
    assert "Gặp tư vấn viên" in labels(second)


def test_counsellor_request_queues_once(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    first = chat.say("/counsellor")
    chat.say("cho tôi gặp tư vấn viên")
    assert "vị trí số 1" in texts(first)
    with app.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(HandoffRequest)) == 1
    cancelled = chat.press("handoff:cancel")
    assert "hủy" in texts(cancelled)


def test_crisis_mid_flow_answers_first_and_keeps_the_flow(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.say("/delete")
    replies = chat.say("tôi không muốn sống nữa")
    assert "115" in replies[0].text
    assert "tiếp tục" in texts(replies)
    with app.uow() as uow:
        event = uow.session.scalars(select(CrisisEvent)).one()
        assert (event.kind, event.interrupted) == ("suicide", "delete")
        request = uow.session.scalars(select(HandoffRequest)).one()
        assert request.crisis and request.priority == 100
    assert "đã được xóa" in texts(chat.press("delete:yes"))


def test_crisis_raises_an_existing_request_to_the_top(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.say("/counsellor")
    chat.say("nó cầm dao dọa giết cả nhà")
    with app.uow() as uow:
        request = uow.session.scalars(select(HandoffRequest)).one()
        assert request.priority == 100 and request.reason == "crisis_violence"


def test_near_miss_question_is_not_a_crisis(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.say("ma túy có gây chết người không")
    with app.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CrisisEvent)) == 0


def test_delete_erases_texts_and_is_audited(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.say("con trai tôi 17 tuổi đang dùng đá, số tôi 0912345678")
    chat.say("/delete")
    chat.press("delete:yes")
    with app.uow() as uow:
        stored = [m.text for m in uow.session.scalars(select(InboxMessage))]
        assert all("0912345678" not in t for t in stored)
        person = uow.session.scalars(select(Person)).one()
        assert person.deleted_at is not None and person.consent_at is None
        audit = uow.session.scalars(select(AuditLog)).one()
        assert audit.action == "person.erase"


def test_help_works_inside_a_flow_and_cancel_leaves_it(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    chat.say("/delete")
    assert "/cancel" in texts(chat.say("/help"))
    assert "dừng" in texts(chat.say("/cancel"))
    assert "không có việc gì" in texts(chat.say("/cancel"))


class FixedNlu:
    """A fake NLU that reads every message the same, unsure way."""

    def parse(self, text: str) -> ParseResult:
        ranking = (IntentScore("ask_cost", 0.30), IntentScore("ask_methadone", 0.25), IntentScore("greet", 0.20))
        return ParseResult(text=text, intent=ranking[0], intent_ranking=ranking)


def test_unsure_reading_offers_likely_topics_then_a_counsellor(make_app: AppFactory) -> None:
    app = make_app(nlu=FixedNlu())
    chat = Chat(app)
    chat.consent()
    first = chat.say("cái đó thì sao")
    titles = [app.knowledge.answers[i].title for i in ("ask_cost", "ask_methadone")]
    assert labels(first) == [*titles, "Gặp tư vấn viên"]
    assert "chưa chắc" in texts(first)
    second = chat.say("còn cái kia")
    assert "0769.04.04.04" in texts(second)
    assert "Gặp tư vấn viên" in labels(second)
