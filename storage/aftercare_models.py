"""After-care: enrolments in a check-in plan, every check-in (the schedule and its record) and what happened."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedText
from storage.models import Base, UtcDateTime


class EnrolmentStatus(StrEnum):
    OFFERED = "offered"  # the consent question was sent; nothing is scheduled
    DECLINED = "declined"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    COMPLETED = "completed"  # the plan's last check-in was sent


class CheckinStatus(StrEnum):
    SCHEDULED = "scheduled"  # due at due_at; the scheduler claims it
    SENT = "sent"  # waiting for an answer (follow-up, then the answer window closes)
    ANSWERED = "answered"
    MISSED = "missed"  # no answer within the window
    SKIPPED = "skipped"  # never sent: too old after downtime, superseded by a newer slot, unreachable
    CANCELLED = "cancelled"  # the enrolment was paused or stopped before it was due


class AftercareEnrolment(Base):
    """One person's place in an after-care plan (one row per person; a new start increments `cycle`)."""

    __tablename__ = "aftercare_enrolments"
    __table_args__ = (
        UniqueConstraint("person_id", name="uq_aftercare_enrolments_person"),
        Index("ix_aftercare_enrolments_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    plan: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" in Asia/Ho_Chi_Minh, the person's choice
    enrolled_by: Mapped[str] = mapped_column(String(48))  # self, counsellor:<person id>, cli
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    stop_reason: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    clean_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)  # start or last relapse
    milestone_days: Mapped[int] = mapped_column(Integer, default=0)  # the last streak milestone acknowledged
    missed_streak: Mapped[int] = mapped_column(Integer, default=0)  # check-ins in a row without an answer
    last_checkin_id: Mapped[int | None] = mapped_column(Integer, default=None)  # the latest one sent
    tip_index: Mapped[int] = mapped_column(Integer, default=0)  # rotates the coping tips
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AftercareCheckin(Base):
    """A check-in slot of the plan: scheduled, then sent and answered, missed or skipped.

    `action_at` is when the scheduler must next look at the row (send it, follow up, close its answer
    window); NULL when nothing is left to do. The scheduler claims rows by it, oldest first.
    """

    __tablename__ = "aftercare_checkins"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "cycle", "seq", name="uq_aftercare_checkins_slot"),
        Index("ix_aftercare_checkins_action_at", "action_at"),
        Index("ix_aftercare_checkins_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("aftercare_enrolments.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    cycle: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)  # the slot's number in the plan (1 = the first check-in)
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime())  # the slot at the person's time, no jitter
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())  # when it should go (jitter, allowed hours)
    action_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    followup_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)  # when it was sent
    window_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    answer: Mapped[str | None] = mapped_column(String(16), default=None)  # ok, craving, relapse, talk, crisis
    craving_level: Mapped[int | None] = mapped_column(Integer, default=None)
    skip_reason: Mapped[str | None] = mapped_column(String(24), default=None)


class AftercareEvent(Base):
    """What happened, for the record and the reports: sends, answers, escalations, skips, settings (no text)."""

    __tablename__ = "aftercare_events"
    __table_args__ = (
        Index("ix_aftercare_events_kind_at", "kind", "at"),
        Index("ix_aftercare_events_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("aftercare_enrolments.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    checkin_id: Mapped[int | None] = mapped_column(Integer, default=None)
    kind: Mapped[str] = mapped_column(String(24))
    value: Mapped[str | None] = mapped_column(String(32), default=None)
    level: Mapped[int | None] = mapped_column(Integer, default=None)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
