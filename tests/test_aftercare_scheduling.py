"""The after-care scheduler with the fake clock: plan cadence, allowed hours, downtime, follow-up and
escalation, pauses, per-tick cap, failures, and two workers claiming at once (no check-in sent twice)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from services.aftercare.feature import RUNNER_HOOK
from services.aftercare.runner import CheckinRunner
from services.bootstrap import App, build_app
from services.clock import FakeClock
from services.handoff.queue import Priority
from services.nlu.embedded import EmbeddedNlu
from storage.aftercare_models import AftercareCheckin, CheckinStatus, EnrolmentStatus
from storage.models import OutboxMessage, Person
from tests.aftercare_helpers import (
    all_rows,
    checkin_payload,
    checkins,
    enrol,
    enrol_many,
    enrolment_of,
    events,
    queue,
    to,
    wait,
)
from tests.conftest import START, AppFactory, make_settings
from tests.helpers import labels, texts

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = timedelta(days=1)


def local(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment.astimezone(HCM)


def test_fourteen_daily_checkins_then_weekly(app: App) -> None:
    chat = enrol(app, at="08:00")
    sent_days = []
    for _day in range(30):
        messages = to(wait(app, DAY, chat), "u1")
        if messages:
            assert len(messages) == 1
            sent_days.append(local(app.clock.now()).date().isoformat())
            chat.press(checkin_payload(messages[0], "ok"))
    assert sent_days[:14] == [f"2026-11-{d}" for d in range(24, 31)] + [f"2026-12-0{d}" for d in range(1, 8)]
    assert sent_days[14:] == ["2026-12-14", "2026-12-21"]
    rows = [r for r in checkins(app, chat) if r.status == CheckinStatus.ANSWERED]
    assert len(rows) == 16
    for row in rows:
        assert local(row.planned_at).strftime("%H:%M") == "08:00"
        assert timedelta(0) <= row.due_at - row.planned_at < timedelta(minutes=10)


def test_three_days_down_sends_one_catch_up_not_three(app: App) -> None:
    chat = enrol(app, at="08:00")
    messages = to(wait(app, 3 * DAY, chat), "u1")
    assert len(messages) == 1 and labels(messages)[0] == "Ổn"
    rows = checkins(app, chat)
    assert [(r.seq, r.status, r.skip_reason) for r in rows] == [
        (1, "skipped", "superseded"),
        (2, "skipped", "superseded"),
        (3, "sent", None),
        (4, "scheduled", None),
    ]
    assert to(wait(app, timedelta(0), chat), "u1") == [], "a second tick at the same moment sends nothing"
    assert len(to(wait(app, DAY, chat), "u1")) == 1


def test_down_until_night_waits_for_the_morning_and_sends_once(app: App) -> None:
    chat = enrol(app, at="08:00")
    assert to(wait(app, 3 * DAY + timedelta(hours=13), chat), "u1") == []  # Thursday 22:00
    [row] = [r for r in checkins(app, chat) if r.status == CheckinStatus.SCHEDULED]
    assert local(row.due_at).strftime("%a %H:%M") == "Fri 08:00"
    messages = to(wait(app, timedelta(hours=10), chat), "u1")  # Friday 08:00
    assert len(messages) == 1
    assert Counter(r.status for r in checkins(app, chat)) == {"skipped": 3, "sent": 1, "scheduled": 1}


def test_a_checkin_due_at_22_moves_to_08(app: App) -> None:
    chat = enrol(app, at="21:00")
    assert to(wait(app, DAY + timedelta(hours=13), chat), "u1") == []  # Tuesday 22:00, the 21:00 one not sent
    messages = to(wait(app, timedelta(hours=10), chat), "u1")  # Wednesday 08:00
    assert len(messages) == 1 and "đến muộn hơn giờ hẹn" in messages[0].text
    [outbox] = [m for m in all_rows(app, OutboxMessage) if "đến muộn" in m.text]
    assert local(outbox.created_at).strftime("%H:%M") == "08:00"


def test_too_old_checkins_are_skipped_and_recorded(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_AFTERCARE_CATCHUP_MAX_AGE_HOURS", "2")
    app = make_app()
    chat = enrol(app, at="08:00")
    assert to(wait(app, DAY + timedelta(hours=3), chat), "u1") == []  # Tuesday 12:00: 4 hours late
    rows = checkins(app, chat)
    assert [(r.seq, r.status, r.skip_reason) for r in rows] == [(1, "skipped", "too_old"), (2, "scheduled", None)]
    assert len(to(wait(app, timedelta(hours=21), chat), "u1")) == 1


def test_one_gentle_followup_then_two_missed_go_to_the_queue(app: App) -> None:
    chat = enrol(app, at="08:00")
    assert len(to(wait(app, DAY, chat), "u1")) == 1  # Tuesday 09:00
    followup = to(wait(app, timedelta(hours=6), chat), "u1")  # 15:00
    assert len(followup) == 1 and labels(followup)[0] == "Ổn"
    assert to(wait(app, timedelta(hours=6), chat), "u1") == []  # 21:00: first one missed, quietly
    assert enrolment_of(app, chat).missed_streak == 1 and queue(app) == []
    assert len(to(wait(app, timedelta(hours=12), chat), "u1")) == 1  # Wednesday 09:00
    assert to(wait(app, timedelta(hours=6), chat), "u1") == [], "one follow-up only"
    notice = to(wait(app, timedelta(hours=6), chat), "u1")  # 21:00: two missed in a row
    assert "nhờ một tư vấn viên liên hệ" in texts(notice)
    [request] = queue(app)
    assert (request.priority, request.reason) == (Priority.ESCALATION, "aftercare_missed")
    assert len(events(app, "followup")) == 1
    wait(app, timedelta(hours=12), chat)  # Thursday 09:00
    wait(app, DAY, chat)  # Friday 09:00: the third one missed too
    assert enrolment_of(app, chat).missed_streak == 3
    assert len(events(app, "escalated")) == 1, "one escalation per silence"
    chat.press(checkin_payload(chat.received[-1], "ok"))
    assert enrolment_of(app, chat).missed_streak == 0


def test_an_answer_cancels_the_followup(app: App) -> None:
    chat = enrol(app, at="08:00")
    wait(app, DAY, chat)
    chat.say("ổn ạ")
    assert to(wait(app, timedelta(hours=12), chat), "u1") == []
    assert events(app, "followup") == []


def test_a_pause_ends_by_itself_with_a_welcome_back(app: App) -> None:
    chat = enrol(app, at="08:00")
    wait(app, DAY, chat)
    chat.press(checkin_payload(chat.received[-1], "ok"))
    chat.say("tạm dừng 3 ngày")  # Tuesday: back on Friday
    assert to(wait(app, DAY, chat), "u1") == []
    assert to(wait(app, DAY, chat), "u1") == []
    back = to(wait(app, DAY, chat), "u1")
    assert "quay lại hỏi thăm sau mấy ngày tạm nghỉ" in texts(back)
    assert enrolment_of(app, chat).status == EnrolmentStatus.ACTIVE
    assert [e.value for e in events(app, "resumed")] == ["auto"]


def test_a_row_found_due_during_a_pause_waits_for_its_end(app: App) -> None:
    chat = enrol(app, at="08:00")
    chat.say("tạm dừng 7 ngày")  # back on Monday 30 November
    with app.uow() as uow:  # as if the row had been left early (e.g. by an older version)
        uow.session.execute(
            update(AftercareCheckin).where(AftercareCheckin.status == "scheduled").values(action_at=app.clock.now())
        )
        uow.commit()
    assert to(wait(app, timedelta(minutes=1), chat), "u1") == []
    [row] = [r for r in checkins(app, chat) if r.status == CheckinStatus.SCHEDULED]
    assert local(row.planned_at).strftime("%d/%m %H:%M") == "30/11 08:00"
    assert enrolment_of(app, chat).status == EnrolmentStatus.PAUSED


def test_changed_time_is_used_from_the_next_checkin(app: App) -> None:
    chat = enrol(app, at="08:00")
    chat.say("đổi giờ sang 19h")
    assert to(wait(app, DAY, chat), "u1") == []  # Tuesday 09:00
    assert len(to(wait(app, timedelta(hours=10, minutes=10), chat), "u1")) == 1  # 19:10


def test_the_last_checkin_completes_the_programme(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plans = tmp_path / "plans.yml"
    plans.write_text(
        "plans: {default: {phases: [{every_days: 1, until: {days: 3}}], followup_after_hours: 6, "
        "answer_window_hours: 12}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOTLINE_AFTERCARE_PLANS_FILE", str(plans))
    app = make_app()
    chat = enrol(app, at="08:00")
    for _day in range(2):
        wait(app, DAY, chat)
        chat.press(checkin_payload(chat.received[-1], "ok"))
    last = to(wait(app, DAY, chat), "u1")
    assert "lần hỏi thăm cuối cùng" in texts(last)
    assert enrolment_of(app, chat).status == EnrolmentStatus.COMPLETED
    chat.press(checkin_payload(last[0], "ok"))
    assert checkins(app, chat)[-1].answer == "ok"
    assert to(wait(app, 3 * DAY, chat), "u1") == []


def test_unreachable_people_are_skipped_not_retried_forever(app: App) -> None:
    chat = enrol(app, at="08:00")
    with app.uow() as uow:
        uow.session.execute(update(Person).values(unreachable=True))
        uow.commit()
    assert to(wait(app, DAY, chat), "u1") == []
    assert [(r.status, r.skip_reason) for r in checkins(app, chat)] == [("skipped", "unreachable"), ("scheduled", None)]


def test_the_cap_per_tick_spreads_a_cohort(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_AFTERCARE_MAX_PER_TICK", "10")
    app = make_app()
    enrol_many(app, 25)
    assert len(wait(app, DAY)) == 10
    assert len(wait(app, timedelta(seconds=30))) == 10
    assert len(wait(app, timedelta(seconds=30))) == 5
    assert wait(app, timedelta(seconds=30)) == []


def test_a_failing_row_is_postponed_and_the_others_go(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = enrol_many(app, 5)
    import services.aftercare.runner as runner_module

    real_send = runner_module.queue_message

    def send(uow, person_id, text, buttons, now):  # type: ignore[no-untyped-def]
        if person_id == ids[2]:
            raise RuntimeError("channel trouble")
        return real_send(uow, person_id, text, buttons, now)

    monkeypatch.setattr(runner_module, "queue_message", send)
    assert len(wait(app, DAY)) == 4
    with app.uow() as uow:
        row = uow.session.scalars(select(AftercareCheckin).where(AftercareCheckin.person_id == ids[2])).one()
        assert row.status == CheckinStatus.SCHEDULED
        assert row.action_at == app.clock.now() + timedelta(minutes=15)
    monkeypatch.setattr(runner_module, "queue_message", real_send)
    assert len(wait(app, timedelta(minutes=15))) == 1


def _worker_app(tmp_path: Path, url: str, nlu: EmbeddedNlu, clock: FakeClock) -> App:
    return build_app(make_settings(tmp_path, url), clock=clock, nlu=nlu)


def test_two_workers_claiming_at_once_never_send_twice(
    make_app: AppFactory, tmp_path: Path, database_url: str, nlu: EmbeddedNlu, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_AFTERCARE_MAX_PER_TICK", "10")
    first = make_app()
    people = enrol_many(first, 300, times=("08:00", "08:05"))
    due = START + DAY
    second = _worker_app(tmp_path, database_url, nlu, FakeClock(due))
    assert isinstance(first.clock, FakeClock)
    first.clock.advance(DAY)
    runners: list[CheckinRunner] = [first.extensions[RUNNER_HOOK], second.extensions[RUNNER_HOOK]]
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    sent: Counter[int] = Counter()

    def work(number: int, runner: CheckinRunner) -> None:
        try:
            start.wait()
            while True:
                report = runner.tick(due)
                sent[number] += report.sent
                if not report.claimed:
                    break
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n, r)) for n, r in enumerate(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    second.close()
    assert errors == []
    assert sent[0] + sent[1] == 300, sent
    if first.engine.dialect.name == "postgresql":  # SQLite serialises the two (one process is its limit)
        assert sent[0] > 0 and sent[1] > 0, sent
    outbox = all_rows(first, OutboxMessage)
    per_person = Counter(m.person_id for m in outbox)
    assert per_person == dict.fromkeys(people, 1), "every due check-in sent exactly once"
    rows = all_rows(first, AftercareCheckin)
    assert Counter(r.status for r in rows) == {"sent": 300, "scheduled": 300}
