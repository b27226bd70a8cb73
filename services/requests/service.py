"""Use cases of tracked requests: submit, look up (person), list, view, assign, set status (staff), erase."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from services.dialogue.menus import MENU_MAIN
from services.events import REQUEST_SUBMITTED, REQUEST_UPDATED, Events
from services.i18n import _
from services.messaging import send_message
from services.nlu.text import fold
from services.phones import mask
from services.requests.codes import find_codes, new_code
from services.requests.repository import RequestRepository
from services.types import Button
from storage.models import AuditLog
from storage.requests_models import RequestEvent, RequestStatus, TrackedRequest
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

KIND_FEEDBACK = "feedback"
MIN_DESCRIPTION_CHARS = 10
MAX_REPLY_CHARS = 1500
MAX_NAME_CHARS = 64
MAX_REASON_CHARS = 200
PERSON_ACTOR = "person:self"
SUBJECT = "tracked_request"

_STATUS_WORDS: dict[str, RequestStatus] = {
    "new": RequestStatus.NEW,
    "moi": RequestStatus.NEW,
    "in_progress": RequestStatus.IN_PROGRESS,
    "dang_xu_ly": RequestStatus.IN_PROGRESS,
    "resolved": RequestStatus.RESOLVED,
    "da_xu_ly": RequestStatus.RESOLVED,
}


class RequestError(ValueError):
    """A staff command that cannot be done as asked (unknown code, bad status, missing reason)."""


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request without its personal content (safe for events, lists and the person's status)."""

    code: str
    person_id: int
    kind: str
    status: str
    owner: str | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    contact: str | None  # masked phone
    erased: bool


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    status: str | None
    owner: str | None
    reply: str | None


@dataclass(frozen=True, slots=True)
class RequestDetail:
    """Everything about a request, for an audited staff view."""

    view: RequestView
    description: str
    contact_phone: str | None
    contact_consent_at: datetime | None
    history: tuple[HistoryEntry, ...]


@dataclass(frozen=True, slots=True)
class PersonStatus:
    view: RequestView
    latest_reply: str | None


@dataclass(frozen=True, slots=True)
class Update:
    view: RequestView
    notified: bool


def status_label(status: str) -> str:
    """The status in the person's words: mới, đang xử lý, đã xử lý."""
    labels = {
        RequestStatus.NEW: _("newly received"),
        RequestStatus.IN_PROGRESS: _("being handled"),
        RequestStatus.RESOLVED: _("handled"),
    }
    return labels.get(RequestStatus(status), status)


def parse_status(text: str) -> RequestStatus:
    """new | in_progress | resolved, or the Vietnamese mới | đang xử lý | đã xử lý (any case, with or without marks)."""
    key = "_".join(fold(text).replace("-", " ").split())
    if key not in _STATUS_WORDS:
        raise RequestError(f"unknown status {text!r}: use new, in_progress or resolved (mới, đang xử lý, đã xử lý)")
    return _STATUS_WORDS[key]


def normalise_code(text: str) -> str:
    codes = find_codes(text)
    if len(codes) != 1:
        raise RequestError(f"{text!r} is not a reference code like PA-7K3Q9P")
    return codes[0]


def _view(request: TrackedRequest) -> RequestView:
    return RequestView(
        code=request.code,
        person_id=request.person_id,
        kind=request.kind,
        status=request.status,
        owner=request.owner,
        created_at=request.created_at,
        updated_at=request.updated_at,
        resolved_at=request.resolved_at,
        contact=mask(request.contact_phone) if request.contact_phone else None,
        erased=request.erased_at is not None,
    )


def _checked(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise RequestError(f"{what} is required")
    if len(value) > limit:
        raise RequestError(f"{what} is longer than {limit} characters")
    return value


def _audit(uow: UnitOfWork, actor: str, action: str, code: str, reason: str, now: datetime) -> None:
    uow.audit.add(AuditLog(at=now, actor=actor, action=action, subject_type=SUBJECT, subject_id=code, reason=reason))


def _get(repo: RequestRepository, code: str, *, lock: bool = False) -> TrackedRequest:
    request = repo.by_code(normalise_code(code), lock=lock)
    if request is None:
        raise RequestError(f"no request with the code {code.strip().upper()}")
    return request


# --- the person's side ------------------------------------------------------------------------------
def submit(
    uow: UnitOfWork,
    events: Events,
    person_id: int,
    description: str,
    contact_phone: str | None,
    now: datetime,
) -> RequestView:
    """Store a new request with a fresh code; the phone (E.164) only when the person agreed to be called."""
    repo = RequestRepository(uow.session)
    request = repo.add(
        TrackedRequest(
            code=new_code(repo.code_taken),
            person_id=person_id,
            kind=KIND_FEEDBACK,
            status=RequestStatus.NEW,
            owner=None,
            description=description,
            contact_phone=contact_phone,
            contact_consent_at=now if contact_phone else None,
            created_at=now,
            updated_at=now,
        )
    )
    repo.add_event(RequestEvent(request_id=request.id, at=now, actor=PERSON_ACTOR, action="submitted", status="new"))
    log.info("request submitted", extra={"request": request.id, "person": person_id, "contact": bool(contact_phone)})
    view = _view(request)
    events.emit(REQUEST_SUBMITTED, uow=uow, request=view, now=now)
    return view


def person_status(uow: UnitOfWork, person_id: int, code: str) -> PersonStatus | None:
    """The status of one of the person's own requests; None for a code that is not theirs."""
    repo = RequestRepository(uow.session)
    request = repo.by_code(code)
    if request is None or request.person_id != person_id or request.erased_at is not None:
        return None
    reply = repo.latest_reply(request.id)
    return PersonStatus(_view(request), reply.reply if reply is not None else None)


def person_requests(uow: UnitOfWork, person_id: int, limit: int = 3) -> list[RequestView]:
    repo = RequestRepository(uow.session)
    return [_view(r) for r in repo.for_person(person_id, limit) if r.erased_at is None]


# --- staff ------------------------------------------------------------------------------------------
def list_requests(uow: UnitOfWork, status: str | None = None) -> list[RequestView]:
    """Every request, masked (no description, the phone's last digits only): not personal data, not audited."""
    wanted = parse_status(status) if status else None
    return [_view(r) for r in RequestRepository(uow.session).listing(wanted)]


def show(uow: UnitOfWork, code: str, actor: str, reason: str, now: datetime) -> RequestDetail:
    """The whole request for a staff member, with the access written to the audit log."""
    actor = _checked(actor, "--actor", MAX_NAME_CHARS)
    reason = _checked(reason, "--reason", MAX_REASON_CHARS)
    repo = RequestRepository(uow.session)
    request = _get(repo, code)
    _audit(uow, actor, "request.view", request.code, reason, now)
    log.info("request viewed by staff", extra={"request": request.id})
    history = tuple(HistoryEntry(e.at, e.actor, e.action, e.status, e.owner, e.reply) for e in repo.events(request.id))
    return RequestDetail(
        _view(request), request.description, request.contact_phone, request.contact_consent_at, history
    )


def assign(uow: UnitOfWork, events: Events, code: str, owner: str, actor: str, now: datetime) -> RequestView:
    owner = _checked(owner, "--to", MAX_NAME_CHARS)
    actor = _checked(actor, "--actor", MAX_NAME_CHARS)
    repo = RequestRepository(uow.session)
    request = _get(repo, code, lock=True)
    request.owner = owner
    request.updated_at = now
    repo.add_event(RequestEvent(request_id=request.id, at=now, actor=actor, action="assigned", owner=owner))
    _audit(uow, actor, "request.assign", request.code, f"assigned to {owner}", now)
    log.info("request assigned", extra={"request": request.id})
    view = _view(request)
    events.emit(REQUEST_UPDATED, uow=uow, request=view, actor=actor, now=now)
    return view


def set_status(
    uow: UnitOfWork,
    events: Events,
    code: str,
    status: str,
    reply: str | None,
    actor: str,
    now: datetime,
) -> Update:
    """Change the status; the person is told through the outbox, with the staff reply when there is one."""
    actor = _checked(actor, "--actor", MAX_NAME_CHARS)
    new_status = parse_status(status)
    reply = (reply or "").strip() or None
    if reply is not None and len(reply) > MAX_REPLY_CHARS:
        raise RequestError(f"--reply is longer than {MAX_REPLY_CHARS} characters")
    repo = RequestRepository(uow.session)
    request = _get(repo, code, lock=True)
    if request.status == new_status and reply is None:
        raise RequestError(f"{request.code} is already {new_status.value}; give --reply to send a message")
    request.status = new_status
    request.updated_at = now
    request.resolved_at = now if new_status == RequestStatus.RESOLVED else None
    repo.add_event(
        RequestEvent(request_id=request.id, at=now, actor=actor, action="status", status=new_status, reply=reply)
    )
    notified = request.erased_at is None
    if notified:
        send_message(uow, request.person_id, _status_message(request.code, new_status, reply), _after_buttons(), now)
    _audit(uow, actor, "request.status", request.code, f"{new_status.value}; person notified: {notified}", now)
    log.info("request status set", extra={"request": request.id, "status": new_status.value, "notified": notified})
    view = _view(request)
    events.emit(REQUEST_UPDATED, uow=uow, request=view, actor=actor, now=now)
    return Update(view, notified)


def _status_message(code: str, status: RequestStatus, reply: str | None) -> str:
    lines = [_("About your feedback {code}: it is now {status}.").format(code=code, status=status_label(status))]
    if reply:
        lines.append(_("The hotline's answer: {reply}").format(reply=reply))
    if status == RequestStatus.RESOLVED:
        lines.append(_("Thank you for helping us do better. If something is still wrong, you can send new feedback."))
    return "\n".join(lines)


def _after_buttons() -> tuple[Button, ...]:
    return (Button(_("Main menu"), MENU_MAIN),)


# --- erasure ----------------------------------------------------------------------------------------
def erase_requests(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    """/delete: the description, the phone and the replies go; code, status and dates stay as anonymous counts."""
    mine = select(TrackedRequest.id).where(TrackedRequest.person_id == person_id)
    uow.session.execute(update(RequestEvent).where(RequestEvent.request_id.in_(mine)).values(reply=None))
    uow.session.execute(
        update(TrackedRequest)
        .where(TrackedRequest.person_id == person_id, TrackedRequest.erased_at.is_(None))
        .values(description="", contact_phone=None, contact_consent_at=None, erased_at=now)
    )
