"""After-care without a database: plans, allowed hours, jitter, what people type, the content files, dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.aftercare import texts
from services.aftercare.content import default_content
from services.aftercare.parsing import Setting, parse_days, parse_level, parse_time, says_not_ok, setting_asked
from services.aftercare.plan import PlanError, add_months, load_config
from services.aftercare.timetable import Timetable
from storage.aftercare_models import AftercareEnrolment

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CONFIG = load_config()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM)  # type: ignore[misc]


def enrolment(started: datetime, at: str = "09:00", enrolment_id: int = 1) -> AftercareEnrolment:
    return AftercareEnrolment(id=enrolment_id, plan="default", cycle=1, local_time=at, started_at=started)


def test_default_plan_daily_two_weeks_then_weekly_to_three_months_then_fortnightly_to_a_year() -> None:
    start = date(2026, 11, 23)
    slots = CONFIG.plan("default").slot_dates(start)
    assert slots[:14] == tuple(start + timedelta(days=d) for d in range(1, 15))  # 14 daily check-ins
    assert slots[14] == date(2026, 12, 14)  # then weekly
    for before, slot in zip((start, *slots), slots, strict=False):
        expected = 1 if before < start + timedelta(days=14) else 7 if before < add_months(start, 3) else 14
        assert (slot - before).days == expected, (before, slot)
    assert any((b - a).days == 14 for a, b in pairwise(slots))
    assert slots[-1] <= add_months(start, 12) < slots[-1] + timedelta(days=14)


def test_add_months_keeps_the_day_or_takes_the_last_one() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 23), 3) == date(2027, 2, 23)


def test_allowed_hours_move_a_late_moment_to_the_next_morning() -> None:
    hours = CONFIG.hours
    assert hours.clamp(local(2026, 11, 30, 22, 0)) == local(2026, 12, 1, 8, 0)
    assert hours.clamp(local(2026, 11, 30, 6, 30)) == local(2026, 11, 30, 8, 0)
    assert hours.clamp(local(2026, 11, 30, 21, 0)) == local(2026, 11, 30, 21, 0)
    assert not hours.allows(local(2026, 11, 30, 21, 0, 1))
    assert hours.allows(local(2026, 11, 30, 8, 0))


def test_jitter_spreads_a_cohort_inside_the_allowed_hours_and_is_repeatable() -> None:
    table = Timetable(CONFIG, timedelta(minutes=10))
    started = local(2026, 11, 23, 10, 0)
    dues = []
    for person in range(1, 201):
        row = enrolment(started, "09:00", person)
        planned = table.planned(row, 1)
        due = table.due(row, 1, planned)
        assert planned <= due < planned + timedelta(minutes=10)
        assert due == table.due(row, 1, planned)
        dues.append(due)
    assert len(set(dues)) > 100
    late = enrolment(started, "21:00")
    assert table.due(late, 1, table.planned(late, 1)) == local(2026, 11, 24, 21, 0)


def test_a_changed_time_that_already_passed_moves_to_the_next_slot() -> None:
    table = Timetable(CONFIG, timedelta(0))
    row = enrolment(local(2026, 11, 23, 10, 0), "08:00")
    slot = table.moved(row, 1, local(2026, 11, 24, 10, 0))  # slot 1 is today 08:00, already past
    assert slot is not None and (slot.seq, slot.planned_at) == (2, local(2026, 11, 25, 8, 0))
    weekly = table.moved(row, 15, local(2026, 12, 14, 10, 0))  # slot 15 is 14 Dec (weekly phase)
    assert weekly is not None and (weekly.seq, weekly.planned_at) == (15, local(2026, 12, 15, 8, 0))


def test_plans_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "plans.yml"
    bad.write_text(
        "allowed_hours: {start: '08:00', end: '21:00'}\ndefault_time: '22:00'\n"
        "plans: {default: {phases: [{every_days: 1, until: {days: 14}}]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanError, match="outside the allowed hours"):
        load_config(bad)
    bad.write_text(
        "plans: {default: {phases: [{every_days: 1, until: {days: 14}}], followup_after_hours: 12, "
        "answer_window_hours: 6}}\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanError, match="followup_after"):
        load_config(bad)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("19h", time(19)),
        ("19h30", time(19, 30)),
        ("7 giờ tối", time(19)),
        ("7 gio toi", time(19)),
        ("8h sáng", time(8)),
        ("7 rưỡi tối", time(19, 30)),
        ("đổi giờ sang 20:15", time(20, 15)),
        ("1 giờ trưa", time(13)),
        ("năm 2026", None),
        ("tạm dừng 3 ngày", None),
    ],
)
def test_times_people_type(typed: str, expected: time | None) -> None:
    assert parse_time(typed) == expected


def test_days_and_levels_people_type() -> None:
    assert parse_days("tạm dừng 1 tuần") == 7
    assert parse_days("hai tuần") == 14
    assert parse_days("5") == 5
    assert parse_days("tạm dừng") is None
    assert parse_level("8") == 8
    assert parse_level("mức 8") == 8
    assert parse_level("thèm quá 9/10") == 9
    assert parse_level("11") is None
    assert parse_level("thèm 2 ngày nay", explicit_only=True) is None
    assert parse_level("thèm lắm, chắc 8 điểm", explicit_only=True) == 8


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("dừng nhắc", Setting.STOP),
        ("dung nhac", Setting.STOP),
        ("ko muon nhan tin nua", Setting.STOP),
        ("tạm dừng 3 ngày", Setting.PAUSE),
        ("dừng nhắc 1 tuần", Setting.PAUSE),
        ("tiếp tục nhắc", Setting.RESUME),
        ("đổi giờ sang 7h tối", Setting.TIME),
        ("cài đặt nhắc", Setting.MENU),
        ("hôm nay ổn", None),
        ("dừng lại đi", None),
        ("đổi ý rồi", None),
    ],
)
def test_settings_asked_in_words(typed: str, expected: Setting | None) -> None:
    assert setting_asked(typed) is expected


def test_not_ok_is_never_ok() -> None:
    assert says_not_ok("hôm nay không ổn lắm")
    assert says_not_ok("ko on")
    assert says_not_ok("chán nản quá")
    assert not says_not_ok("hôm nay ổn")
    assert not says_not_ok("không thèm gì cả, vẫn khỏe")


def test_content_files_are_complete_and_short() -> None:
    content = default_content()
    everything = [
        *content.checkin,
        content.first,
        content.welcome_back,
        content.last,
        *content.followup,
        *content.ok_replies,
        *content.relapse_replies,
        *content.milestones.values(),
        *content.tips,
    ]
    assert len(set(content.checkin)) >= 7, "check-ins must vary"
    assert len(content.tips) >= 5
    assert set(content.milestones) >= set(CONFIG.milestones_days)
    for text in everything:
        assert 10 < len(text) <= 400, text
        assert set(re.findall(r"{(\w*)}", text)) <= {"day"}, text
    assert datetime.now(UTC).date() - content.reviewed <= timedelta(days=365)
    shown = {content.checkin_text(seq, 7, 3) for seq in range(1, 4)}
    assert len(shown) == 3, "consecutive check-ins differ"


def test_dates_and_times_are_vietnamese() -> None:
    moment = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 08:00 in Ho Chi Minh City
    assert texts.day_text(moment) == "thứ Hai, 30 tháng 11"
    assert texts.clock_label(moment) == "8:00 sáng"
    assert texts.when_text(moment) == "thứ Hai, 30 tháng 11 lúc 8:00 sáng"
    assert texts.clock_label(local(2026, 11, 30, 21, 0)) == "9:00 tối"
    assert texts.cadence(CONFIG.plan("default")) == (
        "mỗi ngày trong 2 tuần đầu, sau đó mỗi tuần một lần đến hết tháng thứ 3, "
        "sau đó 2 tuần một lần đến hết tháng thứ 12"
    )
