"""Queries over the registration tables; flushes, never commits (the unit of work does)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import TurnEvent
from storage.registration_models import Registration, RegistrationDraft, RegistrationEvent


class RegistrationRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # --- drafts ---------------------------------------------------------------------------------
    def draft(self, person_id: int) -> RegistrationDraft | None:
        return self._s.get(RegistrationDraft, person_id)

    def save_draft(self, person_id: int, step: str, data: dict[str, Any], now: datetime) -> RegistrationDraft:
        draft = self.draft(person_id)
        encoded = json.dumps(data, ensure_ascii=False)
        if draft is None:
            draft = RegistrationDraft(person_id=person_id, step=step, data=encoded, created_at=now, updated_at=now)
            self._s.add(draft)
        else:
            draft.step = step
            draft.data = encoded
            draft.updated_at = now
        self._s.flush()
        return draft

    def delete_draft(self, person_id: int) -> None:
        self._s.execute(delete(RegistrationDraft).where(RegistrationDraft.person_id == person_id))

    def stale_drafts(self, before: datetime) -> list[RegistrationDraft]:
        stmt = select(RegistrationDraft).where(RegistrationDraft.updated_at < before).with_for_update(skip_locked=True)
        return list(self._s.scalars(stmt))

    # --- registrations ----------------------------------------------------------------------------
    def add(self, registration: Registration) -> Registration:
        self._s.add(registration)
        self._s.flush()
        return registration

    def code_exists(self, code: str) -> bool:
        return self._s.scalar(select(Registration.id).where(Registration.code == code)) is not None

    def by_code(self, code: str) -> Registration | None:
        return self._s.scalars(select(Registration).where(Registration.code == code)).one_or_none()

    def for_person(self, person_id: int) -> list[Registration]:
        stmt = select(Registration).where(Registration.person_id == person_id).order_by(Registration.id.desc())
        return list(self._s.scalars(stmt))

    def listing(self, status: str | None = None, province: str | None = None) -> list[Registration]:
        stmt = select(Registration)
        if status:
            stmt = stmt.where(Registration.status == status)
        if province:
            stmt = stmt.where(Registration.province == province)
        return list(self._s.scalars(stmt.order_by(Registration.created_at.desc(), Registration.id.desc())))

    def closed_before(self, statuses: frozenset[str], before: datetime) -> list[Registration]:
        stmt = select(Registration).where(
            Registration.status.in_(statuses),
            Registration.updated_at < before,
            Registration.erased_at.is_(None),
        )
        return list(self._s.scalars(stmt.with_for_update(skip_locked=True)))

    # --- status events ----------------------------------------------------------------------------
    def add_event(self, event: RegistrationEvent) -> None:
        self._s.add(event)
        self._s.flush()

    def events(self, registration_id: int) -> list[RegistrationEvent]:
        stmt = (
            select(RegistrationEvent)
            .where(RegistrationEvent.registration_id == registration_id)
            .order_by(RegistrationEvent.at, RegistrationEvent.id)
        )
        return list(self._s.scalars(stmt))

    def events_of_person(self, person_id: int) -> list[RegistrationEvent]:
        ids = select(Registration.id).where(Registration.person_id == person_id)
        return list(self._s.scalars(select(RegistrationEvent).where(RegistrationEvent.registration_id.in_(ids))))

    # --- what the person said earlier -------------------------------------------------------------
    def recent_entities(self, person_id: int, since: datetime) -> list[dict[str, list[str]]]:
        """Entities of the person's recent turns, oldest first (values only; never the text)."""
        stmt = (
            select(TurnEvent.entities)
            .where(TurnEvent.person_id == person_id, TurnEvent.at >= since)
            .order_by(TurnEvent.at, TurnEvent.id)
        )
        found: list[dict[str, list[str]]] = []
        for raw in self._s.scalars(stmt):
            try:
                value = json.loads(raw or "{}")
            except ValueError:
                continue
            if isinstance(value, dict):
                found.append({str(k): [str(x) for x in v] for k, v in value.items() if isinstance(v, list)})
        return found
