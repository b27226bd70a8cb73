"""The weekly roster in Asia/Ho_Chi_Minh: reading shifts (YAML or CLI), whether one is on, when the next starts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from services.i18n import LOCAL_TZ
from storage.handoff_models import RosterShift

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_VI_DAYS = {"t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "cn": 6}
_TIME = re.compile(r"^\s*(\d{1,2})[:h.](\d{2})\s*$")
MINUTES_PER_DAY = 24 * 60


class RosterError(ValueError):
    """A roster entry that cannot be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class ShiftSpec:
    """A shift as an operator wrote it, before it is tied to a counsellor row."""

    channel: str
    external_id: str
    weekday: int
    start_minute: int
    end_minute: int


def parse_days(value: Any) -> list[int]:
    """`mon-fri`, `daily`, `[mon, wed]`, `t2-t6`, `cn` → weekday numbers (0 = Monday)."""
    parts: list[str] = []
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        parts = [p for p in re.split(r"[,\s]+", str(value)) if p]
    days: list[int] = []
    for part in parts:
        token = part.strip().lower()
        if token in ("daily", "all", "everyday", "hangngay"):
            days.extend(range(7))
        elif "-" in token:
            first, last = (_day(t) for t in token.split("-", 1))
            span = (last - first) % 7
            days.extend((first + i) % 7 for i in range(span + 1))
        else:
            days.append(_day(token))
    if not days:
        raise RosterError("no days given")
    return sorted(set(days))


def _day(token: str) -> int:
    token = token.strip().lower()
    if token in _VI_DAYS:
        return _VI_DAYS[token]
    if len(token) >= 3 and token[:3] in DAY_NAMES:
        return DAY_NAMES.index(token[:3])
    raise RosterError(f"unknown day {token!r} (use mon..sun, t2..t7, cn, daily or ranges like mon-fri)")


def parse_time(value: Any) -> int:
    """`07:00` → minutes after midnight; `24:00` is the end of the day."""
    match = _TIME.match(str(value))
    if not match:
        raise RosterError(f"cannot read the time {value!r} (use HH:MM, 24-hour)")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise RosterError(f"the time {value!r} does not exist")
    return hours * 60 + minutes


def shift_specs(entry: dict[str, Any], *, channel: str, external_id: str) -> list[ShiftSpec]:
    """The shifts of one roster line (`days`, `start`, `end`)."""
    for key in ("days", "start", "end"):
        if key not in entry:
            raise RosterError(f"a shift needs {key!r}")
    start, end = parse_time(entry["start"]), parse_time(entry["end"])
    if start == MINUTES_PER_DAY:
        raise RosterError("a shift cannot start at 24:00")
    return [ShiftSpec(channel, external_id, day, start, end % MINUTES_PER_DAY) for day in parse_days(entry["days"])]


def roster_specs(doc: Any, default_channel: str) -> list[ShiftSpec]:
    """Every shift of a roster document: `{shifts: [{id, channel?, days, start, end}, ...]}`."""
    if not isinstance(doc, dict) or not isinstance(doc.get("shifts"), list):
        raise RosterError("a roster file needs a list `shifts:`")
    specs: list[ShiftSpec] = []
    for number, entry in enumerate(doc["shifts"], start=1):
        if not isinstance(entry, dict) or "id" not in entry:
            raise RosterError(f"shift {number}: needs `id` (the counsellor's channel id)")
        try:
            specs.extend(
                shift_specs(entry, channel=str(entry.get("channel", default_channel)), external_id=str(entry["id"]))
            )
        except RosterError as exc:
            raise RosterError(f"shift {number}: {exc}") from exc
    return specs


def _spans(shift: RosterShift, monday: datetime) -> tuple[datetime, datetime]:
    start = monday + timedelta(days=shift.weekday, minutes=shift.start_minute)
    length = (shift.end_minute - shift.start_minute) % MINUTES_PER_DAY or MINUTES_PER_DAY
    return start, start + timedelta(minutes=length)


def _local_monday(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), tzinfo=LOCAL_TZ)


def in_shift(shifts: Iterable[RosterShift], now: datetime) -> bool:
    """Whether any of the shifts covers this moment (overnight shifts run into the next day)."""
    monday = _local_monday(now)
    for shift in shifts:
        for week in (-1, 0):
            start, end = _spans(shift, monday + timedelta(weeks=week))
            if start <= now < end:
                return True
    return False


def next_start(shifts: Sequence[RosterShift], now: datetime) -> datetime | None:
    """The first shift start after now, within a week."""
    monday = _local_monday(now)
    starts = [
        start
        for shift in shifts
        for week in (0, 1)
        for start in (_spans(shift, monday + timedelta(weeks=week))[0],)
        if start > now
    ]
    return min(starts) if starts else None


def describe(shift: RosterShift) -> str:
    start = f"{shift.start_minute // 60:02d}:{shift.start_minute % 60:02d}"
    end = f"{shift.end_minute // 60:02d}:{shift.end_minute % 60:02d}"
    return f"{DAY_NAMES[shift.weekday]} {start}-{end}"
