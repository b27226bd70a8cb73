"""Messages to counsellors about the queue: a new waiting person, still waiting, supervisors called."""

from __future__ import annotations

from datetime import datetime

from services.handoff.core import Messenger, Repos
from services.handoff.texts import duration_text, priority_label, reason_label
from services.i18n import _
from services.types import Button
from storage.handoff_models import Counsellor, HandoffEventKind
from storage.models import HandoffRequest

ACCEPT = "desk:accept"


def accept_button(request: HandoffRequest) -> Button:
    return Button(_("Accept #{ref}").format(ref=request.id), f"{ACCEPT}:{request.id}")


def queue_summary(repos: Repos) -> str:
    waiting = repos.queue.waiting()
    if not waiting:
        return _("Nobody is waiting.")
    urgent = sum(1 for r in waiting if r.crisis)
    callbacks = sum(1 for r in waiting if r.callback_phone)
    text = _("Waiting: {count} (urgent: {urgent}, asked for a call back: {callbacks}).").format(
        count=len(waiting), urgent=urgent, callbacks=callbacks
    )
    return text + " " + _("Type /accept to take the first in the queue.")


def _offer_text(request: HandoffRequest, waiting: int) -> str:
    if request.crisis:
        head = _("🔴 URGENT: #{ref} is waiting ({reason}).")
    else:
        head = _("🔔 #{ref} is waiting (priority: {priority}; {reason}).")
    return (
        head.format(ref=request.id, reason=reason_label(request.reason), priority=priority_label(request))
        + " "
        + _("People waiting: {count}. Type /accept to take the first in the queue.").format(count=waiting)
    )


def _offer(
    repos: Repos, msg: Messenger, request: HandoffRequest, text: str, to: list[Counsellor], now: datetime
) -> int:
    for counsellor in to:
        msg.send(counsellor.person_id, text, (accept_button(request),))
        repos.queue.add_event(request.id, HandoffEventKind.OFFERED, now, counsellor.id)
    return len(to)


def notify_waiting(
    repos: Repos, msg: Messenger, request: HandoffRequest, now: datetime, *, exclude: int | None = None
) -> int:
    """Tell counsellors on duty that someone waits: everyone for a crisis, else those with room for one more."""
    counts = repos.counsellors.open_counts()
    to = [
        c
        for c in repos.counsellors.on_duty()
        if c.id != exclude and (request.crisis or counts.get(c.id, 0) < c.capacity)
    ]
    return _offer(repos, msg, request, _offer_text(request, repos.queue.waiting_count()), to, now)


def _digest_line(request: HandoffRequest, now: datetime) -> str:
    return _("#{ref}: {priority}, waiting for {waited}").format(
        ref=request.id, priority=priority_label(request), waited=duration_text(now - request.queued_at)
    )


def _digest(
    repos: Repos, msg: Messenger, requests: list[HandoffRequest], head: str, to: list[Counsellor], now: datetime
) -> int:
    """One message per counsellor for several overdue people (a long queue must not become a flood)."""
    text = head + "\n" + "\n".join(_digest_line(r, now) for r in requests)
    for counsellor in to:
        msg.send(counsellor.person_id, text, (Button(_("Accept the first in the queue"), ACCEPT),))
        for request in requests:
            repos.queue.add_event(request.id, HandoffEventKind.OFFERED, now, counsellor.id)
    return len(to)


def renotify(repos: Repos, msg: Messenger, requests: list[HandoffRequest], now: datetime) -> int:
    """Nobody accepted in time: remind everyone on duty (one message, however many are overdue)."""
    to = repos.counsellors.on_duty()
    if len(requests) > 1:
        head = _("⏰ {count} people have been waiting too long. Can someone take them?").format(count=len(requests))
        return _digest(repos, msg, requests, head, to, now)
    request = requests[0]
    text = _("⏰ #{ref} has been waiting for {waited} ({priority}). Can someone take them?").format(
        ref=request.id, waited=duration_text(now - request.queued_at), priority=priority_label(request)
    )
    return _offer(repos, msg, request, text, to, now)


def notify_supervisors(repos: Repos, msg: Messenger, requests: list[HandoffRequest], now: datetime) -> int:
    """Still nobody: the supervisors hear of it, on duty or not."""
    on_duty = len(repos.counsellors.on_duty())
    to = repos.counsellors.supervisors()
    if len(requests) > 1:
        head = _(
            "⚠️ {count} people have been waiting a long time and no counsellor has taken them. "
            "Counsellors on duty: {on_duty}."
        ).format(count=len(requests), on_duty=on_duty)
        return _digest(repos, msg, requests, head, to, now)
    request = requests[0]
    text = _(
        "⚠️ #{ref} has been waiting for {waited} and no counsellor has taken them ({priority}). "
        "Counsellors on duty: {on_duty}."
    ).format(
        ref=request.id, waited=duration_text(now - request.queued_at), priority=priority_label(request), on_duty=on_duty
    )
    return _offer(repos, msg, request, text, to, now)
