"""Voluntary treatment registrations: the submitted request, its status history and the half-filled form.

Personal values (names, date of birth, phone, ward, citizen id, notes, the draft) are EncryptedText.
Province, substances, form, status and dates stay plain: after /delete they are the anonymous counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base, UtcDateTime


class Registration(Base):
    """A submitted request for voluntary treatment, followed up by staff."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_person", "person_id"),
        Index("ix_registrations_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    for_whom: Mapped[str] = mapped_column(String(16))  # self or a relation value (child, spouse, ...)
    minor: Mapped[bool] = mapped_column(Boolean, default=False)
    full_name: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    birth: Mapped[str | None] = mapped_column(EncryptedText(), default=None)  # JSON: {"date"|"year"|"age": ...}
    representative_name: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    representative_relation: Mapped[str | None] = mapped_column(String(16), default=None)
    phone: Mapped[str | None] = mapped_column(EncryptedText(), default=None)  # E.164
    province: Mapped[str] = mapped_column(String(64))
    ward: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    substances: Mapped[str] = mapped_column(String(200), default="")  # comma-separated contract values
    treatment_form: Mapped[str] = mapped_column(String(24))
    contact_time: Mapped[str] = mapped_column(String(16))
    citizen_id: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    note: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class RegistrationEvent(Base):
    """One status change (or creation) of a registration: who, when, and an optional staff note."""

    __tablename__ = "registration_events"
    __table_args__ = (Index("ix_registration_events_registration", "registration_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class RegistrationDraft(Base):
    """A half-filled form, kept for a few days so the person can come back to it."""

    __tablename__ = "registration_drafts"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(EncryptedText(), default="{}")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
