"""Check-in plans from the data file: slot dates, the person's time, allowed hours (all local, stored in UTC)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

PLANS_FILE = "plans.yml"


class PlanError(ValueError):
    """The plans file is wrong (operators edit it)."""


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the last day of the month when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_clock(text: str) -> time:
    """Read "HH:MM" as a time of day."""
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
        return time(hours, minutes)
    except ValueError as exc:
        raise PlanError(f"not a time of day: {text!r} (use HH:MM)") from exc


def clock_text(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


@dataclass(frozen=True, slots=True)
class Phase:
    every_days: int
    until_days: int = 0
    until_months: int = 0

    def end(self, start: date) -> date:
        return add_months(start, self.until_months) + timedelta(days=self.until_days)


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    phases: tuple[Phase, ...]
    followup_after: timedelta
    answer_window: timedelta

    def slot_dates(self, start: date) -> tuple[date, ...]:
        """Local dates of every check-in for an enrolment that started on `start` (slot 1 is the first)."""
        return _slot_dates(self.phases, start)

    @property
    def min_interval(self) -> timedelta:
        return timedelta(days=min(p.every_days for p in self.phases))


@lru_cache(maxsize=4096)
def _slot_dates(phases: tuple[Phase, ...], start: date) -> tuple[date, ...]:
    ends = [phase.end(start) for phase in phases]
    final = ends[-1]
    slots: list[date] = []
    day = start
    while True:
        phase = next((p for p, end in zip(phases, ends, strict=True) if day < end), None)
        if phase is None:
            break
        day += timedelta(days=phase.every_days)
        if day > final:
            break
        slots.append(day)
    return tuple(slots)


@dataclass(frozen=True, slots=True)
class AllowedHours:
    """The local hours in which a person may receive a message (both ends included)."""

    start: time
    end: time
    zone: ZoneInfo

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def allows(self, moment: datetime) -> bool:
        clock = self.local(moment).time()
        return self.start <= clock <= self.end

    def allows_clock(self, clock: time) -> bool:
        return self.start <= clock <= self.end

    def clamp(self, moment: datetime) -> datetime:
        """The moment itself when allowed, else the next start of the allowed hours (UTC)."""
        if self.allows(moment):
            return moment
        local = self.local(moment)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return at_local(day, self.start, self.zone)

    def end_of_day(self, moment: datetime) -> datetime:
        """The end of the allowed hours on the moment's local day (UTC)."""
        return at_local(self.local(moment).date(), self.end, self.zone)


def at_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A local date and time of day as an aware UTC datetime."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class AftercareConfig:
    zone: ZoneInfo
    hours: AllowedHours
    default_time: time
    time_choices: tuple[time, ...]
    milestones_days: tuple[int, ...]
    pause_choices_days: tuple[int, ...]
    max_pause_days: int
    plans: dict[str, Plan]
    default_plan: str

    def plan(self, name: str) -> Plan:
        return self.plans.get(name) or self.plans[self.default_plan]

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


def _phase(raw: dict[str, Any]) -> Phase:
    until = raw.get("until") or {}
    phase = Phase(int(raw["every_days"]), int(until.get("days", 0)), int(until.get("months", 0)))
    if phase.every_days < 1 or (phase.until_days <= 0 and phase.until_months <= 0):
        raise PlanError(f"a phase needs every_days >= 1 and an until: {raw!r}")
    return phase


def _plan(name: str, raw: dict[str, Any]) -> Plan:
    phases = tuple(_phase(p) for p in raw.get("phases") or [])
    if not phases:
        raise PlanError(f"plan {name!r} has no phases")
    reference = date(2026, 1, 31)
    ends = [p.end(reference) for p in phases]
    if ends != sorted(ends) or len(set(ends)) != len(ends):
        raise PlanError(f"plan {name!r}: each phase must end after the one before")
    plan = Plan(
        name=name,
        phases=phases,
        followup_after=timedelta(hours=float(raw.get("followup_after_hours", 6))),
        answer_window=timedelta(hours=float(raw.get("answer_window_hours", 12))),
    )
    if not timedelta(0) < plan.followup_after < plan.answer_window <= plan.min_interval:
        raise PlanError(f"plan {name!r}: need 0 < followup_after < answer_window <= the shortest interval")
    return plan


def load_config(path: Path | None = None) -> AftercareConfig:
    """Read and check the plans file (the packaged one unless another path is given)."""
    source = path or Path(str(resources.files("services.aftercare").joinpath(PLANS_FILE)))
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    zone = ZoneInfo(str(doc.get("timezone", "Asia/Ho_Chi_Minh")))
    window = doc.get("allowed_hours") or {}
    hours = AllowedHours(parse_clock(window.get("start", "08:00")), parse_clock(window.get("end", "21:00")), zone)
    if hours.start >= hours.end:
        raise PlanError("allowed_hours: start must be before end")
    plans = {str(name): _plan(str(name), raw) for name, raw in (doc.get("plans") or {}).items()}
    default_plan = str(doc.get("default_plan", "default"))
    if default_plan not in plans:
        raise PlanError(f"default_plan {default_plan!r} is not among the plans")
    config = AftercareConfig(
        zone=zone,
        hours=hours,
        default_time=parse_clock(doc.get("default_time", "09:00")),
        time_choices=tuple(parse_clock(t) for t in doc.get("time_choices") or []),
        milestones_days=tuple(sorted(int(d) for d in doc.get("milestones_days") or [])),
        pause_choices_days=tuple(int(d) for d in doc.get("pause_choices_days") or [3, 7, 14]),
        max_pause_days=int(doc.get("max_pause_days", 90)),
        plans=plans,
        default_plan=default_plan,
    )
    for clock in (config.default_time, *config.time_choices):
        if not hours.allows_clock(clock):
            raise PlanError(f"{clock_text(clock)} is outside the allowed hours")
    return config
