"""Counsellor accounts: added by an administrator or through a one-time invitation code; deactivated."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.handoff.core import Repos
from storage.crypto import active_cipher
from storage.handoff_models import Counsellor, CounsellorInvite, CounsellorRole
from storage.models import AuditLog, Person
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9]{5}-?[A-Za-z0-9]{5}$")
ROLES = tuple(role.value for role in CounsellorRole)


class AccountError(ValueError):
    """An administrative request that cannot be done; the message says why."""


def _audit(uow: UnitOfWork, now: datetime, actor: str, action: str, subject_id: int, reason: str | None) -> None:
    uow.audit.add(
        AuditLog(
            at=now, actor=actor, action=action, subject_type="counsellor", subject_id=str(subject_id), reason=reason
        )
    )


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def add_counsellor(
    uow: UnitOfWork,
    channel: str,
    external_id: str,
    name: str,
    now: datetime,
    *,
    role: str = CounsellorRole.COUNSELLOR,
    capacity: int = 3,
    actor: str = "cli",
) -> Counsellor:
    """Create the account (or reactivate a deactivated one) for a channel id; not on duty yet."""
    _check_role(role)
    if not external_id.strip():
        raise AccountError("the counsellor's channel id is empty")
    if capacity < 1:
        raise AccountError("capacity must be at least 1")
    repos = Repos(uow)
    existing = repos.counsellors.find(channel, external_id)
    if existing is not None and existing.active:
        raise AccountError(f"counsellor {existing.id} already has this {channel} id")
    if existing is not None:
        existing.active = True
        existing.deactivated_at = None
        existing.name = name.strip()
        existing.role = role
        existing.capacity = capacity
        _audit(uow, now, actor, "counsellor.reactivate", existing.id, None)
        return existing
    person = uow.people.get_or_create(channel, external_id, now)
    counsellor = repos.counsellors.add(
        Counsellor(
            person_id=person.id,
            channel=channel,
            external_id_hash=active_cipher().blind_index(external_id),
            external_id=external_id,
            name=name.strip(),
            role=role,
            active=True,
            capacity=capacity,
            on_duty=False,
            roster_on=False,
            created_at=now,
        )
    )
    _audit(uow, now, actor, "counsellor.add", counsellor.id, None)
    log.info("counsellor added", extra={"counsellor": counsellor.id, "role": role})
    return counsellor


def normalise_code(text: str) -> str | None:
    """The canonical form of something that looks like an invitation code, else None."""
    raw = text.strip()
    if not _CODE_SHAPE.match(raw):
        return None
    code = raw.replace("-", "").upper()
    return code if all(ch in CODE_ALPHABET for ch in code) else None


def create_invite(
    uow: UnitOfWork,
    now: datetime,
    *,
    valid_for: timedelta,
    name: str | None = None,
    role: str = CounsellorRole.COUNSELLOR,
    actor: str = "cli",
) -> str:
    """A new one-time code (returned once, stored only as a keyed hash)."""
    _check_role(role)
    code, hashed = new_code()
    invite = Repos(uow).counsellors.add_invite(
        CounsellorInvite(
            code_hash=hashed,
            name=(name or "").strip() or None,
            role=role,
            created_by=actor,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    uow.audit.add(
        AuditLog(at=now, actor=actor, action="invite.create", subject_type="invite", subject_id=str(invite.id))
    )
    return code


def new_code() -> tuple[str, str]:
    """A one-time invitation code as shown (`ABCDE-FGHJK`, from `secrets`) and the keyed hash that is stored.

    Counsellor and supporter invitations both use it; `normalise_code` reads it back.
    """
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}", active_cipher().blind_index(code)


def code_hash(code: str) -> str:
    """The stored form of a normalised code."""
    return active_cipher().blind_index(code)


@dataclass(frozen=True, slots=True)
class Redemption:
    counsellor: Counsellor | None  # None: the code exists but is used or expired
    needs_name: bool = False


def redeem(uow: UnitOfWork, person: Person, code: str, now: datetime, capacity: int) -> Redemption | None:
    """`/start CODE`: None when no such code exists (the caller then treats it as a plain /start)."""
    repos = Repos(uow)
    invite = repos.counsellors.invite_by_code_hash(code_hash(code))
    if invite is None:
        return None
    if invite.redeemed_at is not None or invite.expires_at <= now:
        return Redemption(None)
    counsellor = repos.counsellors.by_person(person.id)
    if counsellor is not None:  # a deactivated account comes back
        counsellor.active = True
        counsellor.deactivated_at = None
        counsellor.role = invite.role
        counsellor.name = invite.name or counsellor.name
    else:
        counsellor = repos.counsellors.add(
            Counsellor(
                person_id=person.id,
                channel=person.channel,
                external_id_hash=person.external_id_hash,
                external_id=person.external_id,
                name=invite.name or "",
                role=invite.role,
                active=True,
                capacity=capacity,
                on_duty=False,
                roster_on=False,
                created_at=now,
            )
        )
    invite.redeemed_at = now
    invite.counsellor_id = counsellor.id
    _audit(uow, now, f"invite:{invite.id}", "counsellor.add", counsellor.id, "invitation redeemed")
    log.info("invitation redeemed", extra={"counsellor": counsellor.id, "invite": invite.id})
    return Redemption(counsellor, needs_name=not counsellor.name)
