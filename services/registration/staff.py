"""What staff and counsellors see of registrations: masked lists, full records (audited), the context card."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from services.i18n import LOCAL_TZ, _
from services.registration.labels import contact_time_label, for_whom_note, form_label, substances_text
from services.registration.masking import DELETED, mask_name, mask_phone
from services.registration.parsers import Birth
from services.registration.service import RegistrationNotFoundError, audit, repo
from services.registration.statuses import status_label
from storage.registration_models import Registration
from storage.uow import UnitOfWork


# --- staff side ---------------------------------------------------------------------------------------
def _birth(registration: Registration) -> Birth | None:
    if not registration.birth:
        return None
    try:
        return Birth.from_dict(json.loads(registration.birth))
    except (ValueError, KeyError, TypeError):
        return None


def _ward_name(registration: Registration) -> str:
    if not registration.ward:
        return ""
    try:
        return str(json.loads(registration.ward).get("name", ""))
    except (ValueError, AttributeError):
        return ""


def masked_row(registration: Registration) -> dict[str, Any]:
    """What lists show: no full name, phone or ID; erased registrations say so."""
    birth = _birth(registration)
    erased = registration.erased_at is not None
    return {
        "code": registration.code,
        "status": registration.status,
        "created": registration.created_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
        "for_whom": registration.for_whom,
        "name": DELETED if erased else mask_name(registration.full_name),
        "age": birth.age if birth else "",
        "minor": registration.minor,
        "phone": "" if erased else mask_phone(registration.phone),
        "province": registration.province,
        "substances": registration.substances,
        "form": registration.treatment_form,
        "contact_time": registration.contact_time,
        "erased": erased,
    }


def full_record(uow: UnitOfWork, registration: Registration) -> dict[str, Any]:
    """Every value, decrypted (for `show` and exports, which are audited)."""
    birth = _birth(registration)
    erased = registration.erased_at is not None
    return {
        "code": registration.code,
        "status": registration.status,
        "created_at": registration.created_at.astimezone(LOCAL_TZ).isoformat(),
        "updated_at": registration.updated_at.astimezone(LOCAL_TZ).isoformat(),
        "for_whom": registration.for_whom,
        "full_name": DELETED if erased else registration.full_name or "",
        "birth": birth.value if birth else "",
        "birth_kind": birth.kind if birth else "",
        "age": birth.age if birth else "",
        "minor": registration.minor,
        "representative_name": registration.representative_name or "",
        "representative_relation": registration.representative_relation or "",
        "phone": registration.phone or "",
        "province": registration.province,
        "ward": _ward_name(registration),
        "substances": registration.substances,
        "treatment_form": registration.treatment_form,
        "contact_time": registration.contact_time,
        "citizen_id": registration.citizen_id or "",
        "note": registration.note or "",
        "erased": erased,
        "history": [
            {
                "at": e.at.astimezone(LOCAL_TZ).isoformat(),
                "status": e.status,
                "actor": e.actor,
                "note": e.note or "",
                "notified": e.notified,
            }
            for e in repo(uow).events(registration.id)
        ],
    }


def staff_list(
    uow: UnitOfWork, actor: str, now: datetime, status: str | None = None, province: str | None = None
) -> list[dict[str, Any]]:
    rows = [masked_row(r) for r in repo(uow).listing(status, province)]
    audit(uow, actor, "registration.list", "*", f"{len(rows)} rows (masked)", now)
    return rows


def staff_show(uow: UnitOfWork, code: str, actor: str, reason: str, now: datetime) -> dict[str, Any]:
    registration = repo(uow).by_code(code)
    if registration is None:
        raise RegistrationNotFoundError(code)
    audit(uow, actor, "registration.show", registration.code, reason, now)
    return full_record(uow, registration)


def staff_export(
    uow: UnitOfWork,
    actor: str,
    reason: str,
    now: datetime,
    status: str | None = None,
    province: str | None = None,
) -> list[dict[str, Any]]:
    rows = [full_record(uow, r) for r in repo(uow).listing(status, province)]
    audit(uow, actor, "registration.export", "*", f"{reason} ({len(rows)} rows)", now)
    return rows


# --- the counsellor's context card -----------------------------------------------------------------------
def registration_summary(uow: UnitOfWork, person_id: int) -> str | None:
    """One masked paragraph about the person's latest registration (or unfinished form) for a counsellor."""
    registrations = repo(uow).for_person(person_id)
    if not registrations:
        draft = repo(uow).draft(person_id)
        return _("Started a registration form and has not finished it yet.") if draft is not None else None
    r = registrations[0]
    if r.erased_at is not None:
        return _("Registration {code}: {deleted}.").format(code=r.code, deleted=DELETED)
    birth = _birth(r)
    parts = [
        _("Registration {code} ({status}, sent {date})").format(
            code=r.code, status=status_label(r.status), date=r.created_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")
        ),
        for_whom_note(r.for_whom),
    ]
    if birth is not None:
        parts.append(_("{age} years old").format(age=birth.age))
    if r.minor:
        parts.append(_("under 18: legal representative given"))
    parts += [
        r.province,
        _("substances: {substances}").format(substances=substances_text([s for s in r.substances.split(",") if s])),
        _("prefers: {form}").format(form=form_label(r.treatment_form)),
        _("call: {time}, {phone}").format(time=contact_time_label(r.contact_time).lower(), phone=mask_phone(r.phone)),
    ]
    if len(registrations) > 1:
        parts.append(_("{count} registrations in all").format(count=len(registrations)))
    return "; ".join(parts) + "."
