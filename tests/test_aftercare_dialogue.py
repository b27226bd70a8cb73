"""After-care as people meet it: joining with consent, answering check-ins, settings in words and buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from services.aftercare.feature import ENROL_HOOK
from services.bootstrap import App
from services.handoff.queue import Priority
from storage.aftercare_models import AftercareEnrolment, CheckinStatus, EnrolmentStatus
from storage.models import AuditLog
from tests.aftercare_helpers import (
    all_rows,
    checkin_payload,
    checkins,
    enrol,
    enrolment_of,
    events,
    queue,
    to,
    wait,
)
from tests.helpers import Chat, labels, texts

DAY = timedelta(days=1)


def first_checkin(app: App, chat: Chat) -> None:
    messages = to(wait(app, DAY, chat), chat.user)
    assert labels(messages) == ["Ổn", "Đang thèm", "Đã dùng lại", "Cần nói chuyện"]


def test_asking_to_be_reminded_offers_to_join_with_what_how_often_and_how_to_stop(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    replies = chat.say("tôi vừa cai xong, muốn được nhắc")
    assert "quản lý sau cai" in texts(replies)
    assert "Tham gia hỏi thăm sau cai" in labels(replies)
    offer = texts(chat.press_label("Tham gia hỏi thăm sau cai"))
    assert "mỗi ngày trong 2 tuần đầu" in offer and "2 tuần một lần đến hết tháng thứ 12" in offer
    assert "8:00 sáng đến 9:00 tối" in offer
    assert "dừng nhắc" in offer and "Ổn, Đang thèm, Đã dùng lại, Cần nói chuyện" in offer
    assert all_rows(app, AftercareEnrolment)[0].status == EnrolmentStatus.OFFERED
    assert wait(app, 2 * DAY, chat) == [], "nothing is sent before a yes"
    joined = chat.press_label("Đồng ý nhận hỏi thăm")
    assert "lần hỏi thăm đầu tiên vào thứ Năm, 26 tháng 11 lúc 9:00 sáng" in texts(joined)
    assert labels(joined) == ["8:00 sáng", "12:00 trưa", "6:00 tối", "8:00 tối"]
    row = enrolment_of(app, chat)
    assert row.status == EnrolmentStatus.ACTIVE and row.consent_at == app.clock.now()
    assert row.enrolled_by == "self"
    chosen = chat.say("7 giờ tối")
    assert "từ giờ mình sẽ nhắn lúc 7:00 tối" in texts(chosen)
    assert enrolment_of(app, chat).local_time == "19:00"


def test_typed_yes_and_no_answer_the_consent_question(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    assert "Bạn có muốn tham gia" in texts(chat.say("/aftercare join"))
    assert "Cảm ơn bạn! Bạn đã tham gia" in texts(chat.say("đồng ý"))
    assert enrolment_of(app, chat).status == EnrolmentStatus.ACTIVE
    other = Chat(app, user="u2")
    other.consent()
    other.say("/aftercare join")
    declined = other.say("không")
    assert "không nhắn hỏi thăm" in texts(declined)
    assert enrolment_of(app, other).status == EnrolmentStatus.DECLINED
    assert to(wait(app, 2 * DAY, chat, other), "u2") == []


def test_joining_needs_the_privacy_agreement_first(app: App) -> None:
    chat = Chat(app)
    chat.say("/aftercare join")
    replies = chat.press("ac:yes")
    assert "Tôi đồng ý" in labels(replies)
    assert all_rows(app, AftercareEnrolment)[0].status == EnrolmentStatus.OFFERED
    chat.press("consent:yes")
    chat.press("ac:yes")
    assert enrolment_of(app, chat).status == EnrolmentStatus.ACTIVE


def test_counsellor_enrol_hook_sends_the_consent_question_with_their_name(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    with app.uow() as uow:
        person = uow.people.find("test", "u1")
        assert person is not None
        app.extensions[ENROL_HOOK](uow, app.events, person.id, app.clock.now(), "Lan")
        uow.commit()
    offer = to(wait(app, timedelta(seconds=1), chat), "u1")
    assert "Dạ, tư vấn viên Lan đề nghị" in texts(offer)
    assert labels(offer) == ["Đồng ý nhận hỏi thăm", "Không, cảm ơn"]
    assert enrolment_of(app, chat).enrolled_by == "counsellor"
    chat.say("có")  # the typed yes is understood: the question set the step
    assert enrolment_of(app, chat).status == EnrolmentStatus.ACTIVE


def test_ok_answer_is_recorded_and_acknowledged(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    reply = chat.press(checkin_payload(chat.received[-1], "ok"))
    assert reply and not reply[0].buttons
    [checkin, _next] = checkins(app, chat)
    assert (checkin.status, checkin.answer) == (CheckinStatus.ANSWERED, "ok")


def test_craving_asks_the_level_gives_one_tip_and_alerts_only_when_strong(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    asked = chat.press(checkin_payload(chat.received[-1], "craving"))
    assert "từ 0 (không thèm) đến 10" in texts(asked)
    assert labels(asked) == [str(n) for n in range(11)]
    mild = chat.say("3")
    assert "Một điều có thể giúp bạn lúc này" in texts(mild) and labels(mild) == ["Cần nói chuyện"]
    assert queue(app) == []
    assert checkins(app, chat)[0].craving_level == 3
    wait(app, DAY, chat)
    chat.press(checkin_payload(chat.received[-1], "craving"))
    strong = chat.press_label("8")
    assert "Mình đã nhờ tư vấn viên liên hệ" in texts(strong)
    [request] = queue(app)
    assert (request.priority, request.reason) == (Priority.ESCALATION, "aftercare_craving")
    tips = [m.text for m in chat.received if "Một điều có thể giúp" in m.text]
    assert len(set(tips)) == 2, "the tips take turns"


def test_relapse_is_met_without_blame_and_goes_to_the_queue(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    reply = texts(chat.press(checkin_payload(chat.received[-1], "relapse")))
    assert "Cảm ơn" in reply and "hàng chờ" in reply and "0769.04.04.04" in reply
    [request] = queue(app)
    assert (request.priority, request.reason) == (Priority.ESCALATION, "aftercare_relapse")
    row = enrolment_of(app, chat)
    assert row.clean_since == app.clock.now() and row.milestone_days == 0


def test_need_to_talk_button_and_words_raise_the_queue_priority(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    reply = chat.say("em cần nói chuyện với tư vấn viên")
    assert "hàng chờ" in texts(reply)
    [request] = queue(app)
    assert request.priority == Priority.ESCALATION and request.reason == "aftercare_talk"
    assert checkins(app, chat)[0].answer == "talk"
    other = enrol(app, user="u2")
    wait(app, DAY, chat, other)
    other.press(checkin_payload(other.received[-1], "talk"))
    assert {r.reason for r in queue(app)} == {"aftercare_talk"} and len(queue(app)) == 2


def test_free_text_answers_are_understood(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    chat.say("hôm nay em ổn")
    assert checkins(app, chat)[0].answer == "ok"
    wait(app, DAY, chat)
    reply = chat.say("thèm lắm chị ơi, chắc 9/10")
    assert "Mình đã nhờ tư vấn viên liên hệ" in texts(reply)
    assert checkins(app, chat)[1].craving_level == 9
    wait(app, DAY, chat)
    chat.say("em lỡ dùng lại rồi")
    assert checkins(app, chat)[2].answer == "relapse"


def test_not_ok_is_not_taken_for_ok(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    reply = chat.say("hôm nay không ổn lắm")
    assert "chưa ổn" in texts(reply)
    assert labels(reply) == ["Đang thèm", "Đã dùng lại", "Cần nói chuyện"]
    assert checkins(app, chat)[0].answer is None


def test_a_crisis_in_a_checkin_gets_the_crisis_answer_first(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    reply = texts(chat.say("em không muốn sống nữa"))
    assert "115" in reply
    assert checkins(app, chat)[0].answer == "crisis"
    [request] = queue(app)
    assert request.priority == Priority.CRISIS
    assert [e.value for e in events(app, "escalated")] == ["crisis_suicide"]


def test_settings_in_words(app: App) -> None:
    chat = enrol(app)
    assert "7:00 tối" in texts(chat.say("đổi giờ nhắc sang 7h tối"))
    assert enrolment_of(app, chat).local_time == "19:00"
    refused = texts(chat.say("đổi giờ sang 23h"))
    assert "8:00 sáng đến 9:00 tối" in refused
    assert enrolment_of(app, chat).local_time == "19:00"
    paused = texts(chat.say("tạm dừng 3 ngày"))
    assert "thứ Năm, 26 tháng 11 lúc 7:00 tối" in paused
    assert enrolment_of(app, chat).status == EnrolmentStatus.PAUSED
    resumed = texts(chat.say("tiếp tục nhắc"))
    assert "thứ Ba, 24 tháng 11 lúc 7:00 tối" in resumed
    assert enrolment_of(app, chat).status == EnrolmentStatus.ACTIVE
    stopped = chat.say("không muốn nhận tin nữa")
    assert "0769.04.04.04" in texts(stopped) and "/counsellor" in texts(stopped)
    assert "Nhắn nhiều quá" in labels(stopped)
    chat.say("em đi làm xa, không tiện")
    row = enrolment_of(app, chat)
    assert row.status == EnrolmentStatus.STOPPED and row.stop_reason == "em đi làm xa, không tiện"
    with app.engine.connect() as conn:
        stored = conn.execute(text("select stop_reason from aftercare_enrolments")).scalar_one()
    assert "đi làm xa" not in stored, "the reason is encrypted at rest"
    assert to(wait(app, 3 * DAY, chat), "u1") == []


def test_settings_with_buttons_and_the_command(app: App) -> None:
    chat = enrol(app)
    menu = chat.say("/aftercare")
    assert labels(menu) == ["Đổi giờ", "Tạm dừng", "Dừng nhận hỏi thăm"]
    assert "Lần hỏi thăm tới: thứ Ba, 24 tháng 11 lúc 8:00 sáng" in texts(menu)
    chat.press_label("Tạm dừng")
    chat.press_label("7 ngày")
    assert enrolment_of(app, chat).status == EnrolmentStatus.PAUSED
    assert labels(chat.say("/aftercare"))[1] == "Tiếp tục"
    chat.press_label("Tiếp tục")
    chat.say("/aftercare time 20:00")
    assert enrolment_of(app, chat).local_time == "20:00"
    chat.say("/aftercare stop")
    chat.press_label("Bỏ qua")
    row = enrolment_of(app, chat)
    assert row.status == EnrolmentStatus.STOPPED and row.stop_reason is None
    assert "Tham gia hỏi thăm sau cai" in labels(chat.press("ac:pause"))


def test_restarting_after_a_stop_asks_for_consent_again(app: App) -> None:
    chat = enrol(app)
    chat.say("dừng nhắc")
    offer = chat.say("tiếp tục nhắc")
    assert "Đồng ý nhận hỏi thăm" in labels(offer)
    chat.press_label("Đồng ý nhận hỏi thăm")
    row = enrolment_of(app, chat)
    assert (row.status, row.cycle) == (EnrolmentStatus.ACTIVE, 2)


def test_old_checkin_buttons_after_a_stop_are_still_heard(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    payload = checkin_payload(chat.received[-1], "relapse")
    chat.say("dừng nhắc")
    chat.press(payload)
    assert [r.reason for r in queue(app)] == ["aftercare_relapse"]


def test_someone_not_enrolled_reporting_a_craving_gets_help(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    reply = chat.say("em đang thèm quá")
    assert "Một điều có thể giúp bạn lúc này" in texts(reply)
    assert labels(reply) == ["Gặp tư vấn viên", "Tham gia hỏi thăm sau cai"]
    assert "Gặp tư vấn viên" in labels(chat.say("em lỡ dùng lại rồi"))
    assert all_rows(app, AftercareEnrolment) == []


def test_milestone_after_a_week_and_no_blame_after_a_relapse(app: App) -> None:
    chat = enrol(app)
    seen = []
    for _day in range(8):
        wait(app, DAY, chat)
        seen.append(texts(chat.press(checkin_payload(chat.received[-1], "ok"))))
    assert sum("Một tuần rồi" in s for s in seen) == 1
    wait(app, DAY, chat)
    chat.press(checkin_payload(chat.received[-1], "relapse"))
    for _day in range(3):
        wait(app, DAY, chat)
        assert "Một tuần rồi" not in texts(chat.press(checkin_payload(chat.received[-1], "ok")))
    assert [e.value for e in events(app, "milestone")] == ["7"]


def test_delete_erases_aftercare_data(app: App) -> None:
    chat = enrol(app)
    first_checkin(app, chat)
    chat.press(checkin_payload(chat.received[-1], "craving"))
    chat.say("5")
    chat.say("/delete")
    chat.press("delete:yes")
    assert all_rows(app, AftercareEnrolment) == []
    assert events(app, "craving_level") == []
    assert to(wait(app, 2 * DAY, chat), "u1") == []
    assert [a.action for a in all_rows(app, AuditLog)] == ["person.erase"]


def test_counsellors_read_each_escalation_reason_in_words() -> None:
    from services.aftercare.answers import REASON_CRAVING, REASON_MISSED, REASON_RELAPSE, REASON_TALK
    from services.handoff.texts import reason_label

    labels = {reason: reason_label(reason) for reason in (REASON_RELAPSE, REASON_CRAVING, REASON_TALK, REASON_MISSED)}
    assert all(label != reason and label.startswith("sau cai") for reason, label in labels.items()), labels
