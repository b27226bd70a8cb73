"""Going on and off duty (by /on, /off or the roster); off duty with open conversations asks to hand them on."""

from __future__ import annotations

from datetime import datetime

from services.handoff.core import Messenger, Repos
from services.handoff.notify import ACCEPT, queue_summary
from services.i18n import _
from services.types import Button
from storage.handoff_models import Counsellor
from storage.models import HandoffRequest

TRANSFER = "desk:transfer"
CLOSE = "desk:close"


def accept_next_button() -> Button:
    return Button(_("Accept the next person"), ACCEPT)


def hand_on_buttons(requests: list[HandoffRequest]) -> tuple[Button, ...]:
    buttons: list[Button] = []
    for request in requests:
        buttons.append(Button(_("Transfer #{ref}").format(ref=request.id), f"{TRANSFER}:{request.id}"))
        buttons.append(Button(_("Close #{ref}").format(ref=request.id), f"{CLOSE}:{request.id}"))
    return tuple(buttons)


def go_on_duty(repos: Repos, msg: Messenger, counsellor: Counsellor, now: datetime, *, by_roster: bool = False) -> None:
    if counsellor.on_duty:
        msg.send(counsellor.person_id, _("You are already on duty.") + " " + queue_summary(repos))
        return
    counsellor.on_duty = True
    counsellor.duty_changed_at = now
    head = _("Your shift has started: you are on duty.") if by_roster else _("You are on duty now.")
    waiting = repos.queue.waiting_count()
    msg.send(counsellor.person_id, head + " " + queue_summary(repos), (accept_next_button(),) if waiting else ())


def go_off_duty(
    repos: Repos, msg: Messenger, counsellor: Counsellor, now: datetime, *, by_roster: bool = False
) -> None:
    was_on = counsellor.on_duty
    counsellor.on_duty = False
    counsellor.duty_changed_at = now
    if by_roster:
        head = _("Your shift has ended: you are off duty and nobody new will be offered to you.")
    elif was_on:
        head = _("You are off duty: nobody new will be offered to you.")
    else:
        head = _("You are already off duty.")
    open_requests = repos.counsellors.open_requests(counsellor.id)
    if not open_requests:
        msg.send(counsellor.person_id, head + " " + _("Thank you for your shift."))
        return
    refs = ", ".join(f"#{r.id}" for r in open_requests)
    msg.send(
        counsellor.person_id,
        head
        + " "
        + _("You still have open conversations: {refs}. Please transfer or close each of them.").format(refs=refs),
        hand_on_buttons(open_requests),
    )
