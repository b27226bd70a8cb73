"""Use cases of the registration: submit, status changes (the person is told), staff views, erasure, expiry."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from services.i18n import LOCAL_TZ, _
from services.messaging import send_message
from services.registration.codes import new_code
from services.registration.form import Form
from services.registration.repository import RegistrationRepository
from services.registration.statuses import OPEN_STATUSES, Status, status_explanation, status_label
from storage.models import AuditLog, DialogueState
from storage.registration_models import Registration, RegistrationEvent
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

FLOW = "registration"
DRAFT_DAYS = 7
RETENTION_DAYS = 365
SUGGESTION_WINDOW = timedelta(hours=24)
PERSON_ACTOR = "person:self"
CODE_ATTEMPTS = 20


class RegistrationNotFoundError(LookupError):
    """No registration has this code."""


def repo(uow: UnitOfWork) -> RegistrationRepository:
    return RegistrationRepository(uow.session)


def audit(uow: UnitOfWork, actor: str, action: str, subject: str, reason: str | None, now: datetime) -> None:
    uow.audit.add(
        AuditLog(
            at=now,
            actor=actor[:64],
            action=action,
            subject_type="registration",
            subject_id=subject[:64],
            reason=(reason or None) and str(reason)[:200],
        )
    )


# --- the person's side ----------------------------------------------------------------------------------
def collect_suggestions(
    uow: UnitOfWork, person_id: int, now: datetime, current: dict[str, list[str]]
) -> dict[str, Any]:
    """Values said earlier in the conversation (and in this message) that the form can offer to confirm."""
    seen = [*repo(uow).recent_entities(person_id, now - SUGGESTION_WINDOW), current]
    suggestions: dict[str, Any] = {}
    substances: list[str] = []
    for entities in seen:
        for value in entities.get("relation", []):
            suggestions["for_whom"] = value
        for value in entities.get("phone", []):
            suggestions["phone"] = value
        for value in entities.get("location", []):
            suggestions["province"] = value
        substances += [v for v in entities.get("substance", []) if v not in substances]
    if substances:
        suggestions["substances"] = substances
    return suggestions


def submit(uow: UnitOfWork, person_id: int, form: Form, now: datetime) -> Registration:
    """Turn a complete form into a registration with a fresh reference code; the draft is deleted."""
    registrations = repo(uow)
    code = new_code()
    for _attempt in range(CODE_ATTEMPTS):
        if not registrations.code_exists(code):
            break
        code = new_code()
    v = form.values
    birth = form.birth
    registration = registrations.add(
        Registration(
            code=code,
            person_id=person_id,
            status=Status.RECEIVED,
            for_whom=v["for_whom"],
            minor=form.minor,
            full_name=v["full_name"],
            birth=json.dumps(birth.to_dict()) if birth else None,
            representative_name=v.get("rep_name") if form.minor else None,
            representative_relation=v.get("rep_relation") if form.minor else None,
            phone=v["phone"],
            province=v["province"]["name"],
            ward=json.dumps(v["ward"], ensure_ascii=False) if v.get("ward") else None,
            substances=",".join(v.get("substances", [])),
            treatment_form=v["treatment_form"],
            contact_time=v["contact_time"],
            citizen_id=v.get("citizen_id") or None,
            note=v.get("note") or None,
            created_at=now,
            updated_at=now,
        )
    )
    registrations.add_event(
        RegistrationEvent(
            registration_id=registration.id, status=Status.RECEIVED, actor=PERSON_ACTOR, notified=True, at=now
        )
    )
    registrations.delete_draft(person_id)
    log.info("registration submitted", extra={"registration": registration.id, "person": person_id})
    return registration


@dataclass(frozen=True, slots=True)
class StatusChange:
    code: str
    status: Status
    notified: bool


def set_status(uow: UnitOfWork, code: str, status: Status, actor: str, note: str | None, now: datetime) -> StatusChange:
    """Staff move a registration on; the person gets a message (unless they had their data deleted)."""
    registration = repo(uow).by_code(code)
    if registration is None:
        raise RegistrationNotFoundError(code)
    person = uow.people.get(registration.person_id)
    notify = registration.erased_at is None and person.deleted_at is None
    registration.status = status
    registration.updated_at = now
    repo(uow).add_event(
        RegistrationEvent(
            registration_id=registration.id, status=status, actor=actor[:64], note=note or None, notified=notify, at=now
        )
    )
    if notify:
        text = (
            _("News about your registration {code}: the status is now “{status}”.").format(
                code=registration.code, status=status_label(status)
            )
            + "\n"
            + status_explanation(status)
            + "\n"
            + _("Type /status at any time to see it again.")
        )
        send_message(uow, person.id, text, (), now)
    audit(uow, actor, "registration.set_status", registration.code, f"status={status.value}", now)
    log.info("registration status changed", extra={"registration": registration.id, "status": status.value})
    return StatusChange(registration.code, status, notify)


def status_lines(registrations: list[Registration]) -> list[str]:
    return [
        _("• {code}: {status} (sent on {date})").format(
            code=r.code, status=status_label(r.status), date=r.created_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")
        )
        for r in registrations
    ]


# --- erasure and expiry ---------------------------------------------------------------------------------
ERASED_VALUES: dict[str, Any] = {
    "full_name": None,
    "birth": None,
    "representative_name": None,
    "phone": None,
    "ward": None,
    "citizen_id": None,
    "note": None,
}


def _erase(registration: Registration, now: datetime) -> None:
    for column, value in ERASED_VALUES.items():
        setattr(registration, column, value)
    registration.erased_at = now


def erase_registrations(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    """/delete: personal values and the draft go; status, province, substances and dates stay as counts."""
    for registration in repo(uow).for_person(person_id):
        _erase(registration, now)
    for event in repo(uow).events_of_person(person_id):
        event.note = None
    repo(uow).delete_draft(person_id)
    uow.session.flush()


def expire_drafts(uow: UnitOfWork, now: datetime) -> int:
    """Half-filled forms older than 7 days are deleted; a person still in the form leaves it."""
    drafts = repo(uow).stale_drafts(now - timedelta(days=DRAFT_DAYS))
    for draft in drafts:
        uow.session.execute(
            update(DialogueState)
            .where(DialogueState.person_id == draft.person_id, DialogueState.flow == FLOW)
            .values(flow=None, step=None, data="{}")
        )
        uow.session.delete(draft)
    uow.session.flush()
    return len(drafts)


def purge_closed(uow: UnitOfWork, now: datetime) -> int:
    """Closed registrations lose their personal values 12 months after their last change."""
    closed = frozenset(s.value for s in Status if s not in OPEN_STATUSES)
    old = repo(uow).closed_before(closed, now - timedelta(days=RETENTION_DAYS))
    for registration in old:
        _erase(registration, now)
    return len(old)
