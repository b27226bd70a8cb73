"""When each check-in of an enrolment is planned and due: plan slots at the person's time, jitter, allowed hours."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.aftercare.plan import AftercareConfig, Plan, at_local, parse_clock
from storage.aftercare_models import AftercareEnrolment


@dataclass(frozen=True, slots=True)
class Slot:
    seq: int
    planned_at: datetime


class Timetable:
    def __init__(self, config: AftercareConfig, jitter: timedelta) -> None:
        self.config = config
        self._jitter = jitter

    def plan(self, enrolment: AftercareEnrolment) -> Plan:
        return self.config.plan(enrolment.plan)

    def start_date(self, enrolment: AftercareEnrolment) -> date:
        assert enrolment.started_at is not None
        return self.config.local_date(enrolment.started_at)

    def dates(self, enrolment: AftercareEnrolment) -> tuple[date, ...]:
        return self.plan(enrolment).slot_dates(self.start_date(enrolment))

    def slot_count(self, enrolment: AftercareEnrolment) -> int:
        return len(self.dates(enrolment))

    def planned(self, enrolment: AftercareEnrolment, seq: int, day: date | None = None) -> datetime:
        """Slot `seq` (1-based) on its plan date, or on `day`, at the person's chosen time."""
        when = day or self.dates(enrolment)[seq - 1]
        return at_local(when, parse_clock(enrolment.local_time), self.config.zone)

    def due(self, enrolment: AftercareEnrolment, seq: int, planned: datetime) -> datetime:
        """The planned time moved into the allowed hours, plus a jitter that stays inside them.

        The jitter is a fixed function of the enrolment and slot, so a cohort that chose the same time is
        spread over a few minutes (with the per-tick cap, the outbox stays under the channel's rate) and a
        replay gives the same times.
        """
        hours = self.config.hours
        base = hours.clamp(planned)
        if not self._jitter:
            return base
        digest = hashlib.blake2b(f"{enrolment.id}:{enrolment.cycle}:{seq}".encode(), digest_size=8).digest()
        offset = timedelta(seconds=int.from_bytes(digest, "big") % int(self._jitter.total_seconds()))
        return min(base + offset, max(base, hours.end_of_day(base)))

    def first_after(self, enrolment: AftercareEnrolment, min_seq: int, after: datetime) -> Slot | None:
        """The first slot numbered `min_seq` or later whose planned time is after `after`."""
        dates = self.dates(enrolment)
        for seq in range(max(min_seq, 1), len(dates) + 1):
            planned = self.planned(enrolment, seq)
            if planned > after:
                return Slot(seq, planned)
        return None

    def moved(self, enrolment: AftercareEnrolment, seq: int, after: datetime) -> Slot | None:
        """Slot `seq` at the person's (new) time; when that has passed, the next day at that time, unless the
        next slot comes by then (then that slot). Used when the person changes their time."""
        dates = self.dates(enrolment)
        if seq > len(dates):
            return None
        planned = self.planned(enrolment, seq)
        if planned > after:
            return Slot(seq, planned)
        tomorrow = self.config.local_date(after) + timedelta(days=1)
        if seq < len(dates) and dates[seq] <= tomorrow:
            return self.first_after(enrolment, seq + 1, after)
        return Slot(seq, self.planned(enrolment, seq, tomorrow))
