"""What the counsellor's commands share: `#42` references and finding the conversation a command is for."""

from __future__ import annotations

import re

from services.dialogue.turn import Turn
from services.handoff.core import Repos
from services.handoff.duty import accept_next_button
from services.handoff.notify import queue_summary
from services.i18n import _
from services.types import Button
from storage.handoff_models import Counsellor
from storage.models import HandoffRequest

SWITCH = "desk:switch"
_REF = re.compile(r"^#(\d+)\b\s*(.*)$", re.DOTALL)


def split_ref(text: str) -> tuple[int | None, str]:
    """`#42 rest` → (42, "rest"); anything else → (None, text)."""
    match = _REF.match(text.strip())
    if match is None:
        return None, text.strip()
    return int(match.group(1)), match.group(2).strip()


def switch_buttons(requests: list[HandoffRequest]) -> tuple[Button, ...]:
    return tuple(Button(_("Write to #{ref}").format(ref=r.id), f"{SWITCH}:{r.id}") for r in requests)


def resolve_target(turn: Turn, repos: Repos, counsellor: Counsellor, ref: int | None) -> HandoffRequest | None:
    """The open conversation a message or command is for; says what is wrong when there is none."""
    open_requests = repos.counsellors.open_requests(counsellor.id)
    if ref is not None:
        found = next((r for r in open_requests if r.id == ref), None)
        if found is None:
            turn.say(
                _("#{ref} is not one of your open conversations; /chats lists them.").format(ref=ref),
                switch_buttons(open_requests),
            )
        return found
    if not open_requests:
        turn.say(
            _("You have no open conversation, so nothing was sent.") + " " + queue_summary(repos),
            (accept_next_button(),) if repos.queue.waiting_count() else (),
        )
        return None
    current = next((r for r in open_requests if r.id == counsellor.current_request_id), None)
    if current is not None:
        return current
    if len(open_requests) == 1:
        return open_requests[0]
    turn.say(
        _("You have several open conversations: start your message with #number, or choose one."),
        switch_buttons(open_requests),
    )
    return None
