"""Tracked requests (phản ánh, góp ý, khiếu nại): what a person reported, its status, owner and history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base, UtcDateTime


class RequestStatus(StrEnum):
    NEW = "new"  # mới
    IN_PROGRESS = "in_progress"  # đang xử lý
    RESOLVED = "resolved"  # đã xử lý


class TrackedRequest(Base):
    """One request a person sent; found by its reference code (e.g. PA-7K3Q9P)."""

    __tablename__ = "tracked_requests"
    __table_args__ = (
        Index("ix_tracked_requests_person", "person_id", "created_at"),
        Index("ix_tracked_requests_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.NEW)
    owner: Mapped[str | None] = mapped_column(String(64), default=None)
    description: Mapped[str] = mapped_column(EncryptedText())
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText(), default=None)  # E.164, only with consent
    contact_consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class RequestEvent(Base):
    """A step in a request's life: submitted, assigned, status changed (with the reply sent to the person)."""

    __tablename__ = "tracked_request_events"
    __table_args__ = (Index("ix_tracked_request_events_request", "request_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("tracked_requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16), default=None)
    owner: Mapped[str | None] = mapped_column(String(64), default=None)
    reply: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
