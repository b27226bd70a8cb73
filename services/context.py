"""What a feature gets when it installs itself: the router, the database, the clock, hooks for scheduled work."""

from __future__ import annotations

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
