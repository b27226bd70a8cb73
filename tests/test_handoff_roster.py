"""The weekly roster's arithmetic in Asia/Ho_Chi_Minh: days, times, overnight shifts, the next start."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.handoff.roster import RosterError, in_shift, next_start, parse_days, parse_time, roster_specs
from storage.handoff_models import RosterShift

VN = "+07:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + VN)


def shift(weekday: int, start: str, end: str) -> RosterShift:
    return RosterShift(counsellor_id=1, weekday=weekday, start_minute=parse_time(start), end_minute=parse_time(end))


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", [0, 1, 2, 3, 4]),
        ("daily", list(range(7))),
        (["sat", "sun"], [5, 6]),
        ("t2-t6", [0, 1, 2, 3, 4]),
        ("cn", [6]),
        ("fri-mon", [0, 4, 5, 6]),
        ("Monday, wed", [0, 2]),
    ],
)
def test_days(days: object, expected: list[int]) -> None:
    assert parse_days(days) == expected


@pytest.mark.parametrize("bad", ["someday", "", "mon-xyz"])
def test_bad_days_are_refused(bad: str) -> None:
    with pytest.raises(RosterError):
        parse_days(bad)


@pytest.mark.parametrize("bad", ["7", "25:00", "07:60", "24:30", "noon"])
def test_bad_times_are_refused(bad: str) -> None:
    with pytest.raises(RosterError):
        parse_time(bad)


def test_day_shift() -> None:
    monday = [shift(0, "07:00", "17:00")]
    assert in_shift(monday, at("2026-11-23T07:00:00"))
    assert in_shift(monday, at("2026-11-23T16:59:00"))
    assert not in_shift(monday, at("2026-11-23T17:00:00"))
    assert not in_shift(monday, at("2026-11-24T08:00:00"))


def test_overnight_shift_runs_into_the_next_day_and_across_the_week() -> None:
    sunday_night = [shift(6, "22:00", "06:00")]
    assert in_shift(sunday_night, at("2026-11-29T23:30:00"))
    assert in_shift(sunday_night, at("2026-11-30T05:59:00")), "Monday morning belongs to Sunday's night shift"
    assert not in_shift(sunday_night, at("2026-11-30T06:00:00"))
    assert not in_shift(sunday_night, at("2026-11-29T21:59:00"))


def test_a_shift_from_midnight_to_midnight_is_the_whole_day() -> None:
    assert in_shift([shift(1, "00:00", "24:00")], at("2026-11-24T23:59:00"))


def test_next_start_is_the_first_one_after_now_even_next_week() -> None:
    shifts = [shift(0, "07:00", "17:00"), shift(2, "07:00", "17:00")]
    assert next_start(shifts, at("2026-11-24T02:00:00")) == at("2026-11-25T07:00:00")
    assert next_start(shifts, at("2026-11-27T02:00:00")) == at("2026-11-30T07:00:00")
    assert next_start([], at("2026-11-27T02:00:00")) is None


def test_roster_file_lines_name_what_is_wrong() -> None:
    with pytest.raises(RosterError, match="shift 2"):
        roster_specs({"shifts": [{"id": "1", "days": "mon", "start": "07:00", "end": "09:00"}, {"id": "2"}]}, "x")
    specs = roster_specs({"shifts": [{"id": 42, "days": "sat,sun", "start": "22:00", "end": "06:00"}]}, "telegram")
    assert [(s.channel, s.external_id, s.weekday) for s in specs] == [("telegram", "42", 5), ("telegram", "42", 6)]
