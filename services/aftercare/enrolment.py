"""Enrolment use cases: offer, consent, time, pause, resume, stop; and keeping the one scheduled row right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from services.aftercare.context import AftercareContext
from services.aftercare.plan import at_local, clock_text
from services.aftercare.repository import AftercareRepository, is_enrolled
from services.aftercare.timetable import Slot
from storage.aftercare_models import AftercareCheckin, AftercareEnrolment, CheckinStatus, EnrolmentStatus


@dataclass(frozen=True, slots=True)
class Scheduled:
    """The outcome of a schedule change: when the next check-in is planned (None: the plan has no more).

    The time shown to the person: their chosen time (moved into the allowed hours), without the jitter.
    """

    next_due: datetime | None


# --- the scheduled row --------------------------------------------------------------------------
def place(
    ctx: AftercareContext, repo: AftercareRepository, enrolment: AftercareEnrolment, slot: Slot
) -> AftercareCheckin:
    """Put the enrolment's one scheduled row on `slot` (creating it when there is none)."""
    row = repo.scheduled(enrolment)
    if row is None:
        return add_scheduled(ctx, repo, enrolment, slot)
    due = ctx.timetable.due(enrolment, slot.seq, slot.planned_at)
    row.seq, row.planned_at, row.due_at, row.action_at = slot.seq, slot.planned_at, due, due
    return row


def add_scheduled(
    ctx: AftercareContext, repo: AftercareRepository, enrolment: AftercareEnrolment, slot: Slot
) -> AftercareCheckin:
    """A new scheduled row, when the caller knows the enrolment has none (the scheduler, after a send)."""
    due = ctx.timetable.due(enrolment, slot.seq, slot.planned_at)
    return repo.add_checkin(
        AftercareCheckin(
            enrolment_id=enrolment.id,
            person_id=enrolment.person_id,
            cycle=enrolment.cycle,
            seq=slot.seq,
            planned_at=slot.planned_at,
            due_at=due,
            action_at=due,
            status=CheckinStatus.SCHEDULED,
        )
    )


def unschedule(repo: AftercareRepository, enrolment: AftercareEnrolment) -> None:
    row = repo.scheduled(enrolment)
    if row is not None:
        row.status = CheckinStatus.CANCELLED
        row.action_at = None


def quiet_open_checkin(repo: AftercareRepository, enrolment: AftercareEnrolment) -> None:
    """No follow-up and no miss for the check-in in hand when the person pauses or stops."""
    last = repo.last_sent(enrolment)
    if last is not None and last.status == CheckinStatus.SENT:
        last.action_at = None


def complete(repo: AftercareRepository, enrolment: AftercareEnrolment, now: datetime) -> None:
    unschedule(repo, enrolment)
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = now
    enrolment.paused_until = None
    repo.add_event(enrolment, "completed", now)


def seq_after_last_sent(repo: AftercareRepository, enrolment: AftercareEnrolment) -> int:
    last = repo.last_sent(enrolment)
    return last.seq + 1 if last is not None and last.cycle == enrolment.cycle else 1


def next_seq(repo: AftercareRepository, enrolment: AftercareEnrolment) -> int:
    """The slot number the scheduled row holds (or the first one not yet sent in this cycle)."""
    row = repo.scheduled(enrolment)
    return row.seq if row is not None else seq_after_last_sent(repo, enrolment)


# --- use cases ----------------------------------------------------------------------------------
def offer(
    ctx: AftercareContext, repo: AftercareRepository, person_id: int, by: str, now: datetime
) -> tuple[AftercareEnrolment, bool]:
    """Record that the consent question goes to the person; (enrolment, False) when already enrolled."""
    enrolment = repo.enrolment(person_id)
    if is_enrolled(enrolment):
        assert enrolment is not None
        return enrolment, False
    if enrolment is None:
        enrolment = repo.add_enrolment(
            AftercareEnrolment(
                person_id=person_id,
                status=EnrolmentStatus.OFFERED,
                plan=ctx.config.default_plan,
                cycle=0,
                local_time=clock_text(ctx.config.default_time),
                enrolled_by=by,
                offered_at=now,
                milestone_days=0,
                missed_streak=0,
                tip_index=0,
                updated_at=now,
            )
        )
    else:
        enrolment.status = EnrolmentStatus.OFFERED
        enrolment.enrolled_by = by
        enrolment.offered_at = now
        enrolment.updated_at = now
    repo.add_event(enrolment, "offered", now, value=by.split(":", 1)[0])
    return enrolment, True


def accept(
    ctx: AftercareContext, repo: AftercareRepository, person_id: int, now: datetime
) -> tuple[AftercareEnrolment, Scheduled | None]:
    """The person said yes: start the plan from today (first check-in on the next plan day).

    Returns (enrolment, None) when the person was already enrolled.
    """
    enrolment = repo.enrolment(person_id)
    if is_enrolled(enrolment):
        assert enrolment is not None
        return enrolment, None
    if enrolment is None:
        enrolment, _fresh = offer(ctx, repo, person_id, "self", now)
    unschedule(repo, enrolment)
    enrolment.status = EnrolmentStatus.ACTIVE
    enrolment.plan = ctx.config.plan(enrolment.plan).name
    enrolment.cycle += 1
    enrolment.consent_at = enrolment.started_at = enrolment.clean_since = now
    enrolment.paused_until = enrolment.stopped_at = enrolment.completed_at = None
    enrolment.stop_reason = None
    enrolment.milestone_days = enrolment.missed_streak = 0
    enrolment.last_checkin_id = None
    enrolment.updated_at = now
    repo.add_event(enrolment, "enrolled", now, value=enrolment.enrolled_by.split(":", 1)[0])
    slot = ctx.timetable.first_after(enrolment, 1, now)
    if slot is None:  # a plan without slots cannot be joined; the config loader refuses it anyway
        complete(repo, enrolment, now)
        return enrolment, Scheduled(None)
    return enrolment, Scheduled(shown_time(ctx, place(ctx, repo, enrolment, slot)))


def decline(repo: AftercareRepository, person_id: int, now: datetime) -> AftercareEnrolment | None:
    enrolment = repo.enrolment(person_id)
    if enrolment is None or is_enrolled(enrolment):
        return enrolment
    enrolment.status = EnrolmentStatus.DECLINED
    enrolment.updated_at = now
    repo.add_event(enrolment, "declined", now)
    return enrolment


def change_time(
    ctx: AftercareContext, repo: AftercareRepository, enrolment: AftercareEnrolment, clock: time, now: datetime
) -> Scheduled:
    """Write at `clock` from now on; the next check-in moves to the new time (today if still ahead)."""
    enrolment.local_time = clock_text(clock)
    enrolment.updated_at = now
    repo.add_event(enrolment, "time_changed", now, value=enrolment.local_time)
    row = repo.scheduled(enrolment)
    if row is None:
        return Scheduled(None)
    if enrolment.status == EnrolmentStatus.PAUSED:
        slot: Slot | None = Slot(row.seq, ctx.timetable.planned(enrolment, row.seq))
    else:
        slot = ctx.timetable.moved(enrolment, row.seq, now)
    if slot is None:
        complete(repo, enrolment, now)
        return Scheduled(None)
    return Scheduled(shown_time(ctx, place(ctx, repo, enrolment, slot)))


def pause(
    ctx: AftercareContext, repo: AftercareRepository, enrolment: AftercareEnrolment, days: int, now: datetime
) -> Scheduled:
    """No check-ins for `days` days; they come back by themselves on the first plan day after that."""
    resume_day = ctx.config.local_date(now) + timedelta(days=days)
    until = at_local(resume_day, time(0, 0), ctx.config.zone)
    min_seq = next_seq(repo, enrolment)
    quiet_open_checkin(repo, enrolment)
    enrolment.status = EnrolmentStatus.PAUSED
    enrolment.paused_until = until
    enrolment.updated_at = now
    repo.add_event(enrolment, "paused", now, value=str(days))
    slot = ctx.timetable.first_after(enrolment, min_seq, until)
    if slot is None:
        complete(repo, enrolment, now)
        return Scheduled(None)
    return Scheduled(shown_time(ctx, place(ctx, repo, enrolment, slot)))


def resume(
    ctx: AftercareContext, repo: AftercareRepository, enrolment: AftercareEnrolment, now: datetime, *, how: str
) -> Scheduled:
    """Check-ins on again (by the person, or by the scheduler when the pause ended)."""
    min_seq = seq_after_last_sent(repo, enrolment)
    enrolment.status = EnrolmentStatus.ACTIVE
    enrolment.paused_until = None
    enrolment.updated_at = now
    repo.add_event(enrolment, "resumed", now, value=how)
    if how == "auto":
        return Scheduled(None)
    slot = ctx.timetable.first_after(enrolment, min_seq, now)
    if slot is None:
        complete(repo, enrolment, now)
        return Scheduled(None)
    return Scheduled(shown_time(ctx, place(ctx, repo, enrolment, slot)))


def stop(repo: AftercareRepository, enrolment: AftercareEnrolment, now: datetime) -> None:
    quiet_open_checkin(repo, enrolment)
    unschedule(repo, enrolment)
    enrolment.status = EnrolmentStatus.STOPPED
    enrolment.stopped_at = now
    enrolment.paused_until = None
    enrolment.updated_at = now
    repo.add_event(enrolment, "stopped", now)


def record_stop_reason(repo: AftercareRepository, enrolment: AftercareEnrolment, reason: str, now: datetime) -> None:
    """An optional reason: a button's code, or the person's own words (stored encrypted, never logged)."""
    enrolment.stop_reason = reason
    enrolment.updated_at = now
    repo.add_event(enrolment, "stop_reason", now, value=reason if reason.startswith("code:") else "text")


def shown_time(ctx: AftercareContext, row: AftercareCheckin) -> datetime:
    """The time of a scheduled check-in as the person is told it: planned, inside the allowed hours."""
    return ctx.config.hours.clamp(row.planned_at) if row.due_at >= row.planned_at else row.due_at


def next_due(ctx: AftercareContext, repo: AftercareRepository, enrolment: AftercareEnrolment) -> datetime | None:
    row = repo.scheduled(enrolment)
    return shown_time(ctx, row) if row is not None else None
