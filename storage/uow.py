"""Unit of work: one transaction per use case; rolls back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.repositories import (
    AuditRepository,
    CrisisRepository,
    HandoffRepository,
    InboxRepository,
    OutboxRepository,
    PeopleRepository,
    StateRepository,
    TurnRepository,
)


class UnitOfWork:
    """Opens a session and the repositories over it; `commit()` is explicit."""

    session: Session
    people: PeopleRepository
    states: StateRepository
    inbox: InboxRepository
    outbox: OutboxRepository
    handoffs: HandoffRepository
    crises: CrisisRepository
    turns: TurnRepository
    audit: AuditRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.people = PeopleRepository(self.session)
        self.states = StateRepository(self.session)
        self.inbox = InboxRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.handoffs = HandoffRepository(self.session)
        self.crises = CrisisRepository(self.session)
        self.turns = TurnRepository(self.session)
        self.audit = AuditRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
