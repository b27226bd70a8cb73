"""SQLAlchemy 2 models. Sensitive columns use EncryptedText; lookups by them go through blind indexes."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.crypto import EncryptedText

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; SQLite's naive values come back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class InboxStatus(StrEnum):
    PENDING = "pending"
    HANDLED = "handled"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class HandoffStatus(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Person(Base):
    """Someone who writes to the hotline through one channel."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("channel", "external_id_hash", name="uq_people_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id_hash: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(EncryptedText())
    language: Mapped[str] = mapped_column(String(8), default="vi")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_version: Mapped[str | None] = mapped_column(String(32), default=None)
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    consent_declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())  # to the minute (it moves in steps)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)


class DialogueState(Base):
    """Where a person is in the dialogue: the active flow, its step and its (encrypted) data."""

    __tablename__ = "dialogue_states"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(32), default=None)
    step: Mapped[str | None] = mapped_column(String(32), default=None)
    data: Mapped[str] = mapped_column(EncryptedText(), default="{}")
    misses: Mapped[int] = mapped_column(Integer, default=0)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InboxMessage(Base):
    """Every inbound message, stored before it is handled; (channel, message_id) is unique."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "message_id", name="uq_inbox_channel_message"),
        Index("ix_inbox_status_person", "status", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(EncryptedText(), default="")
    payload: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # When its text and payload were erased (/delete, or the retention period): the row stays, as a count.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class OutboxMessage(Base):
    """A reply waiting for (or done with) delivery through its channel."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        # Only rows carrying someone else's words have it: /delete finds them without a scan.
        Index(
            "ix_outbox_about_person",
            "about_person_id",
            postgresql_where=sql_text("about_person_id IS NOT NULL"),
            sqlite_where=sql_text("about_person_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(EncryptedText())
    buttons: Mapped[str] = mapped_column(EncryptedText(), default="[]")
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    # Channels that split a long text into parts record how many went out, so a retry never repeats one.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A copy of a message the channel received (its channel message id, e.g. a photo relayed to a counsellor):
    # the channel copies that message instead of sending `text`.
    copy_of: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # Whose words or media the row carries when it goes to someone else (a person's message relayed to their
    # counsellor): /delete by that person removes the row too.
    about_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None, nullable=True
    )


class HandoffRequest(Base):
    """A person waiting for (or talking to) a counsellor; crisis requests come first.

    The columns after `updated_at` belong to the handoff feature (revision 0004): who took the person,
    the conversation's timestamps and outcome, the callback request, and the timers of the timeouts.
    """

    __tablename__ = "handoff_requests"
    __table_args__ = (
        Index("ix_handoff_status_priority", "status", "priority", "created_at"),
        Index("ix_handoff_status_counsellor", "status", "counsellor_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=HandoffStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())  # start of the current wait (queue order)
    counsellor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    ended_by: Mapped[str | None] = mapped_column(String(16), default=None)
    csat: Mapped[int | None] = mapped_column(Integer, default=None)
    csat_comment: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    callback_phone: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    callback_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    renotified_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    person_waiting_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    counsellor_waiting_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    unreachable_offered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    crisis_pending_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    crisis_pending_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    told_position: Mapped[int | None] = mapped_column(Integer, default=None)
    told_position_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class CrisisEvent(Base):
    """A crisis recognised in a message: kind, time, detector and the state it interrupted (no text)."""

    __tablename__ = "crisis_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    detector: Mapped[str] = mapped_column(String(16))
    interrupted: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class TurnEvent(Base):
    """The understood intent of each turn, for reports and the counsellor's context card (no text)."""

    __tablename__ = "turn_events"
    __table_args__ = (Index("ix_turn_events_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    intent: Mapped[str] = mapped_column(String(48))
    confidence: Mapped[int] = mapped_column(Integer)  # per mille
    entities: Mapped[str] = mapped_column(EncryptedText(), default="{}")
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditLog(Base):
    """Who did what to which record, and why; every access by staff lands here."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(200), default=None)
