"""Handoff behaviour beyond the scenarios: invitations, records, hooks, erasure, encryption, queue order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from services.bootstrap import App
from services.events import Events
from services.handoff.accounts import create_invite
from services.handoff.core import Repos
from services.handoff.queue import Priority, enqueue_person
from services.media import COPIES_MEDIA
from services.types import Inbound, MessageKind
from storage.handoff_models import Counsellor, HandoffEvent, HandoffNote
from storage.models import AuditLog, HandoffRequest, HandoffStatus, InboxMessage, OutboxMessage
from tests.conftest import AppFactory
from tests.handoff_support import Party


def _request(app: App, request_id: int = 1) -> HandoffRequest:
    """The request as stored now (detached, fully loaded)."""
    with app.uow() as uow:
        request = uow.session.get_one(HandoffRequest, request_id)
        uow.session.expunge(request)
        return request


def _events(app: App) -> list[tuple[str, str | None]]:
    with app.uow() as uow:
        rows = uow.session.scalars(select(HandoffEvent).order_by(HandoffEvent.id))
        return [(e.kind, e.detail) for e in rows]


def _talking(app: App) -> Party:
    """u1 talking with counsellor c1 (Lan); c2 (Minh) on duty too."""
    party = Party(app)
    party.counsellor("c1", "Lan")
    party.counsellor("c2", "Minh")
    party.consent("u1")
    party.say("u1", "/counsellor")
    party.say("c1", "/accept")
    return party


# --- accounts -----------------------------------------------------------------------------------
def test_invitation_code_works_once_and_is_stored_only_as_a_hash(app: App) -> None:
    with app.uow() as uow:
        code = create_invite(uow, app.clock.now(), valid_for=timedelta(hours=1), name="Hoa")
        uow.commit()
    party = Party(app)
    assert "Hoa" in party.say("x1", f"/start {code.lower()}")[0].text
    with app.uow() as uow:
        counsellor = Repos(uow).counsellors.find("test", "x1")
        assert counsellor is not None and counsellor.name == "Hoa" and not counsellor.on_duty
        assert uow.session.scalars(select(AuditLog).where(AuditLog.action == "counsellor.add")).one()
    with app.engine.connect() as conn:
        raw = " ".join(str(v) for row in conn.execute(text("select * from counsellor_invites")) for v in row)
    assert code.replace("-", "") not in raw.replace("-", "")
    again = party.say("x2", f"/start {code}")
    assert "hết hạn hoặc đã được dùng" in party.to("x2") and again
    party.say("x1", "/on")
    assert "Bạn đã vào ca trực" in party.to("x1")


def test_invitation_expires_and_a_name_is_asked_when_missing(app: App) -> None:
    with app.uow() as uow:
        old = create_invite(uow, app.clock.now(), valid_for=timedelta(hours=1))
        fresh = create_invite(uow, app.clock.now(), valid_for=timedelta(hours=5))
        uow.commit()
    party = Party(app)
    party.wait(timedelta(hours=2))
    party.say("x1", f"/start {old}")
    assert "hết hạn" in party.to("x1")
    party.say("x1", f"/start {fresh}")
    assert "tên hoặc bí danh" in party.to("x1")
    party.say("x1", "/accept")
    assert "tên hoặc bí danh" in party.to("x1"), "no commands before a name is chosen"
    party.say("x1", "Hoa")
    assert "“Hoa”" in party.to("x1")


def test_a_code_shaped_start_that_is_no_invitation_is_an_ordinary_start(app: App) -> None:
    party = Party(app)
    party.say("x1", "/start ABCDE-FGHJK")
    assert "đồng ý" in party.to("x1")
    with app.uow() as uow:
        assert Repos(uow).counsellors.all() == []


def test_deactivated_counsellor_gets_the_ordinary_bot_and_their_chats_are_requeued(app: App) -> None:
    from services.handoff.admin import deactivate
    from services.handoff.feature import HANDOFF

    party = _talking(app)
    with app.uow() as uow:
        lan = Repos(uow).counsellors.find("test", "c1")
        assert lan is not None
        assert deactivate(app.extensions[HANDOFF], uow, lan, app.clock.now()) == 1
        uow.commit()
    request = _request(app)
    assert request.status == HandoffStatus.WAITING and request.priority == Priority.REQUEUED
    party.say("c1", "/accept")
    assert "chưa hiểu lệnh" in party.to("c1") or "đồng ý" in party.to("c1")
    party.say("c2", "/accept")
    assert "Lan không còn làm tư vấn viên" in party.to("c2")


# --- records ------------------------------------------------------------------------------------
def test_every_step_is_recorded_with_timestamps(app: App) -> None:
    party = _talking(app)
    party.say("c1", "Chào bạn")
    party.say("c1", "/transfer Minh bàn giao")
    party.wait(timedelta(minutes=11))
    party.wait(timedelta(minutes=5))
    party.say("c1", "/accept")
    party.say("c1", "/close đã tư vấn")
    kinds = [kind for kind, _detail in _events(app)]
    for wanted in ("queued", "offered", "accepted", "transferred", "timeout", "requeued", "closed"):
        assert wanted in kinds, (wanted, kinds)
    with app.uow() as uow:
        events = list(uow.session.scalars(select(HandoffEvent)))
        assert all(e.at is not None and e.at.tzinfo is not None for e in events)
    request = _request(app)
    assert request.status == HandoffStatus.CLOSED and request.outcome == "counselled"
    assert request.accepted_at is not None and request.first_response_at is not None and request.closed_at


def test_context_card_is_audited_and_uses_the_other_features_hooks(app: App) -> None:
    calls: list[int] = []

    def summary(uow: Any, person_id: int) -> str:
        calls.append(person_id)
        return "Đăng ký: đã nộp hồ sơ tại xã"

    app.extensions["registration.summary"] = summary
    app.extensions["aftercare.status"] = lambda uow, person_id: "Sau cai: chưa tham gia"
    party = Party(app)
    party.counsellor("c1", "Lan")
    party.consent("u1")
    party.say("u1", "dùng heroin có hại gì")
    party.say("u1", "/counsellor")
    party.say("c1", "/accept")
    card = party.to("c1")
    assert "Đăng ký: đã nộp hồ sơ tại xã" in card and "Sau cai: chưa tham gia" in card
    assert "heroin" in card
    person_id = _request(app).person_id
    with app.uow() as uow:
        audit = uow.session.scalars(select(AuditLog).where(AuditLog.action == "handoff.context_card")).one()
        assert audit.subject_id == str(person_id) and audit.actor.startswith("counsellor:")
    assert calls == [person_id]


def test_the_card_lists_what_the_person_asked_not_small_talk(app: App) -> None:
    party = Party(app)
    party.counsellor("c1", "Lan")
    party.consent("u1")
    party.say("u1", "thoi tiet hom nay the nao")
    party.say("u1", "chi phi cai nghien bao nhieu")
    party.say("u1", "/counsellor")
    party.say("c1", "/accept")
    card = party.to("c1")
    assert "Đã hỏi bot về:" in card
    topics = next(line for line in card.splitlines() if "Đã hỏi bot về:" in line)
    assert "Ngoài phạm vi" not in topics and "/" not in topics.split(":", 1)[1]
    assert len(topics.split(";")) == 1, "one topic: the cost question"


def test_enrol_sends_the_person_the_after_care_consent_question(app: App) -> None:
    party = _talking(app)
    party.say("c1", "/enrol")
    assert "#" in party.to("c1")
    assert "sau cai" in party.to("u1").lower()
    assert ("enrol", None) in _events(app)
    with app.uow() as uow:
        state = uow.states.get_or_create(_request(app).person_id, app.clock.now())
        assert state.flow in {"relay", "aftercare"}


# --- privacy ------------------------------------------------------------------------------------
def test_sensitive_values_are_encrypted_at_rest(app: App) -> None:
    party = Party(app)
    party.counsellor("987654321", "Ngọc Lan")
    party.consent("u1")
    party.say("u1", "/callback")
    party.press("u1", "handoff:cb_yes")
    party.say("u1", "0912345678")
    party.say("987654321", "/accept")
    party.say("987654321", "/note mẹ của bé Tùng")
    party.say("987654321", "/close đã tư vấn")
    party.press("u1", "handoff:csat:1:4")
    party.say("u1", "cảm ơn chị Ngọc Lan")
    with app.engine.connect() as conn:
        dump = " ".join(
            str(v)
            for table in ("counsellors", "handoff_notes", "handoff_requests")
            for row in conn.execute(text(f"select * from {table}"))
            for v in row
        )
    for secret in ("987654321", "Ngọc Lan", "0912345678", "+84912345678", "bé Tùng", "cảm ơn chị"):
        assert secret not in dump, secret
    request = _request(app)
    assert request.csat == 4 and request.csat_comment == "cảm ơn chị Ngọc Lan"


def test_delete_ends_the_conversation_and_erases_notes_and_numbers(app: App) -> None:
    party = _talking(app)
    party.say("c1", "/note gia đình ở Hà Nội")
    party.say("u1", "/delete")
    assert "xóa" in party.to("u1")
    assert party.to("c1") == "", "the /delete exchange is not relayed"
    party.press("u1", "delete:yes")
    assert "đã xóa dữ liệu" in party.to("c1")
    request = _request(app)
    assert request.status == HandoffStatus.CLOSED and request.ended_by == "erasure"
    with app.uow() as uow:
        assert list(uow.session.scalars(select(HandoffNote))) == []
    party.say("c1", "bạn còn đó không?")
    assert "không có cuộc trò chuyện nào đang mở" in party.to("c1")


def test_delete_also_erases_what_was_relayed_to_the_counsellor_sent_or_still_waiting(app: App) -> None:
    app.extensions[COPIES_MEDIA] = {"test"}
    party = _talking(app)
    party.say("u1", "em tên Hoa, ở Đống Đa")
    assert "#1: em tên Hoa" in party.to("c1")
    now = app.clock.now()
    # Written while the sender is busy: still in the outbox when the person deletes their data.
    app.dialogue.handle(Inbound("test", "u1", "waiting-1", now, text="em sợ lắm chị ạ"))
    app.dialogue.handle(Inbound("test", "u1", "waiting-2", now, kind=MessageKind.PHOTO))
    app.dialogue.handle(Inbound("test", "u1", "delete-1", now, text="/delete"))
    app.dialogue.handle(Inbound("test", "u1", "delete-2", now, payload="delete:yes", kind=MessageKind.BUTTON))
    party.wait(timedelta(0))
    assert party.to("c1") == "#1 đã xóa dữ liệu của họ: cuộc trò chuyện đã đóng và các ghi chú đã bị xóa."
    with app.uow() as uow:
        rows = [
            (row.person_id, row.text, row.copy_of, row.about_person_id)
            for row in uow.session.scalars(select(OutboxMessage))
        ]
    assert rows, "the counsellor's own messages stay"
    assert [text for _to, text, _copy, about in rows if about is not None or "Hoa" in text or "sợ" in text] == []
    assert [copy for _to, _text, copy, _about in rows if copy is not None] == [], "the photo is not copied"


def test_declining_delete_mid_conversation_goes_back_to_the_relay(app: App) -> None:
    party = _talking(app)
    party.say("u1", "/delete")
    party.press("u1", "delete:no")
    party.say("u1", "em vẫn ở đây")
    assert "#1: em vẫn ở đây" in party.to("c1")
    assert party.to("u1") == ""


# --- the queue ----------------------------------------------------------------------------------
def test_queue_order_is_crisis_then_escalation_then_waiting_time(app: App) -> None:
    party = Party(app)
    for user in ("a", "b", "c", "d"):
        party.consent(user)
    events = Events()
    with app.uow() as uow:
        by_user: dict[str, int] = {}
        for user in ("a", "b", "c", "d"):
            person = uow.people.find("test", user)
            assert person is not None
            by_user[user] = person.id
        ids = {pid: user for user, pid in by_user.items()}
        now = app.clock.now()
        enqueue_person(uow, events, by_user["a"], "request", Priority.REQUEST, now)
        enqueue_person(uow, events, by_user["b"], "aftercare", Priority.ESCALATION, now + timedelta(minutes=1))
        enqueue_person(uow, events, by_user["c"], "request", Priority.REQUEST, now - timedelta(minutes=1))
        d = enqueue_person(uow, events, by_user["d"], "crisis_suicide", Priority.CRISIS, now + timedelta(minutes=2))
        uow.commit()
        order = [ids[r.person_id] for r in uow.handoffs.waiting()]
        assert order == ["d", "b", "c", "a"]
        assert [uow.handoffs.position(r) for r in uow.handoffs.waiting()] == [1, 2, 3, 4]
        assert d.crisis


def test_estimate_follows_recent_handle_times(app: App) -> None:
    party = Party(app)
    party.counsellor("c1", "Lan", capacity=1)
    for user in ("u1", "u2"):
        party.consent(user)
    party.say("u1", "/counsellor")
    party.say("c1", "/accept")
    party.wait(timedelta(minutes=40))
    party.say("c1", "/close đã tư vấn")
    party.say("u1", "/counsellor")
    party.say("c1", "/accept")
    party.say("u2", "/counsellor")
    assert "khoảng 40 phút" in party.to("u2"), "one person ahead at 40 min per conversation, one counsellor"


def test_position_updates_are_meaningful_not_spam(monkeypatch: pytest.MonkeyPatch, make_app: AppFactory) -> None:
    monkeypatch.setenv("HOTLINE_HANDOFF_RENOTIFY_AFTER_S", "3600")  # keep the reminders out of this test
    party = Party(make_app())
    party.counsellor("c1", "Lan", capacity=1)
    party.counsellor("c2", "Minh", capacity=1)
    party.counsellor("c3", "Hoa", capacity=1)
    for user in ("u1", "u2", "u3", "u4", "u5"):
        party.consent(user)
        party.say(user, "/counsellor")
    assert "vị trí số 5" in party.to("u5")
    party.say("c1", "/accept")
    party.wait(timedelta(minutes=2))
    assert party.to("u5") == "", "one place is not worth a message"
    party.say("c2", "/accept")
    party.wait(timedelta(minutes=2))
    assert "vị trí số 3" in party.to("u5")
    party.say("c3", "/accept")
    party.wait(timedelta(minutes=2))
    assert party.to("u5") == ""
    party.say("c1", "/close đã tư vấn")
    party.say("c1", "/accept")
    party.wait(timedelta(minutes=2))
    assert "người tiếp theo" in party.to("u5")


# --- conversations ------------------------------------------------------------------------------
def test_a_form_in_progress_is_kept_during_the_conversation_and_resumed(app: App) -> None:
    party = Party(app)
    party.counsellor("c1", "Lan")
    party.consent("u1")
    party.say("u1", "/counsellor")
    party.say("u1", "/callback")
    party.press("u1", "handoff:cb_yes")
    assert "gõ số điện thoại" in party.to("u1")
    party.say("c1", "/accept")
    assert "vẫn được giữ lại" in party.to("u1")
    party.say("u1", "0912345678")
    assert "#1: 0912345678" in party.to("c1"), "during the conversation the person's words go to the counsellor"
    party.say("c1", "/close đã tư vấn")
    party.press("u1", "handoff:csat:1:skip")
    assert "quay lại phần đang làm dở" in party.to("u1")
    party.say("u1", "0987654321")
    assert "đuôi …321" in party.to("u1")


def test_transfer_is_refused_to_a_counsellor_off_duty_or_full(app: App) -> None:
    party = _talking(app)
    party.say("c2", "/off")
    party.say("c1", "/transfer Minh bàn giao")
    assert "Minh không trong ca trực" in party.to("c1")
    party.counsellor("c3", "Hoa", capacity=1)
    party.consent("u2")
    party.say("u2", "/counsellor")
    party.say("c3", "/accept")
    party.say("c1", "/transfer Hoa bàn giao")
    assert "Hoa đã nhận đủ" in party.to("c1")
    with app.uow() as uow:
        lan = Repos(uow).counsellors.find("test", "c1")
        assert lan is not None
        lan_id = lan.id
    assert _request(app).counsellor_id == lan_id


def test_stale_relay_state_heals_and_the_bot_answers(app: App) -> None:
    party = _talking(app)
    with app.uow() as uow:
        request = uow.session.get_one(HandoffRequest, 1)
        request.status = HandoffStatus.CLOSED
        uow.commit()
    party.say("u1", "methadone là gì")
    assert "methadone" in party.to("u1").lower()
    assert party.to("c1") == ""


def test_unsupported_media_from_the_person_is_described_to_the_counsellor(app: App) -> None:
    party = _talking(app)
    party.send("u1", MessageKind.VOICE)
    assert "#1 đã gửi một tin nhắn thoại" in party.to("c1")
    assert "chưa chuyển được một tin nhắn thoại" in party.to("u1")


def test_media_goes_across_as_a_copy_where_the_channel_can_copy_it(app: App) -> None:
    app.extensions[COPIES_MEDIA] = {"test"}
    party = _talking(app)
    party.send("u1", MessageKind.PHOTO)
    assert party.to("c1") == "#1: (đã gửi một ảnh)\nmột ảnh", "a line saying who sent it, then the copy"
    assert party.to("u1") == "", "passed on: the bot says nothing"
    party.send("c1", MessageKind.VOICE)
    assert party.to("u1") == "Lan: (đã gửi một tin nhắn thoại)\nmột tin nhắn thoại"
    with app.uow() as uow:
        sources = {m.kind: m.message_id for m in uow.session.scalars(select(InboxMessage))}
        copies = [(row.text, row.copy_of) for row in uow.session.scalars(select(OutboxMessage)) if row.copy_of]
    assert copies == [("một ảnh", sources["photo"]), ("một tin nhắn thoại", sources["voice"])]
    assert _request(app).person_waiting_since is None, "the counsellor's copy counts as their answer"


def test_timeouts_follow_the_settings(monkeypatch: pytest.MonkeyPatch, make_app: AppFactory) -> None:
    monkeypatch.setenv("HOTLINE_HANDOFF_RENOTIFY_AFTER_S", "60")
    monkeypatch.setenv("HOTLINE_HANDOFF_CAPACITY", "1")
    app = make_app()
    party = Party(app)
    party.counsellor("c1", "Lan")
    with app.uow() as uow:
        lan = uow.session.scalars(select(Counsellor)).one()
        assert lan.capacity == 1
    party.consent("u1")
    party.say("u1", "/counsellor")
    party.wait(timedelta(seconds=61))
    assert "#1 đã chờ 1 phút" in party.to("c1")


# --- schema -------------------------------------------------------------------------------------
HANDOFF_TABLES = ("counsellors", "counsellor_invites", "roster_shifts", "handoff_events", "handoff_notes")


def test_the_handoff_migration_matches_the_models(app: App) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.models import Base

    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    mine = [d for d in diff if any(name in repr(d) for name in (*HANDOFF_TABLES, "handoff_requests"))]
    assert mine == []


def test_existing_requests_get_their_queue_time_when_the_migration_runs(app: App) -> None:
    from storage.migrate import downgrade, upgrade

    downgrade(app.engine, "0001")
    created = "2026-11-20 08:00:00+00:00"
    with app.engine.begin() as conn:
        conn.execute(
            text(
                "insert into people (id, channel, external_id_hash, external_id, language, anonymous, created_at,"
                " last_seen_at, unreachable) values (1, 'test', 'h', 'x', 'vi', true, :at, :at, false)"
            ),
            {"at": created},
        )
        conn.execute(
            text(
                "insert into handoff_requests (id, person_id, reason, priority, crisis, status, created_at, updated_at)"
                " values (1, 1, 'request', 10, false, 'waiting', :at, :at)"
            ),
            {"at": created},
        )
    upgrade(app.engine)
    request = _request(app)
    assert request.queued_at == request.created_at and request.counsellor_id is None


def test_a_long_queue_gives_each_counsellor_one_reminder_not_a_flood(app: App) -> None:
    party = Party(app)
    party.counsellor("c1", "Lan")
    for user in ("u1", "u2", "u3"):
        party.consent(user)
        party.say(user, "/counsellor")
    party.wait(timedelta(minutes=5))
    reminders = [m for m in party.last if m.recipient == "c1"]
    assert len(reminders) == 1
    assert "3 người đã chờ quá lâu" in reminders[0].text and "#1" in reminders[0].text and "#3" in reminders[0].text
    assert [b.payload for b in reminders[0].buttons] == ["desk:accept"]
    assert all("vẫn ở vị trí số" in party.to(user) for user in ("u1", "u2", "u3"))
