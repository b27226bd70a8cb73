"""Where a waiting person stands and roughly how long it will take, from who is on duty and recent handle times."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.handoff.core import Repos
from storage.models import HandoffRequest

HISTORY = timedelta(days=14)
ROUND_TO_MIN = 5


@dataclass(frozen=True, slots=True)
class Standing:
    position: int
    on_duty: int  # counsellors on duty
    minutes: int | None  # None: nobody on duty, no honest estimate


def standing(repos: Repos, request: HandoffRequest, now: datetime, default_handle_minutes: int) -> Standing:
    """The request's place in the queue and an estimate of the wait (rounded up to 5 minutes)."""
    position = repos.uow.handoffs.position(request)
    on_duty = repos.counsellors.on_duty()
    if not on_duty:
        return Standing(position, 0, None)
    counts = repos.counsellors.open_counts()
    free = sum(max(0, c.capacity - counts.get(c.id, 0)) for c in on_duty)
    if position <= free:
        return Standing(position, len(on_duty), ROUND_TO_MIN)
    recent = repos.queue.recent_handle_seconds(now - HISTORY)
    handle_min = statistics.median(recent) / 60 if recent else float(default_handle_minutes)
    capacity = max(1, sum(c.capacity for c in on_duty))
    minutes = (position - free) * handle_min / capacity
    rounded = max(ROUND_TO_MIN, math.ceil(minutes / ROUND_TO_MIN) * ROUND_TO_MIN)
    return Standing(position, len(on_duty), rounded)
