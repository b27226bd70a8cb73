"""Alerts to a person's supporter when after-care escalates, and what happens when nobody acknowledges them.

Timeline of an alert (settings `HOTLINE_SUPPORTERS_…`): raised with the escalation (the counsellors' queue gets
the escalation at the same moment, as before); unacknowledged after `REMIND_AFTER_HOURS` (24) → one reminder to
the supporter (inside the after-care allowed hours, 08:00–21:00, else at 08:00); still unacknowledged after
`FORWARD_AFTER_HOURS` (48, counted from raising) → the person goes to the counsellors' queue with reason
`supporter_no_contact` (24/7) and the supporter is told. "Đã liên hệ" acknowledges every open alert of the person.
Crises never come here: the crisis path alerts the counsellors, and the supporter is not told (see README).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.aftercare.repository import AftercareRepository
from services.handoff.conversation import add_note
from services.handoff.core import Repos
from services.handoff.queue import Priority, enqueue_person
from services.messaging import queue_message, send_message
from services.supporters import texts
from services.supporters.core import SYSTEM, Supporters, audit, supporter_actor
from services.supporters.repository import SupporterRepository
from storage.handoff_models import NoteKind
from storage.supporter_models import AssignmentStatus, Supporter, SupporterAlert, SupporterAssignment
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_PER_TICK = 200
MAX_NOTE = 500


def on_escalated(sp: Supporters, uow: UnitOfWork, person_id: int, reason: str, now: datetime, **_: Any) -> None:
    """`aftercare.escalated`: tell the person's supporter (only with an active, agreed assignment)."""
    repo = SupporterRepository(uow.session)
    assignment = repo.open_for_person(person_id)
    if assignment is None or assignment.status != AssignmentStatus.ACTIVE:
        return
    supporter = repo.get(assignment.supporter_id)
    if supporter is None or not supporter.active:
        return
    enrolment = AftercareRepository(uow.session).enrolment(person_id)
    alert = SupporterAlert(
        person_id=person_id,
        supporter_id=supporter.id,
        assignment_id=assignment.id,
        enrolment_id=enrolment.id if enrolment else None,
        reason=reason[:32],
        raised_at=now,
    )
    repo.add(alert)
    send_message(
        uow,
        supporter.person_id,
        texts.alert_text(assignment, reason),
        texts.alert_buttons(alert.id, assignment.id),
        now,
    )
    audit(uow, now, SYSTEM, "supporter.alert", "person", person_id, f"{supporter_actor(supporter)} {reason}")
    log.info("supporter alerted", extra={"alert": alert.id, "supporter": supporter.id, "reason": reason})


def acknowledge(
    uow: UnitOfWork, supporter: Supporter, assignment: SupporterAssignment, now: datetime, note: str | None = None
) -> SupporterAlert | None:
    """ "Đã liên hệ": every open alert of the person is acknowledged; the note goes on the latest. None: none open."""
    repo = SupporterRepository(uow.session)
    open_alerts = repo.open_alerts(assignment.id)
    for alert in open_alerts:
        alert.acknowledged_at = now
    audit(
        uow,
        now,
        supporter_actor(supporter),
        "supporter.ack",
        "person",
        assignment.person_id,
        f"alerts:{len(open_alerts)}",
    )
    if not open_alerts:
        return None
    latest = open_alerts[-1]
    if note:
        latest.note = note.strip()[:MAX_NOTE]
    log.info("supporter acknowledged", extra={"alert": latest.id, "supporter": supporter.id})
    return latest


def forward_open(
    sp: Supporters, uow: UnitOfWork, assignment: SupporterAssignment, now: datetime, *, tell_supporter: bool
) -> bool:
    """The open alerts of an assignment go to the counsellors' queue (one request); True when there were any."""
    repo = SupporterRepository(uow.session)
    open_alerts = repo.open_alerts(assignment.id)
    if not open_alerts:
        return False
    request = enqueue_person(uow, sp.events, assignment.person_id, texts.FORWARD_REASON, Priority.ESCALATION, now)
    add_note(Repos(uow), request, None, NoteKind.SYSTEM, texts.forward_note(len(open_alerts)), now)
    for alert in open_alerts:
        alert.forwarded_at = now
    supporter = repo.get(assignment.supporter_id)
    if tell_supporter and supporter is not None:
        send_message(uow, supporter.person_id, texts.forwarded_text(assignment), (), now)
    log.info("supporter alerts forwarded", extra={"assignment": assignment.id, "alerts": len(open_alerts)})
    return True


class AlertTimer:
    """The tick: reminders, then forwards to the counsellors' queue; rows claimed with SKIP LOCKED."""

    def __init__(self, sp: Supporters, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._sp = sp
        self._uow_factory = uow_factory

    def __call__(self, now: datetime) -> None:
        settings = self._sp.settings
        with self._uow_factory() as uow, uow.session.no_autoflush:
            repo = SupporterRepository(uow.session)
            for alert in repo.due_alerts(now - settings.forward_after, MAX_PER_TICK):
                assignment = self._live(repo, alert, now)
                if assignment is not None:
                    uow.people.lock(assignment.person_id)  # as in the person's own turn: queue rows change
                    forward_open(self._sp, uow, assignment, now, tell_supporter=True)
            if self._sp.aftercare.config.hours.allows(now):
                due = repo.due_alerts(now - settings.remind_after, MAX_PER_TICK, unreminded=True)
                held = repo.preload(due)  # assignments, supporters, their people: three queries, kept
                for alert in due:
                    assignment = self._live(repo, alert, now)
                    if assignment is not None:
                        self._remind(uow, repo, alert, assignment, now)
                del held
            uow.commit()

    def _live(self, repo: SupporterRepository, alert: SupporterAlert, now: datetime) -> SupporterAssignment | None:
        assignment = repo.assignment(alert.assignment_id)
        if assignment is None or assignment.status != AssignmentStatus.ACTIVE or alert.forwarded_at is not None:
            if alert.forwarded_at is None:
                alert.closed_at = now
            return None
        return assignment

    def _remind(
        self,
        uow: UnitOfWork,
        repo: SupporterRepository,
        alert: SupporterAlert,
        assignment: SupporterAssignment,
        now: datetime,
    ) -> None:
        supporter = repo.get(alert.supporter_id)
        alert.reminded_at = now
        if supporter is None or not supporter.active:
            return
        left = alert.raised_at + self._sp.settings.forward_after - now
        hours = max(1, math.ceil(left.total_seconds() / 3600))
        queue_message(
            uow,
            supporter.person_id,
            texts.reminder_text(assignment, alert.reason, hours),
            texts.alert_buttons(alert.id, assignment.id),
            now,
        )
        log.info("supporter reminded", extra={"alert": alert.id, "supporter": supporter.id})
