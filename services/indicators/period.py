"""The period of a report (local dates in Asia/Ho_Chi_Minh, the end day included) and quarters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.i18n import LOCAL_TZ

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end): start None means from the first record; `end` is never later than the report's `now`."""

    start: datetime | None
    end: datetime
    first_day: date | None  # the local dates as asked, for the report's heading
    last_day: date

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and (self.start is None or moment >= self.start) and moment < self.end

    @property
    def label(self) -> str:
        first = self.first_day.isoformat() if self.first_day else "beginning"
        return f"{first}..{self.last_day.isoformat()}"


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)


def make_period(since: date | None, until: date | None, now: datetime) -> Period:
    """From local dates (both included); without `until`, up to `now`. A period ending later stops at `now`."""
    last_day = until if until is not None else now.astimezone(LOCAL_TZ).date()
    if since is not None and since > last_day:
        raise ValueError("the period starts after it ends")
    end = min(local_midnight(last_day + timedelta(days=1)), now)
    start = local_midnight(since) if since is not None else None
    if start is not None and start > end:
        raise ValueError("the period starts in the future")
    return Period(start, end, since, last_day)


def parse_quarter(text: str) -> tuple[date, date]:
    """ "2026Q3" (or "2026-Q3", "2026 q3") → (1 July 2026, 30 September 2026)."""
    match = _QUARTER.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a quarter like 2026Q3")
    year, quarter = int(match.group(1)), int(match.group(2))
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def quarter_name(first: date) -> str:
    return f"{first.year}Q{(first.month - 1) // 3 + 1}"
