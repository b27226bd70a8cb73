"""What /delete erases of the handoff: open conversations end, callback numbers, comments and notes go."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update

from services.handoff.core import OutboxMessenger, Repos
from services.i18n import _
from storage.handoff_models import HandoffEventKind, HandoffNote
from storage.models import HandoffRequest, HandoffStatus
from storage.uow import UnitOfWork


def erase_handoffs(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    """Runs inside the person's own turn (their row is locked); keeps only anonymous counts and timings."""
    repos = Repos(uow)
    msg = OutboxMessenger(uow, now)
    for open_request in repos.queue.open_for_person(person_id):
        request = repos.queue.lock(open_request.id)
        if request is None:
            continue
        if request.status == HandoffStatus.ACTIVE and request.counsellor_id is not None:
            counsellor = repos.counsellors.get(request.counsellor_id)
            msg.send(
                counsellor.person_id,
                _("#{ref} has deleted their data: the conversation is closed and its notes are erased.").format(
                    ref=request.id
                ),
            )
            request.status = HandoffStatus.CLOSED
            kind = HandoffEventKind.CLOSED
        else:
            request.status = HandoffStatus.CANCELLED
            kind = HandoffEventKind.CANCELLED
        request.closed_at = now
        request.ended_by = "erasure"
        request.updated_at = now
        request.crisis_pending_at = None
        request.crisis_pending_kind = None
        repos.queue.add_event(request.id, kind, now, request.counsellor_id, "erasure")
    uow.session.execute(
        update(HandoffRequest)
        .where(HandoffRequest.person_id == person_id)
        .values(callback_phone=None, csat_comment=None, person_waiting_since=None, counsellor_waiting_since=None)
    )
    uow.session.execute(delete(HandoffNote).where(HandoffNote.person_id == person_id))
