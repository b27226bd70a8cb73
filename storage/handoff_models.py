"""Counsellor accounts, invitations, the weekly roster, and the records of every handoff (events, notes)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base, UtcDateTime


class CounsellorRole(StrEnum):
    COUNSELLOR = "counsellor"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Counsellor(Base):
    """A staff account: found by its channel id's blind index; `name` is the first name or pseudonym people see."""

    __tablename__ = "counsellors"
    __table_args__ = (UniqueConstraint("channel", "external_id_hash", name="uq_counsellors_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id_hash: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(EncryptedText())
    name: Mapped[str] = mapped_column(EncryptedText(), default="")
    role: Mapped[str] = mapped_column(String(16), default=CounsellorRole.COUNSELLOR)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    duty_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    roster_on: Mapped[bool] = mapped_column(Boolean, default=False)  # the roster's last verdict (edge-triggered)
    current_request_id: Mapped[int | None] = mapped_column(Integer, default=None)  # where plain text goes
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    @property
    def is_supervisor(self) -> bool:
        return self.role in (CounsellorRole.SUPERVISOR, CounsellorRole.ADMIN)


class CounsellorInvite(Base):
    """A one-time code, stored only as a keyed hash, redeemed with `/start CODE` before it expires."""

    __tablename__ = "counsellor_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    role: Mapped[str] = mapped_column(String(16), default=CounsellorRole.COUNSELLOR)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("counsellors.id", ondelete="SET NULL"), default=None)


class RosterShift(Base):
    """A weekly shift in Asia/Ho_Chi_Minh: weekday 0 = Monday; minutes from midnight; end ≤ start runs overnight."""

    __tablename__ = "roster_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellors.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class HandoffEventKind(StrEnum):
    QUEUED = "queued"
    RAISED = "raised"  # priority raised while waiting (e.g. a crisis)
    OFFERED = "offered"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    REQUEUED = "requeued"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    CALLBACK = "callback"
    CRISIS = "crisis"
    CSAT = "csat"
    ENROL = "enrol"


class HandoffEvent(Base):
    """What happened to a request, when, and by which counsellor (no text, no personal data)."""

    __tablename__ = "handoff_events"
    __table_args__ = (
        Index("ix_handoff_events_request_at", "request_id", "at"),
        Index("ix_handoff_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("handoff_requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    counsellor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    detail: Mapped[str | None] = mapped_column(String(64), default=None)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class NoteKind(StrEnum):
    NOTE = "note"  # /note
    HANDOVER = "handover"  # /transfer's note
    SYSTEM = "system"  # written by the bot (e.g. requeued after silence)


class HandoffNote(Base):
    """A private note about the person of a handoff; only counsellors see it, on later context cards."""

    __tablename__ = "handoff_notes"
    __table_args__ = (Index("ix_handoff_notes_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("handoff_requests.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    counsellor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(EncryptedText())
    at: Mapped[datetime] = mapped_column(UtcDateTime())
