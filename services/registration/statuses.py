"""The statuses of a registration, as the person sees them, and what they are told at each change."""

from __future__ import annotations

from enum import StrEnum

from services.i18n import _
from services.nlu.text import fold


class Status(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    CONTACTED = "contacted"
    TRANSFERRED = "transferred"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({Status.RECEIVED, Status.PROCESSING, Status.CONTACTED, Status.TRANSFERRED})


def status_label(status: str) -> str:
    labels = {
        Status.RECEIVED: _("received"),
        Status.PROCESSING: _("being processed"),
        Status.CONTACTED: _("contacted"),
        Status.TRANSFERRED: _("passed to the commune/ward"),
        Status.COMPLETED: _("completed"),
        Status.CANCELLED: _("cancelled"),
    }
    try:
        return labels[Status(status)]
    except ValueError:
        return status


def status_explanation(status: Status) -> str:
    """What the change means for the person, in one or two sentences."""
    texts = {
        Status.RECEIVED: _("The hotline has received your request."),
        Status.PROCESSING: _("A staff member is working on your request."),
        Status.CONTACTED: _("A staff member has contacted you (or your family) about the next steps."),
        Status.TRANSFERRED: _(
            "Your request has been passed to the People's Committee of your commune/ward, which will guide you "
            "through the procedure."
        ),
        Status.COMPLETED: _("The registration is complete. We wish you strength on this journey; we are here."),
        Status.CANCELLED: _("The request has been cancelled. You can register again at any time."),
    }
    return texts[status]


def parse_status(text: str) -> Status | None:
    """A status from its code (contacted) or its Vietnamese label, typed with or without diacritics."""
    key = fold(text.strip()).replace("-", " ").replace("_", " ")
    for status in Status:
        if key in {status.value, fold(status_label(status))}:
            return status
    return None
