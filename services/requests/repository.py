"""Queries over tracked requests and their history; flushes, never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.requests_models import RequestEvent, TrackedRequest


class RequestRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, request: TrackedRequest) -> TrackedRequest:
        self._s.add(request)
        self._s.flush()
        return request

    def add_event(self, event: RequestEvent) -> None:
        self._s.add(event)
        self._s.flush()

    def code_taken(self, code: str) -> bool:
        return self._s.scalar(select(TrackedRequest.id).where(TrackedRequest.code == code)) is not None

    def by_code(self, code: str, *, lock: bool = False) -> TrackedRequest | None:
        stmt = select(TrackedRequest).where(TrackedRequest.code == code)
        if lock:
            stmt = stmt.with_for_update()
        return self._s.scalars(stmt).one_or_none()

    def for_person(self, person_id: int, limit: int = 5) -> list[TrackedRequest]:
        """The person's requests, newest first."""
        stmt = (
            select(TrackedRequest)
            .where(TrackedRequest.person_id == person_id)
            .order_by(TrackedRequest.created_at.desc(), TrackedRequest.id.desc())
            .limit(limit)
        )
        return list(self._s.scalars(stmt))

    def listing(self, status: str | None = None) -> list[TrackedRequest]:
        """Requests for staff, oldest open first."""
        stmt = select(TrackedRequest)
        if status is not None:
            stmt = stmt.where(TrackedRequest.status == status)
        return list(self._s.scalars(stmt.order_by(TrackedRequest.created_at, TrackedRequest.id)))

    def events(self, request_id: int) -> list[RequestEvent]:
        stmt = (
            select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.at, RequestEvent.id)
        )
        return list(self._s.scalars(stmt))

    def latest_reply(self, request_id: int) -> RequestEvent | None:
        stmt = (
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id, RequestEvent.reply.is_not(None))
            .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
            .limit(1)
        )
        return self._s.scalars(stmt).one_or_none()
