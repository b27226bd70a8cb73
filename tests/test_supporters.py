"""Supporters: consent before sharing, alerts and their timeline, the weekly summary, privacy and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from services.bootstrap import App
from services.indicators.contact import escalation_figures
from services.indicators.period import make_period
from services.supporters.feature import SUPPORTERS
from services.supporters.settings import SupporterSettings
from services.supporters.summary import summary_moment
from storage.handoff_models import HandoffNote
from storage.models import AuditLog, HandoffRequest
from storage.supporter_models import AssignmentStatus, SupporterAlert
from tests.aftercare_helpers import all_rows, checkin_payload, to
from tests.conftest import AppFactory
from tests.helpers import captured_logs, labels, texts
from tests.supporters_helpers import RoomChat, assigned, assignment, chat, deliver, enrol, later, propose, supporter


def relapse(person: RoomChat) -> None:
    """The person answers the latest check-in with "Đã dùng lại"."""
    message = next(m for m in reversed(person.received) if any(b.payload.startswith("ac:a:") for b in m.buttons))
    person.press(checkin_payload(message, "relapse"))


def test_nothing_is_shared_before_the_persons_yes(app: App) -> None:
    helper = supporter(app)
    person = enrol(app)
    assignment_id = propose(app, person, helper)
    assert labels(person.received[-1:]) == ["Đồng ý chia sẻ", "Không, cảm ơn"]
    assert "Chị Hoa (Hội Phụ nữ xã Tân Phú)" in person.received[-1].text
    later(app, timedelta(days=1))
    relapse(person)
    deliver(app)
    assert helper.received == [] and all_rows(app, SupporterAlert) == []
    assert assignment(app, assignment_id).status == AssignmentStatus.PENDING
    person.press(f"sup:consent:{assignment_id}:no")
    assert "không chia sẻ gì với Chị Hoa" in texts(person.received[-1:])
    assert assignment(app, assignment_id).status == AssignmentStatus.DECLINED
    person.press(f"sup:consent:{assignment_id}:yes")  # an old button
    assert "không còn hiệu lực" in texts(person.received[-1:])
    assert assignment(app, assignment_id).status == AssignmentStatus.DECLINED


def test_typed_consent_through_the_command(app: App) -> None:
    helper = supporter(app)
    person = enrol(app)
    assignment_id = propose(app, person, helper)
    person.say("đồng ý")  # a bare yes is not consent to share
    assert assignment(app, assignment_id).status == AssignmentStatus.PENDING
    person.say("/supporter đồng ý")
    row = assignment(app, assignment_id)
    assert row.status == AssignmentStatus.ACTIVE and row.consent_at == app.clock.now()


def test_alert_row_acknowledgement_and_encrypted_note(app: App) -> None:
    person, helper, assignment_id = assigned(app)
    later(app, timedelta(days=1))
    raised_at = app.clock.now()
    relapse(person)
    deliver(app)
    [alert] = all_rows(app, SupporterAlert)
    assert (alert.reason, alert.raised_at, alert.acknowledged_at, alert.assignment_id) == (
        "aftercare_relapse",
        raised_at,
        None,
        assignment_id,
    )
    assert alert.enrolment_id is not None
    assert "🔔 Anh Tuấn (#1) báo đã dùng lại" in helper.received[-1].text
    later(app, timedelta(hours=2))
    helper.press(f"supdesk:ack:{alert.id}")
    helper.say("Đã gọi, hẹn gặp chiều nay")
    [alert] = all_rows(app, SupporterAlert)
    assert alert.acknowledged_at == raised_at + timedelta(hours=2)
    assert alert.note == "Đã gọi, hẹn gặp chiều nay"
    with app.engine.connect() as conn:
        stored = conn.execute(text("select note from supporter_alerts")).scalar_one()
    assert "Đã gọi" not in stored
    actions = [a.action for a in all_rows(app, AuditLog) if a.actor.startswith("supporter:")]
    assert actions == ["supporter.ack", "supporter.note"]


def test_indicators_count_a_supporters_acknowledgement_as_first_contact(app: App) -> None:
    person, helper, _assignment_id = assigned(app)
    later(app, timedelta(days=1))
    relapse(person)
    deliver(app)
    [alert] = all_rows(app, SupporterAlert)
    later(app, timedelta(minutes=90))
    helper.press(f"supdesk:ack:{alert.id}")
    helper.say("Đã gọi")
    later(app, timedelta(hours=1))
    with app.uow() as uow:
        figures = escalation_figures(uow.session, make_period(None, None, app.clock.now()), None)
    assert (figures.total, figures.contacted, figures.by_source) == (1, 1, {"counsellor": 0, "supporter": 1})
    assert figures.minutes_p50 == 90.0


def test_reminder_at_24h_queue_at_48h_and_never_twice(app: App) -> None:
    person, helper, _assignment_id = assigned(app)
    later(app, timedelta(days=1))
    person.say("/counsellor")  # a counsellor request while the check-in waits: "Cần nói chuyện"
    deliver(app)
    [alert] = all_rows(app, SupporterAlert)
    assert alert.reason == "aftercare_talk"
    with app.uow() as uow:  # the counsellors dealt with the escalation (closed), the supporter did nothing
        for request in uow.session.query(HandoffRequest):
            request.status = "closed"
        uow.commit()
    helper.received.clear()
    later(app, timedelta(hours=23, minutes=59))
    assert helper.received == []
    later(app, timedelta(minutes=1))
    assert "Nhắc nhẹ" in texts(helper.received) and len(helper.received) == 1
    later(app, timedelta(hours=23, minutes=59))
    assert len(helper.received) == 1 and all_rows(app, SupporterAlert)[0].forwarded_at is None
    later(app, timedelta(minutes=1))
    [alert] = all_rows(app, SupporterAlert)
    assert alert.forwarded_at == alert.raised_at + timedelta(hours=48)
    assert alert.reminded_at == alert.raised_at + timedelta(hours=24)
    waiting = [r for r in all_rows(app, HandoffRequest) if r.status == "waiting"]
    assert [r.reason for r in waiting] == ["supporter_no_contact"]
    assert [n.kind for n in all_rows(app, HandoffNote)] == ["system"]
    later(app, timedelta(days=3))
    assert sum("Nhắc nhẹ" in m.text for m in helper.received) == 1
    assert sum("đã chuyển cho tư vấn viên" in m.text for m in helper.received) == 1


def test_reminders_wait_for_the_allowed_hours(app: App) -> None:
    person, helper, _ = assigned(app)
    later(app, timedelta(days=1, hours=13))  # Tue 22:00 local
    person.say("/aftercare")
    with app.uow() as uow:
        found = uow.people.find("test", "p1")
        assert found is not None
        app.events.emit(
            "aftercare.escalated", uow=uow, person_id=found.id, reason="aftercare_missed", now=app.clock.now()
        )
        uow.commit()
    deliver(app)
    helper.received.clear()
    later(app, timedelta(hours=24))  # Wed 22:00: due, but outside 08:00–21:00
    assert helper.received == []
    later(app, timedelta(hours=10))  # Thu 08:00
    assert "Nhắc nhẹ" in texts(helper.received)
    assert all_rows(app, SupporterAlert)[0].reminded_at == app.clock.now()


def test_withdrawal_closes_open_alerts_and_stops_everything(app: App) -> None:
    person, helper, assignment_id = assigned(app)
    later(app, timedelta(days=1))
    relapse(person)
    deliver(app)
    person.press(f"sup:stop:{assignment_id}")
    deliver(app)
    assert "đã ngừng chia sẻ với anh/chị" in helper.received[-1].text
    [alert] = all_rows(app, SupporterAlert)
    assert alert.closed_at == app.clock.now() and alert.acknowledged_at is None
    count = len(helper.received)
    later(app, timedelta(days=8))
    assert len(helper.received) == count
    assert assignment(app, assignment_id).status == AssignmentStatus.WITHDRAWN


def test_a_supporter_reaches_only_their_people_and_refusals_are_audited(app: App) -> None:
    _person, helper, assignment_id = assigned(app)
    other, _other_helper, other_id = assigned(app, "p2", "s2")
    later(app, timedelta(days=1))
    relapse(other)
    deliver(app)
    [alert] = all_rows(app, SupporterAlert)
    helper.press(f"supdesk:ack:{alert.id}")  # someone else's alert
    helper.press(f"supdesk:msg:{other_id}")
    helper.say(f"/msg {other_id} chào em")
    helper.say(f"/ack {other_id}")
    assert texts(helper.received[-4:]).count(f"#{other_id} không phải là người được phân công") == 3
    assert all_rows(app, SupporterAlert)[0].acknowledged_at is None
    deliver(app)
    assert not any("chào em" in m.text for m in other.received)
    refused = [a for a in all_rows(app, AuditLog) if a.action == "supporter.refused"]
    assert len(refused) == 4 and {a.actor for a in refused} == {"supporter:1"}
    helper.say("/people")
    shown = helper.received[-1].text
    assert f"#{assignment_id}" in shown and f"#{other_id}" not in shown
    reads = [a for a in all_rows(app, AuditLog) if a.action == "supporter.people"]
    assert [a.subject_id for a in reads] == [str(assignment(app, assignment_id).person_id)]


def test_a_supporters_message_is_relayed_with_their_name_and_logged_without_text(app: App) -> None:
    person, helper, assignment_id = assigned(app)
    with captured_logs() as logs:
        helper.say(f"/msg {assignment_id} Chiều nay chị ghé thăm em nhé")
        deliver(app)
    assert person.received[-1].text.startswith(
        "Chị Hoa (Hội Phụ nữ xã Tân Phú), người hỗ trợ của bạn: Chiều nay chị ghé thăm em nhé"
    )
    assert "ghé thăm" not in logs.getvalue() and "Anh Tuấn" not in logs.getvalue()
    assert "supporter message relayed" in logs.getvalue()
    helper.say(f"/msg {assignment_id} " + "a" * 1001)
    assert "tối đa 1000 ký tự" in helper.received[-1].text


def test_a_supporters_other_words_go_to_the_ordinary_bot_crisis_included(app: App) -> None:
    _person, helper, _ = assigned(app)
    replies = helper.say("tôi không muốn sống nữa")
    assert "115" in texts(replies)


def test_crisis_does_not_alert_the_supporter(app: App) -> None:
    person, helper, _ = assigned(app)
    later(app, timedelta(days=1))
    person.say("em muốn chết cho xong")
    deliver(app)
    assert all_rows(app, SupporterAlert) == [] and helper.received[-1].text.startswith("Anh Tuấn (#1) đã đồng ý")


def test_capacity_refuses_then_force_warns(app: App) -> None:
    helper = supporter(app)
    first, second, third = enrol(app, "p1"), enrol(app, "p2"), enrol(app, "p3")
    propose(app, first, helper)
    propose(app, second, helper)
    with pytest.raises(ValueError, match="đang hỗ trợ 2 người, giới hạn là 2"):
        propose(app, third, helper)
    propose(app, third, helper, force=True)
    audit = [a for a in all_rows(app, AuditLog) if a.action == "supporter.assign"]
    assert [a.reason for a in audit][-1] == "supporter:1 over capacity (--force)"


def test_only_people_in_after_care_can_be_assigned(app: App) -> None:
    helper = supporter(app)
    stranger = chat(app, "p9")
    stranger.consent()
    with pytest.raises(ValueError, match="chưa tham gia hỏi thăm sau cai"):
        propose(app, stranger, helper)


def test_delete_ends_the_assignment_and_erases_labels_and_notes(app: App) -> None:
    person, helper, assignment_id = assigned(app)
    later(app, timedelta(days=1))
    relapse(person)
    deliver(app)
    [alert] = all_rows(app, SupporterAlert)
    helper.press(f"supdesk:ack:{alert.id}")
    helper.say("ghi chú riêng")
    person.say("/delete")
    person.press_label(person.received[-1].buttons[0].label)
    deliver(app)
    row = assignment(app, assignment_id)
    assert (row.status, row.end_reason, row.label) == (AssignmentStatus.ENDED, "erasure", None)
    [alert] = all_rows(app, SupporterAlert)
    assert alert.note is None and alert.acknowledged_at is not None  # timings stay for the indicators
    assert "#1 không còn được phân công cho anh/chị" in helper.received[-1].text
    assert "Anh Tuấn" not in helper.received[-1].text


def test_summary_moment_is_in_ho_chi_minh_time(app: App) -> None:
    sp = app.extensions[SUPPORTERS]
    sp.settings = SupporterSettings(summary_weekday="wed", summary_hour=7)
    wednesday_7_local = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 07:00 +07
    assert summary_moment(sp, wednesday_7_local - timedelta(seconds=1)) is None
    assert summary_moment(sp, wednesday_7_local) == wednesday_7_local
    assert summary_moment(sp, wednesday_7_local + timedelta(hours=11)) == wednesday_7_local
    assert summary_moment(sp, wednesday_7_local + timedelta(hours=13)) is None  # too late: next week


def test_weekly_summary_goes_once_on_the_configured_day(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SUPPORTERS_SUMMARY_WEEKDAY", "thu")
    monkeypatch.setenv("HOTLINE_SUPPORTERS_SUMMARY_HOUR", "18")
    app = make_app()
    _person, helper, _ = assigned(app)
    later(app, timedelta(days=3, hours=8, minutes=59))  # Thu 17:59
    assert not any("Tóm tắt tuần" in m.text for m in helper.received)
    later(app, timedelta(minutes=1))
    summaries = [m for m in to(helper.received, "s1") if "Tóm tắt tuần" in m.text]
    assert len(summaries) == 1 and "Anh Tuấn (#1): trả lời 0/1 lần hỏi thăm" in summaries[0].text
    later(app, timedelta(hours=2))
    assert sum("Tóm tắt tuần" in m.text for m in helper.received) == 1
    assert [a.reason for a in all_rows(app, AuditLog) if a.action == "supporter.summary"] == ["supporter:1"]
