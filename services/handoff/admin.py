"""Administration that changes the desk: deactivating an account, setting the roster, scenario counsellors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from services.clock import Clock
from services.handoff.accounts import AccountError, add_counsellor
from services.handoff.assign import lock_conversation
from services.handoff.conversation import requeue
from services.handoff.core import Handoff, OutboxMessenger, Repos
from services.handoff.roster import RosterError, ShiftSpec, shift_specs
from services.i18n import _
from storage.handoff_models import Counsellor, NoteKind, RosterShift
from storage.models import AuditLog, HandoffStatus
from storage.uow import UnitOfWork


def deactivate(h: Handoff, uow: UnitOfWork, counsellor: Counsellor, now: datetime, actor: str = "cli") -> int:
    """Close the account: its open conversations go back to the front of the queue. Returns how many."""
    repos = Repos(uow)
    msg = OutboxMessenger(uow, now)
    moved = 0
    for open_request in repos.counsellors.open_requests(counsellor.id):
        request = lock_conversation(repos, open_request.id)
        if request is None or request.status != HandoffStatus.ACTIVE:
            continue
        requeue(
            h,
            repos,
            msg,
            None,
            request,
            now,
            note=_("Back in the queue: {name} is no longer a counsellor here.").format(name=counsellor.name),
            note_kind=NoteKind.SYSTEM,
            by=None,
            detail="deactivated",
        )
        moved += 1
    state = uow.states.get_or_create(counsellor.person_id, now)  # a pending desk input would linger otherwise
    state.flow, state.step, state.data = None, None, "{}"
    counsellor.active = False
    counsellor.on_duty = False
    counsellor.roster_on = False
    counsellor.current_request_id = None
    counsellor.deactivated_at = now
    uow.audit.add(
        AuditLog(
            at=now,
            actor=actor,
            action="counsellor.deactivate",
            subject_type="counsellor",
            subject_id=str(counsellor.id),
            reason=f"{moved} conversations requeued",
        )
    )
    return moved


def _rows(repos: Repos, specs: Sequence[ShiftSpec]) -> tuple[set[int], list[RosterShift]]:
    ids: set[int] = set()
    rows: list[RosterShift] = []
    for spec in specs:
        counsellor = repos.counsellors.find(spec.channel, spec.external_id)
        if counsellor is None or not counsellor.active:
            raise RosterError(f"no active counsellor has the {spec.channel} id given in the roster")
        ids.add(counsellor.id)
        rows.append(
            RosterShift(
                counsellor_id=counsellor.id,
                weekday=spec.weekday,
                start_minute=spec.start_minute,
                end_minute=spec.end_minute,
            )
        )
    return ids, rows


def set_roster(uow: UnitOfWork, specs: Sequence[ShiftSpec], now: datetime, actor: str = "cli") -> int:
    """Replace the whole weekly roster (checked first: one unknown counsellor and nothing changes)."""
    repos = Repos(uow)
    _ids, rows = _rows(repos, specs)
    everyone = [c.id for c in repos.counsellors.all()]
    repos.counsellors.replace_shifts(everyone, rows)
    uow.audit.add(
        AuditLog(at=now, actor=actor, action="roster.set", subject_type="roster", subject_id="all", reason=None)
    )
    return len(rows)


def add_shifts(uow: UnitOfWork, specs: Sequence[ShiftSpec], now: datetime, actor: str = "cli") -> int:
    """Add shifts to the roster, keeping the others."""
    repos = Repos(uow)
    ids, rows = _rows(repos, specs)
    repos.counsellors.replace_shifts([], rows)
    for counsellor_id in sorted(ids):
        uow.audit.add(
            AuditLog(at=now, actor=actor, action="roster.add", subject_type="counsellor", subject_id=str(counsellor_id))
        )
    return len(rows)


def scenario_counsellors(
    h: Handoff, uow_factory: Callable[[], UnitOfWork], clock: Clock
) -> Callable[[str, str, str, dict[str, Any]], None]:
    """The simulator's `counsellors:` hook: the account, its shifts, and on duty unless `on_duty: false`.

    Entry keys: `role`, `capacity`, `on_duty` (default true), `shifts: [{days, start, end}]`.
    """

    def create(channel: str, external_id: str, name: str, entry: dict[str, Any]) -> None:
        now = clock.now()
        with uow_factory() as uow:
            try:
                counsellor = add_counsellor(
                    uow,
                    channel,
                    external_id,
                    name,
                    now,
                    role=str(entry.get("role", "counsellor")),
                    capacity=int(entry.get("capacity", h.settings.capacity)),
                    actor="scenario",
                )
                specs = [
                    s
                    for shift in entry.get("shifts") or []
                    for s in shift_specs(shift, channel=channel, external_id=external_id)
                ]
            except (AccountError, RosterError) as exc:
                raise ValueError(f"counsellor {external_id}: {exc}") from exc
            if specs:
                add_shifts(uow, specs, now, actor="scenario")
            if entry.get("on_duty", True):
                counsellor.on_duty = True
                counsellor.duty_changed_at = now
            uow.commit()

    return create
