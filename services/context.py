"""What a feature gets when it installs itself: the router, the database, the clock, hooks for scheduled work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.clock import Clock
from services.dialogue.router import Router
from services.events import Events
from services.knowledge.base import KnowledgeBase
from services.nlu.base import NluEngine
from services.settings import Settings
from storage.uow import UnitOfWork

Tick = Callable[[datetime], None]
log = logging.getLogger(__name__)


def run_tick(tick: Tick, now: datetime) -> None:
    """One feature's due work: a failure is logged and the next wake-up tries again, and it never keeps the
    other features' ticks from running."""
    try:
        tick(now)
    except Exception:
        log.exception(
            "due work failed; the next wake-up retries it",
            extra={"tick": getattr(tick, "__qualname__", type(tick).__name__)},
        )


@dataclass
class FeatureContext:
    settings: Settings
    clock: Clock
    uow_factory: Callable[[], UnitOfWork]
    router: Router
    events: Events
    knowledge: KnowledgeBase
    nlu: NluEngine
    ticks: list[Tick] = field(default_factory=list)  # due work, run by the scheduler and the simulator's waits
    extensions: dict[str, Any] = field(default_factory=dict)  # e.g. "scenario.counsellors" for the simulator


Feature = Callable[[FeatureContext], None]
