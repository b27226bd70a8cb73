"""Due work of the handoff (a tick): the roster, and every timeout of the queue and of open conversations.

The database says what is due. Each request is handled in its own transaction, taking the person's row and the
request's row with SKIP LOCKED: a turn in progress or another worker simply leaves it for the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from services.crisis.detector import CrisisKind
from services.dialogue.menus import HOTLINE_NUMBER
from services.handoff.callback import callback_button
from services.handoff.conversation import requeue
from services.handoff.core import Handoff, Messenger, OutboxMessenger, Repos
from services.handoff.duty import CLOSE, go_off_duty, go_on_duty
from services.handoff.estimate import standing
from services.handoff.notify import notify_supervisors, renotify
from services.handoff.person import cancel_button
from services.handoff.roster import in_shift
from services.handoff.texts import duration_text, outcome_label
from services.i18n import _
from services.types import Button
from storage.handoff_models import Counsellor, HandoffEventKind, NoteKind, RosterShift
from storage.models import HandoffRequest, HandoffStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
Action = Callable[[Repos, Messenger, HandoffRequest, datetime], bool]


@dataclass
class Overdue:
    """Requests that became overdue in this tick, for one message per counsellor at the end."""

    renotify: list[int] = field(default_factory=list)
    supervisors: list[int] = field(default_factory=list)


class Timeouts:
    def __init__(self, h: Handoff, uow_factory: Callable[[], UnitOfWork]) -> None:
        self._h = h
        self._uow_factory = uow_factory

    def __call__(self, now: datetime) -> None:
        self.roster(now)
        with self._uow_factory() as uow:
            repos = Repos(uow)
            on_duty = repos.counsellors.on_duty()
            queue = repos.queue.waiting()  # in queue order: a request's place is its index + 1
            waiting = [r.id for place, r in enumerate(queue, 1) if self._waiting_due(r, place, on_duty, now)]
            active = [r.id for r in repos.queue.active() if self._active_due(r, now)]
        overdue = Overdue()
        for request_id in waiting:
            self._one(request_id, now, partial(self._waiting, overdue=overdue))
        self._tell_counsellors(overdue, now)
        for request_id in active:
            self._one(request_id, now, self._active)

    def _tell_counsellors(self, overdue: Overdue, now: datetime) -> None:
        """One reminder per counsellor for everyone who became overdue in this tick, however many."""
        if not overdue.renotify and not overdue.supervisors:
            return
        with self._uow_factory() as uow:
            repos = Repos(uow)
            msg = OutboxMessenger(uow, now)
            for ids, notify in ((overdue.renotify, renotify), (overdue.supervisors, notify_supervisors)):
                requests = [r for r in (repos.queue.get(i) for i in ids) if r is not None]
                if requests:
                    notify(repos, msg, requests, now)
            uow.commit()

    def _one(self, request_id: int, now: datetime, action: Action) -> None:
        with self._uow_factory() as uow:
            repos = Repos(uow)
            seen = repos.queue.get(request_id)
            if seen is None or repos.queue.lock_person(seen.person_id, skip_locked=True) is None:
                return
            request = repos.queue.lock_due(request_id)
            if request is not None and action(repos, OutboxMessenger(uow, now), request, now):
                uow.commit()

    # --- the roster -----------------------------------------------------------------------------
    def roster(self, now: datetime) -> None:
        """Shifts put counsellors on and off duty at their edges; /on and /off in between are respected."""
        with self._uow_factory() as uow:
            repos = Repos(uow)
            msg = OutboxMessenger(uow, now)
            shifts: dict[int, list[RosterShift]] = {}
            for shift in repos.counsellors.shifts():
                shifts.setdefault(shift.counsellor_id, []).append(shift)
            changed = False
            for counsellor in repos.counsellors.all(active_only=True):
                mine = shifts.get(counsellor.id, [])
                if not mine and not counsellor.roster_on:
                    continue
                locked = repos.counsellors.lock_if_free(counsellor.id)
                if locked is not None:
                    changed |= self._apply_shift(repos, msg, locked, in_shift(mine, now), now)
            if changed:
                uow.commit()

    def _apply_shift(self, repos: Repos, msg: Messenger, counsellor: Counsellor, on: bool, now: datetime) -> bool:
        if on == counsellor.roster_on:
            return False
        counsellor.roster_on = on
        if on and not counsellor.on_duty:
            go_on_duty(repos, msg, counsellor, now, by_roster=True)
        elif not on and counsellor.on_duty:
            go_off_duty(repos, msg, counsellor, now, by_roster=True)
        log.info("roster edge", extra={"counsellor": counsellor.id, "on": on})
        return True

    # --- waiting --------------------------------------------------------------------------------
    def _waiting_due(self, request: HandoffRequest, place: int, on_duty: list[Counsellor], now: datetime) -> bool:
        """Whether a waiting request may need something this tick; the rest cost no transaction at all
        (a queue of a thousand people costs one read per tick, not a thousand transactions)."""
        settings = self._h.settings
        since = _wait_start(request, on_duty)
        limit = settings.crisis_renotify_after if request.crisis else settings.renotify_after
        if since is not None and request.renotified_at is None and now - since >= limit:
            return True
        start = since or (request.queued_at if request.crisis else None)
        if start is not None and request.escalated_at is None and now - start >= settings.supervisors_after:
            return True
        return bool(on_duty) and self._worth_telling(request, place, now)

    def _worth_telling(self, request: HandoffRequest, place: int, now: datetime) -> bool:
        """Whether the person's new place is news: next in line, or two places better and not told recently."""
        told = request.told_position
        if told is None or place >= told:
            return False
        if place == 1:
            return True
        recent = request.told_position_at is not None and (
            (now - request.told_position_at).total_seconds() < self._h.settings.position_update_every_s
        )
        return told - place >= 2 and not recent

    def _waiting(
        self, repos: Repos, msg: Messenger, request: HandoffRequest, now: datetime, *, overdue: Overdue
    ) -> bool:
        if request.status != HandoffStatus.WAITING:
            return False
        settings = self._h.settings
        on_duty = repos.counsellors.on_duty()
        since = _wait_start(request, on_duty)
        changed = False
        limit = settings.crisis_renotify_after if request.crisis else settings.renotify_after
        if since is not None and request.renotified_at is None and now - since >= limit:
            overdue.renotify.append(request.id)
            self._tell_again(repos, msg, request, now)
            request.renotified_at = now
            repos.queue.add_event(request.id, HandoffEventKind.TIMEOUT, now, detail="renotify")
            changed = True
        start = since or (request.queued_at if request.crisis else None)
        if start is not None and request.escalated_at is None and now - start >= settings.supervisors_after:
            overdue.supervisors.append(request.id)
            request.escalated_at = now
            repos.queue.add_event(request.id, HandoffEventKind.TIMEOUT, now, detail="supervisors")
            changed = True
        return self._position_update(repos, msg, request, now, bool(on_duty)) or changed

    def _tell_again(self, repos: Repos, msg: Messenger, request: HandoffRequest, now: datetime) -> None:
        where = standing(repos, request, now, self._h.settings.default_handle_minutes)
        buttons = (cancel_button(),) if request.callback_phone else (callback_button(), cancel_button())
        msg.send(
            request.person_id,
            _(
                "No counsellor has been able to answer yet; you are still number {position} in the queue. Meanwhile "
                "you can keep asking me, call the national hotline {hotline} (24/7), or leave a number to be called "
                "back."
            ).format(position=where.position, hotline=HOTLINE_NUMBER),
            buttons,
        )
        request.told_position = where.position
        request.told_position_at = now

    def _position_update(
        self, repos: Repos, msg: Messenger, request: HandoffRequest, now: datetime, staffed: bool
    ) -> bool:
        """Tell the person when their place improves meaningfully: next in line, or two places, not too often."""
        told = request.told_position
        if not staffed or told is None:
            return False
        where = standing(repos, request, now, self._h.settings.default_handle_minutes)
        if not self._worth_telling(request, where.position, now):
            return False
        if where.position > 1:
            text = _("Update: you are now number {position} in the queue; the wait is about {minutes} minutes.").format(
                position=where.position, minutes=where.minutes
            )
        else:
            text = _("You are next in the queue: a counsellor will be with you soon.")
        msg.send(request.person_id, text)
        request.told_position = where.position
        request.told_position_at = now
        return True

    # --- open conversations ---------------------------------------------------------------------
    def _active_due(self, request: HandoffRequest, now: datetime) -> bool:
        s = self._h.settings
        return bool(
            (request.crisis_pending_at and now - request.crisis_pending_at >= s.crisis_reply_within)
            or (request.person_waiting_since and now - request.person_waiting_since >= s.counsellor_reminder_after)
            or (
                request.counsellor_waiting_since
                and request.unreachable_offered_at is None
                and now - request.counsellor_waiting_since >= s.person_silent_after
            )
        )

    def _active(self, repos: Repos, msg: Messenger, request: HandoffRequest, now: datetime) -> bool:
        if request.status != HandoffStatus.ACTIVE or request.counsellor_id is None:
            return False
        s = self._h.settings
        counsellor = repos.counsellors.get(request.counsellor_id)
        if request.crisis_pending_at and now - request.crisis_pending_at >= s.crisis_reply_within:
            self._crisis_steps(repos, msg, request, counsellor, now)
            return True
        waiting = request.person_waiting_since
        if waiting and request.reminded_at is None and now - waiting >= s.counsellor_reminder_after:
            msg.send(
                counsellor.person_id,
                _(
                    "⏰ #{ref} has been waiting for your reply for {waited}. Write to them now, or /transfer. "
                    "Otherwise in {minutes} minutes they go back to the queue."
                ).format(
                    ref=request.id,
                    waited=duration_text(now - waiting),
                    minutes=s.requeue_after_reminder_s // 60,
                ),
            )
            request.reminded_at = now
            repos.queue.add_event(request.id, HandoffEventKind.TIMEOUT, now, counsellor.id, "reminder")
            return True
        if waiting and request.reminded_at and now - request.reminded_at >= s.requeue_after_reminder:
            self._requeue_silent(repos, msg, request, counsellor, now)
            return True
        silent = request.counsellor_waiting_since
        if silent and request.unreachable_offered_at is None and now - silent >= s.person_silent_after:
            msg.send(
                counsellor.person_id,
                _("#{ref} has not written for {waited}. You may close the conversation as “{outcome}”.").format(
                    ref=request.id, waited=duration_text(now - silent), outcome=outcome_label("unreachable")
                ),
                (Button(outcome_label("unreachable"), f"{CLOSE}:{request.id}:unreachable"),),
            )
            request.unreachable_offered_at = now
            repos.queue.add_event(request.id, HandoffEventKind.TIMEOUT, now, counsellor.id, "person_silent")
            return True
        return False

    def _crisis_steps(
        self, repos: Repos, msg: Messenger, request: HandoffRequest, counsellor: Counsellor, now: datetime
    ) -> None:
        """The counsellor did not write within the limit after a crisis: the person gets the steps from the bot."""
        kind = CrisisKind(request.crisis_pending_kind or CrisisKind.SUICIDE.value)
        msg.send(request.person_id, self._h.router.crisis.steps(kind))
        msg.send(
            request.person_id,
            _("{name} has been alerted and will write to you as soon as they can. Stay here with us.").format(
                name=counsellor.name
            ),
        )
        msg.send(
            counsellor.person_id,
            _(
                "The bot has sent #{ref} the emergency steps, because nobody wrote to them within {seconds} seconds."
            ).format(ref=request.id, seconds=self._h.settings.crisis_reply_within_s),
        )
        request.crisis_pending_kind = None
        request.crisis_pending_at = None
        repos.queue.add_event(request.id, HandoffEventKind.TIMEOUT, now, counsellor.id, "crisis_steps")

    def _requeue_silent(
        self, repos: Repos, msg: Messenger, request: HandoffRequest, counsellor: Counsellor, now: datetime
    ) -> None:
        waited = duration_text(now - (request.person_waiting_since or now))
        msg.send(
            counsellor.person_id,
            _("#{ref} went back to the queue because they had no reply for {waited}.").format(
                ref=request.id, waited=waited
            ),
        )
        repos.queue.add_event(request.id, HandoffEventKind.TIMEOUT, now, counsellor.id, "counsellor_silent")
        requeue(
            self._h,
            repos,
            msg,
            None,
            request,
            now,
            note=_("Back in the queue: {name} did not reply for {waited}.").format(name=counsellor.name, waited=waited),
            note_kind=NoteKind.SYSTEM,
            by=None,
            detail="counsellor_silent",
        )


def _wait_start(request: HandoffRequest, on_duty: list[Counsellor]) -> datetime | None:
    """Since when someone on duty could have taken the request (None: nobody is on duty)."""
    if not on_duty:
        return None
    duty_from = min((c.duty_changed_at or request.queued_at) for c in on_duty)
    return max(request.queued_at, duty_from)
