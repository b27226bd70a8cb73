"""Supporter accounts: added by an administrator or through a one-time code (the counsellors' code), deactivated."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.handoff.accounts import code_hash, new_code
from services.i18n import _
from services.messaging import send_message
from services.supporters.alerts import forward_open
from services.supporters.assignments import end_assignment
from services.supporters.core import SupporterError, Supporters, audit
from services.supporters.repository import SupporterRepository
from services.supporters.texts import supporter_gone_text
from storage.models import Person
from storage.supporter_models import OPEN_ASSIGNMENT, AssignmentStatus, Supporter, SupporterInvite
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def _check(name: str, org: str, capacity: int | None) -> None:
    if not name.strip():
        raise SupporterError(_("The supporter's name is empty."))
    if not org.strip():
        raise SupporterError(_("The supporter's organisation is empty (e.g. Hội Phụ nữ xã …)."))
    if capacity is not None and capacity < 1:
        raise SupporterError(_("The limit of people must be at least 1."))


def add_supporter(
    uow: UnitOfWork,
    channel: str,
    external_id: str,
    name: str,
    org: str,
    commune: str,
    now: datetime,
    *,
    capacity: int | None = None,
    actor: str = "cli",
) -> Supporter:
    """Create the account (or reactivate a deactivated one) for a channel id."""
    _check(name, org, capacity)
    if not external_id.strip():
        raise SupporterError(_("The supporter's channel id is empty."))
    repo = SupporterRepository(uow.session)
    existing = repo.find(channel, external_id)
    if existing is not None and existing.active:
        raise SupporterError(_("Supporter {ref} already has this id.").format(ref=existing.id))
    if existing is not None:
        existing.active, existing.deactivated_at = True, None
        existing.name, existing.org, existing.commune, existing.capacity = name.strip(), org.strip(), commune, capacity
        audit(uow, now, actor, "supporter.reactivate", "supporter", existing.id, "")
        return existing
    person = uow.people.get_or_create(channel, external_id, now)
    supporter = _create(repo, person, name, org, commune, capacity, now)
    audit(uow, now, actor, "supporter.add", "supporter", supporter.id, "")
    log.info("supporter added", extra={"supporter": supporter.id})
    return supporter


def _create(
    repo: SupporterRepository, person: Person, name: str, org: str, commune: str, capacity: int | None, now: datetime
) -> Supporter:
    supporter = Supporter(
        person_id=person.id,
        channel=person.channel,
        external_id_hash=person.external_id_hash,
        external_id=person.external_id,
        name=name.strip(),
        org=org.strip(),
        commune=commune.strip(),
        capacity=capacity,
        active=True,
        created_at=now,
    )
    repo.add(supporter)
    return supporter


def create_invite(
    uow: UnitOfWork,
    now: datetime,
    *,
    name: str,
    org: str,
    commune: str,
    valid_for: timedelta,
    capacity: int | None = None,
    actor: str = "cli",
) -> str:
    """A new one-time code (shown once, stored as a keyed hash), redeemed with `/start CODE`."""
    _check(name, org, capacity)
    code, hashed = new_code()
    invite = SupporterInvite(
        code_hash=hashed,
        name=name.strip(),
        org=org.strip(),
        commune=commune.strip(),
        capacity=capacity,
        created_by=actor[:64],
        created_at=now,
        expires_at=now + valid_for,
    )
    SupporterRepository(uow.session).add(invite)
    audit(uow, now, actor, "supporter.invite", "supporter_invite", invite.id, "")
    return code


@dataclass(frozen=True, slots=True)
class Redemption:
    supporter: Supporter | None  # None: the code exists but is used or expired


def redeem(uow: UnitOfWork, person: Person, code: str, now: datetime) -> Redemption | None:
    """`/start CODE` of a supporter invitation; None when no such code exists."""
    repo = SupporterRepository(uow.session)
    invite = repo.invite_by_hash(code_hash(code))
    if invite is None:
        return None
    if invite.redeemed_at is not None or invite.expires_at <= now:
        return Redemption(None)
    supporter = repo.by_person(person.id)
    if supporter is not None:
        supporter.active, supporter.deactivated_at = True, None
        supporter.name, supporter.org, supporter.commune = invite.name, invite.org, invite.commune
        supporter.capacity = invite.capacity
    else:
        supporter = _create(repo, person, invite.name, invite.org, invite.commune, invite.capacity, now)
    invite.redeemed_at = now
    invite.supporter_id = supporter.id
    audit(uow, now, f"invite:{invite.id}", "supporter.add", "supporter", supporter.id, "invitation redeemed")
    log.info("supporter invitation redeemed", extra={"supporter": supporter.id, "invite": invite.id})
    return Redemption(supporter)


def deactivate(sp: Supporters, uow: UnitOfWork, supporter: Supporter, now: datetime, *, actor: str) -> int:
    """Close the account: open assignments end (people are told), unacknowledged alerts go to the counsellors.

    Returns how many assignments ended.
    """
    repo = SupporterRepository(uow.session)
    assignments = repo.of_supporter(supporter.id, tuple(OPEN_ASSIGNMENT))
    for assignment in assignments:
        uow.people.lock(assignment.person_id)
        forward_open(sp, uow, assignment, now, tell_supporter=False)
        was_active = assignment.status == AssignmentStatus.ACTIVE
        end_assignment(repo, assignment, AssignmentStatus.ENDED, "supporter_deactivated", now)
        if was_active:
            send_message(uow, assignment.person_id, supporter_gone_text(supporter), (), now)
    supporter.active = False
    supporter.deactivated_at = now
    audit(uow, now, actor, "supporter.deactivate", "supporter", supporter.id, "")
    log.info("supporter deactivated", extra={"supporter": supporter.id, "assignments": len(assignments)})
    return len(assignments)


def masked_id(supporter: Supporter) -> str:
    value = supporter.external_id
    return "•••" + value[-2:] if len(value) > 4 else "•••"
