"""Wires the application in one place: settings → cipher, database, NLU, knowledge, dialogue, outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.clock import Clock, SystemClock
from services.dialogue.router import Router
from services.dialogue.service import DialogueService
from services.knowledge.base import KnowledgeBase, default_knowledge
from services.nlu.base import NluEngine
from services.nlu.embedded import load_embedded
from services.outbox import OutboxDispatcher
from services.settings import Settings
from storage.crypto import Cipher, install_cipher, load_or_create_dev_key, parse_keys
from storage.db import build_engine, build_session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


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

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def close(self) -> None:
        self.engine.dispose()


def build_cipher(settings: Settings) -> Cipher:
    if settings.encryption_key is not None:
        return Cipher(parse_keys(settings.encryption_key.get_secret_value()))
    return Cipher([load_or_create_dev_key(settings.data_dir)])


def build_nlu(settings: Settings) -> NluEngine:
    return load_embedded(settings.data_dir / "cache")


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    nlu: NluEngine | None = None,
    migrate: bool = True,
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

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(session_factory)

    uow_factory_typed: Callable[[], UnitOfWork] = uow_factory
    dialogue = DialogueService(uow_factory_typed, nlu, router, clock, max_message_chars=settings.max_message_chars)
    outbox = OutboxDispatcher(uow_factory_typed, clock)
    return App(settings, clock, engine, session_factory, nlu, knowledge, router, dialogue, outbox)
