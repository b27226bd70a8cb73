"""The scheduler tick: claim due check-in rows and do what each needs (send, follow up, close, skip, defer).

The database is the truth: each enrolment has at most one `scheduled` row, and a sent row keeps an
`action_at` until its answer window closes. A tick claims at most `max_per_tick` rows, oldest first, so a
cohort that chose the same time is sent over several ticks and the outbox stays inside the channel's rate.

Rules that must never be wrong:
- no message outside the allowed hours: a row found due outside them waits for the next start of the hours;
- after downtime one check-in is sent, not one per missed slot: older slots are recorded as skipped;
- a due check-in older than the configured age is skipped and recorded, and the next slot is scheduled;
- a check-in is sent once: rows are claimed under a lock (PostgreSQL: FOR UPDATE SKIP LOCKED) and change
  status in the same transaction as the outbox row they write; (enrolment, cycle, slot) is unique.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from services.aftercare import texts
from services.aftercare.answers import REASON_MISSED, escalate
from services.aftercare.content import pick
from services.aftercare.context import AftercareContext
from services.aftercare.enrolment import add_scheduled, complete, place, resume
from services.aftercare.repository import AftercareRepository
from services.messaging import queue_message
from storage.aftercare_models import AftercareCheckin, AftercareEnrolment, CheckinStatus, EnrolmentStatus
from storage.models import Person
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(hours=1)  # a check-in sent later than this after its planned time says sorry
HINT_EVERY = 7  # every 7th check-in reminds how to change or stop
RETRY_AFTER_ERROR = timedelta(minutes=15)
ESCALATE_AFTER_MISSED = 2


@dataclass(slots=True)
class TickReport:
    claimed: int = 0
    sent: int = 0
    followups: int = 0
    missed: int = 0
    skipped: int = 0
    deferred: int = 0
    escalated: int = 0
    failed: int = 0

    def add(self, other: TickReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


class CheckinRunner:
    def __init__(self, ctx: AftercareContext, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._ctx = ctx
        self._uow_factory = uow_factory

    def tick(self, now: datetime) -> TickReport:
        """One batch of due rows in one transaction; a row that fails is retried alone, then postponed."""
        report = TickReport()
        ids: list[int] = []
        try:
            with self._uow_factory() as uow:
                repo = AftercareRepository(uow.session)
                claimed, _previous = repo.claim_due(now, self._ctx.settings.max_per_tick)
                ids = [row.id for row, _, _ in claimed]
                for row, enrolment, person in claimed:
                    self._process(uow, row, enrolment, person, now, report)
                uow.commit()
        except Exception:
            log.exception("aftercare batch failed; retrying its rows one by one", extra={"rows": len(ids)})
            report = TickReport()
            for checkin_id in ids:
                report.add(self._one(checkin_id, now))
        report.claimed = len(ids)
        if report.claimed:
            log.info("aftercare tick", extra={k.name: getattr(report, k.name) for k in fields(report)})
        return report

    def _one(self, checkin_id: int, now: datetime) -> TickReport:
        report = TickReport()
        try:
            with self._uow_factory() as uow:
                repo = AftercareRepository(uow.session)
                row = repo.checkin(checkin_id)
                if row is None or row.action_at is None or row.action_at > now:
                    return report
                enrolment = uow.session.get_one(AftercareEnrolment, row.enrolment_id)
                person = uow.people.lock(row.person_id)
                self._process(uow, row, enrolment, person, now, report)
                uow.commit()
        except Exception:
            log.exception("aftercare row failed; postponed", extra={"checkin": checkin_id})
            with self._uow_factory() as uow:
                row = AftercareRepository(uow.session).checkin(checkin_id)
                if row is not None:
                    row.action_at = now + RETRY_AFTER_ERROR
                    uow.commit()
            report = TickReport(failed=1)
        return report

    # --- one row ----------------------------------------------------------------------------------
    def _process(
        self,
        uow: UnitOfWork,
        row: AftercareCheckin,
        enrolment: AftercareEnrolment,
        person: Person,
        now: datetime,
        report: TickReport,
    ) -> None:
        if row.status == CheckinStatus.SCHEDULED:
            self._due(uow, row, enrolment, person, now, report)
        elif row.status == CheckinStatus.SENT:
            self._waiting(uow, row, enrolment, now, report)
        else:
            row.action_at = None

    def _due(
        self,
        uow: UnitOfWork,
        row: AftercareCheckin,
        enrolment: AftercareEnrolment,
        person: Person,
        now: datetime,
        report: TickReport,
    ) -> None:
        ctx, repo = self._ctx, AftercareRepository(uow.session)
        welcome_back = False
        if (
            enrolment.status == EnrolmentStatus.PAUSED
            and enrolment.paused_until is not None
            and enrolment.paused_until <= now
        ):
            resume(ctx, repo, enrolment, now, how="auto")
            welcome_back = True
        if enrolment.status == EnrolmentStatus.PAUSED and row.cycle == enrolment.cycle:
            self._after_pause(repo, row, enrolment, now)  # never left without a row, so the pause ends
            return
        if enrolment.status != EnrolmentStatus.ACTIVE or row.cycle != enrolment.cycle:
            row.status, row.action_at = CheckinStatus.CANCELLED, None
            return
        if not ctx.config.hours.allows(now):
            row.due_at = row.action_at = ctx.config.hours.clamp(now)
            report.deferred += 1
            return
        if person.deleted_at is not None or person.unreachable:
            self._skip(row, "unreachable", report)
            self._schedule_after(repo, enrolment, row.seq + 1, now)
            return
        target, anchor = self._catch_up(repo, row, enrolment, now, report)
        if now - anchor > ctx.max_age:
            self._skip(target, "too_old", report)
            self._schedule_after(repo, enrolment, target.seq + 1, now)
            return
        self._close_previous(uow, repo, enrolment, now, report)
        self._send(uow, repo, target, enrolment, now, welcome_back=welcome_back)
        report.sent += 1
        if target.seq >= ctx.timetable.slot_count(enrolment):
            complete(repo, enrolment, now)
        else:
            self._schedule_after(repo, enrolment, target.seq + 1, now)

    def _after_pause(
        self, repo: AftercareRepository, row: AftercareCheckin, enrolment: AftercareEnrolment, now: datetime
    ) -> None:
        """A row due while its enrolment is still paused: move it to the first slot after the pause."""
        slot = self._ctx.timetable.first_after(enrolment, row.seq, max(now, enrolment.paused_until or now))
        if slot is None:
            complete(repo, enrolment, now)
        else:
            place(self._ctx, repo, enrolment, slot)

    def _catch_up(
        self,
        repo: AftercareRepository,
        row: AftercareCheckin,
        enrolment: AftercareEnrolment,
        now: datetime,
        report: TickReport,
    ) -> tuple[AftercareCheckin, datetime]:
        """After downtime: every slot already past but the latest is skipped; returns (latest, its due time)."""
        timetable = self._ctx.timetable
        count = timetable.slot_count(enrolment)
        target, anchor = row, row.due_at
        while target.seq < count:
            planned = timetable.planned(enrolment, target.seq + 1)
            if planned > now:
                break
            self._skip(target, "superseded", report)
            due = timetable.due(enrolment, target.seq + 1, planned)
            target = repo.add_checkin(
                AftercareCheckin(
                    enrolment_id=enrolment.id,
                    person_id=enrolment.person_id,
                    cycle=enrolment.cycle,
                    seq=target.seq + 1,
                    planned_at=planned,
                    due_at=due,
                    action_at=None,
                    status=CheckinStatus.SCHEDULED,
                )
            )
            anchor = due
        if target is not row:
            repo.flush()
        return target, anchor

    def _skip(self, row: AftercareCheckin, reason: str, report: TickReport) -> None:
        row.status, row.skip_reason, row.action_at = CheckinStatus.SKIPPED, reason, None
        report.skipped += 1

    def _schedule_after(
        self, repo: AftercareRepository, enrolment: AftercareEnrolment, seq: int, now: datetime
    ) -> None:
        slot = self._ctx.timetable.first_after(enrolment, seq, now)
        if slot is None:
            complete(repo, enrolment, now)
        else:
            add_scheduled(self._ctx, repo, enrolment, slot)

    def _send(
        self,
        uow: UnitOfWork,
        repo: AftercareRepository,
        row: AftercareCheckin,
        enrolment: AftercareEnrolment,
        now: datetime,
        *,
        welcome_back: bool,
    ) -> None:
        ctx = self._ctx
        first = enrolment.last_checkin_id is None
        last = row.seq >= ctx.timetable.slot_count(enrolment)
        day = (ctx.config.local_date(now) - ctx.timetable.start_date(enrolment)).days
        if welcome_back:
            text = ctx.content.welcome_back
        elif first:
            text = ctx.content.first
        elif last:
            text = ctx.content.last
        else:
            text = ctx.content.checkin_text(row.seq, enrolment.id, day)
        if now - row.planned_at > LATE_AFTER:
            text = texts.late_note() + "\n" + text
        if first or row.seq % HINT_EVERY == 0:
            text += "\n\n" + texts.settings_hint()
        queue_message(uow, enrolment.person_id, text, texts.checkin_buttons(row.id), now)
        plan = ctx.timetable.plan(enrolment)
        row.status, row.sent_at = CheckinStatus.SENT, now
        if enrolment.missed_streak == 0:
            followup = ctx.config.hours.clamp(now + plan.followup_after)
            row.window_ends_at = max(now + plan.answer_window, followup + (plan.answer_window - plan.followup_after))
            row.action_at = followup
        else:
            row.window_ends_at = row.action_at = now + plan.answer_window
        enrolment.last_checkin_id = row.id
        enrolment.updated_at = now

    def _close_previous(
        self,
        uow: UnitOfWork,
        repo: AftercareRepository,
        enrolment: AftercareEnrolment,
        now: datetime,
        report: TickReport,
    ) -> None:
        """A newer check-in is going out: the one before it, still unanswered, is missed now."""
        previous = repo.last_sent(enrolment)
        if previous is not None and previous.status == CheckinStatus.SENT and previous.answer is None:
            self._miss(uow, previous, enrolment, now, report)

    def _waiting(
        self, uow: UnitOfWork, row: AftercareCheckin, enrolment: AftercareEnrolment, now: datetime, report: TickReport
    ) -> None:
        """A sent check-in without an answer: the one gentle follow-up, then the end of its answer window."""
        ctx = self._ctx
        if enrolment.status not in (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED) or row.answer is not None:
            row.action_at = None
            return
        window_end = row.window_ends_at or now
        if row.followup_at is None and enrolment.missed_streak == 0 and now < window_end:
            plan = ctx.timetable.plan(enrolment)
            if not ctx.config.hours.allows(now):
                row.action_at = ctx.config.hours.clamp(now)
                row.window_ends_at = max(window_end, row.action_at + (plan.answer_window - plan.followup_after))
                report.deferred += 1
                return
            text = pick(ctx.content.followup, row.seq + enrolment.id)
            queue_message(uow, enrolment.person_id, text, texts.checkin_buttons(row.id), now)
            row.followup_at = now
            row.action_at = max(window_end, now)
            AftercareRepository(uow.session).add_event(enrolment, "followup", now, checkin_id=row.id)
            report.followups += 1
            return
        if now < window_end:
            row.action_at = window_end
            return
        self._miss(uow, row, enrolment, now, report)

    def _miss(
        self, uow: UnitOfWork, row: AftercareCheckin, enrolment: AftercareEnrolment, now: datetime, report: TickReport
    ) -> None:
        row.status, row.action_at = CheckinStatus.MISSED, None
        enrolment.missed_streak += 1
        enrolment.updated_at = now
        report.missed += 1
        if enrolment.missed_streak == ESCALATE_AFTER_MISSED:
            escalate(self._ctx, uow, enrolment, REASON_MISSED, now, row.id)
            report.escalated += 1
            if self._ctx.config.hours.allows(now):
                queue_message(uow, enrolment.person_id, texts.missed_escalation_text(), (), now)
