"""Wires the application in one place: settings → cipher, database, NLU, knowledge, dialogue, features."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.aftercare.feature import install as install_aftercare
from services.clock import Clock, SystemClock
from services.context import Feature, FeatureContext, Tick, run_tick
from services.dialogue.router import Router
from services.dialogue.service import DialogueService
from services.directory import feature as directory_feature
from services.events import Events
from services.handoff import feature as handoff
from services.knowledge.base import KnowledgeBase, default_knowledge
from services.nlu.base import NluEngine
from services.nlu.embedded import EmbeddedNlu, load_embedded
from services.nlu.rasa import RasaNlu
from services.outbox import OutboxDispatcher
from services.privacy import retention
from services.registration import feature as registration
from services.requests import feature as requests_feature
from services.settings import Settings
from services.supporters import feature as supporters
from storage.crypto import Cipher, install_cipher, load_or_create_dev_key, parse_keys
from storage.db import build_engine, build_session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Each capability installs itself here (commands, flows, intents, buttons, ticks); one line per feature.
FEATURES: list[Feature] = [
    handoff.install,
    requests_feature.install,
    directory_feature.install,
    registration.install,
    install_aftercare,
    supporters.install,
    retention.install,
]


@dataclass
class App:
    settings: Settings
    clock: Clock
    engine: Engine
    session_factory: sessionmaker[Session]
    nlu: NluEngine
    knowledge: KnowledgeBase
    router: Router
    dialogue: DialogueService
    outbox: OutboxDispatcher
    events: Events
    ticks: list[Tick] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def run_due(self) -> None:
        """Handle messages left pending, then every feature's due work (reminders, timeouts), each on its own."""
        self.dialogue.process_pending()
        now = self.clock.now()
        for tick in self.ticks:
            run_tick(tick, now)

    def close(self) -> None:
        if isinstance(self.nlu, RasaNlu):
            self.nlu.close()  # its HTTP connections to the Rasa server
        self.engine.dispose()


def build_cipher(settings: Settings) -> Cipher:
    if settings.encryption_key is not None:
        return Cipher(parse_keys(settings.encryption_key.get_secret_value()))
    return Cipher([load_or_create_dev_key(settings.data_dir)])


def build_nlu(settings: Settings) -> NluEngine:
    embedded = load_embedded(settings.data_dir / "cache")
    if settings.nlu_backend == "rasa":
        return RasaNlu(settings.rasa_url, embedded, timeout_ms=settings.rasa_timeout_ms)
    return embedded


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    nlu: NluEngine | None = None,
    migrate: bool = True,
    features: list[Feature] | None = None,
) -> App:
    """Build every part of the application; nothing of this happens at import time."""
    clock = clock or SystemClock()
    install_cipher(build_cipher(settings))
    engine = build_engine(settings.resolved_database_url(), sqlite_busy_timeout_s=settings.sqlite_busy_timeout_s)
    if migrate:
        upgrade(engine)
    session_factory = build_session_factory(engine)
    nlu = nlu or build_nlu(settings)
    knowledge = default_knowledge()
    router = Router(knowledge, settings.nlu_confidence_threshold)
    events = Events()

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(session_factory)

    uow_factory_typed: Callable[[], UnitOfWork] = uow_factory
    context = FeatureContext(settings, clock, uow_factory_typed, router, events, knowledge, nlu)
    for feature in FEATURES if features is None else features:
        feature(context)
    dialogue = DialogueService(
        uow_factory_typed,
        nlu,
        router,
        clock,
        max_message_chars=settings.max_message_chars,
        events=events,
        parse_under_lock=isinstance(nlu, EmbeddedNlu),  # local and quick: no need to read before the locks
    )
    outbox = OutboxDispatcher(uow_factory_typed, clock)
    return App(
        settings,
        clock,
        engine,
        session_factory,
        nlu,
        knowledge,
        router,
        dialogue,
        outbox,
        events,
        context.ticks,
        context.extensions,
    )
