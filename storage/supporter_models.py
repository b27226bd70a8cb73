"""After-care supporters (người được phân công giúp đỡ): accounts, invitations, assignments and their alerts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base, UtcDateTime


class Supporter(Base):
    """A community supporter (Women's Union, Veterans', youth volunteers…), found by their channel id's blind index.

    `name` is what the person is shown; `org` and `commune` say where they come from (not personal, plain).
    """

    __tablename__ = "supporters"
    __table_args__ = (UniqueConstraint("channel", "external_id_hash", name="uq_supporters_channel_external"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id_hash: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(EncryptedText())
    name: Mapped[str] = mapped_column(EncryptedText())
    org: Mapped[str] = mapped_column(String(160))
    commune: Mapped[str] = mapped_column(String(120), default="")
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)  # None: the setting (2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class SupporterInvite(Base):
    """A one-time code (stored only as a keyed hash) that creates the supporter account on `/start CODE`."""

    __tablename__ = "supporter_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText())
    org: Mapped[str] = mapped_column(String(160))
    commune: Mapped[str] = mapped_column(String(120), default="")
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id", ondelete="SET NULL"), default=None)


class AssignmentStatus(StrEnum):
    PENDING = "pending"  # the person was asked; nothing is shared
    ACTIVE = "active"  # the person agreed by button
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the person stopped sharing
    ENDED = "ended"  # replaced, supporter deactivated, or the person's data deleted


OPEN_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.ACTIVE)


class SupporterAssignment(Base):
    """A person in after-care and the supporter who helps them; `label` is how the supporter knows them."""

    __tablename__ = "supporter_assignments"
    __table_args__ = (
        Index("ix_supporter_assignments_person", "person_id", "status"),
        Index("ix_supporter_assignments_supporter", "supporter_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporters.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    assigned_by: Mapped[str] = mapped_column(String(64))  # counsellor:<person id>, cli:<user>, scenario
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    last_summary_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class SupporterAlert(Base):
    """An after-care escalation told to the person's supporter; acknowledged with "Đã liên hệ" (and a note).

    Unacknowledged: reminded after `remind_after_hours`, forwarded to the counsellors' queue after
    `forward_after_hours`; `closed_at` when the assignment ended first. `raised_at`/`acknowledged_at` give the
    time to first contact.
    """

    __tablename__ = "supporter_alerts"
    __table_args__ = (
        Index("ix_supporter_alerts_open", "acknowledged_at", "forwarded_at", "raised_at"),
        Index("ix_supporter_alerts_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporters.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("supporter_assignments.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int | None] = mapped_column(Integer, default=None)  # aftercare_enrolments.id
    reason: Mapped[str] = mapped_column(String(32))  # aftercare_relapse, aftercare_craving, …
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    note: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    forwarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
