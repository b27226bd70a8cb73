"""A person in after-care and their supporter: proposed, agreed by button, withdrawn at any time.

Nothing is shared before the person's "yes" (the assignment is `pending`); a person has at most one open
(pending or active) assignment; a supporter has a limit of people (pending ones count), which only `--force`
exceeds, with a warning.
"""

from __future__ import annotations

import logging
from datetime import datetime

from services.aftercare.repository import AftercareRepository, is_enrolled
from services.i18n import _
from services.messaging import send_message
from services.supporters import texts
from services.supporters.core import SupporterError, Supporters, audit
from services.supporters.repository import SupporterRepository
from storage.supporter_models import AssignmentStatus, Supporter, SupporterAssignment
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
COUNSELLOR_BY = "counsellor:"  # assigned_by of a counsellor's /assign: counsellor:<their person id>


def end_assignment(
    repo: SupporterRepository, assignment: SupporterAssignment, status: str, reason: str, now: datetime
) -> None:
    """The assignment ends; its alerts still open are closed (the supporter gets nothing more about the person)."""
    assignment.status = status
    assignment.ended_at = now
    assignment.end_reason = reason
    for alert in repo.open_alerts(assignment.id):
        alert.closed_at = now


def find_supporter(repo: SupporterRepository, ref: str) -> Supporter:
    """An active supporter by number."""
    supporter = repo.get(int(ref)) if ref.strip().isdigit() else None
    if supporter is None or not supporter.active:
        raise SupporterError(_("There is no active supporter number {ref}.").format(ref=ref.strip()))
    return supporter


def assign(
    sp: Supporters,
    uow: UnitOfWork,
    person_id: int,
    supporter: Supporter,
    now: datetime,
    *,
    by: str,
    proposer: str | None = None,
    label: str | None = None,
    force: bool = False,
) -> tuple[SupporterAssignment, str | None]:
    """Ask the person (buttons) whether to share with this supporter; returns the pending assignment and a
    warning when the supporter's limit was exceeded with `force`."""
    repo = SupporterRepository(uow.session)
    uow.people.lock(person_id)
    if not is_enrolled(AftercareRepository(uow.session).enrolment(person_id)):
        raise SupporterError(
            _("This person is not in the after-care check-ins, so a supporter cannot be assigned. /enrol offers them.")
        )
    current = repo.open_for_person(person_id)
    if current is not None and current.status == AssignmentStatus.ACTIVE:
        other = repo.get(current.supporter_id)
        raise SupporterError(
            _("This person already shares with {name}; they can stop that with /supporter first.").format(
                name=other.name if other else "?"
            )
        )
    supporter = repo.lock(supporter.id)
    if current is not None:  # an unanswered proposal is replaced by the new one
        end_assignment(repo, current, AssignmentStatus.ENDED, "replaced", now)
        uow.session.flush()
    load = repo.load().get(supporter.id, 0)
    capacity = sp.capacity_of(supporter)
    warning = None
    if load >= capacity:
        if not force:
            raise SupporterError(texts.over_capacity_text(supporter, load, capacity))
        warning = texts.forced_text(supporter, load, capacity)
    assignment = SupporterAssignment(
        person_id=person_id,
        supporter_id=supporter.id,
        status=AssignmentStatus.PENDING,
        label=(label or "").strip()[:60] or None,
        assigned_by=by[:64],
        created_at=now,
    )
    repo.add(assignment)
    send_message(uow, person_id, texts.consent_question(supporter, proposer), texts.consent_buttons(assignment.id), now)
    actor = by if not by.startswith(COUNSELLOR_BY) else f"counsellor-person:{by.removeprefix(COUNSELLOR_BY)}"
    audit(
        uow,
        now,
        actor,
        "supporter.assign",
        "person",
        person_id,
        f"supporter:{supporter.id}" + (" over capacity (--force)" if warning else ""),
    )
    log.info(
        "supporter proposed", extra={"assignment": assignment.id, "supporter": supporter.id, "forced": bool(warning)}
    )
    return assignment, warning


def answer(uow: UnitOfWork, person_id: int, assignment_id: int, agreed: bool, now: datetime) -> str:
    """The person's button (or `/supporter đồng ý|không`); returns what to say to them."""
    repo = SupporterRepository(uow.session)
    assignment = repo.assignment(assignment_id)
    if assignment is None or assignment.person_id != person_id or assignment.status != AssignmentStatus.PENDING:
        return texts.stale_question_text()
    supporter = repo.get(assignment.supporter_id)
    if supporter is None or not supporter.active:
        end_assignment(repo, assignment, AssignmentStatus.ENDED, "supporter_deactivated", now)
        return texts.stale_question_text()
    if agreed:
        assignment.status = AssignmentStatus.ACTIVE
        assignment.consent_at = now
        send_message(
            uow, supporter.person_id, texts.new_person_text(assignment), (texts.write_button(assignment),), now
        )
    else:
        end_assignment(repo, assignment, AssignmentStatus.DECLINED, "person", now)
    if assignment.assigned_by.startswith(COUNSELLOR_BY):
        proposer = assignment.assigned_by.removeprefix(COUNSELLOR_BY)
        if proposer.isdigit():
            send_message(uow, int(proposer), texts.assign_answer_text(assignment, supporter, agreed), (), now)
    log.info("supporter consent", extra={"assignment": assignment.id, "agreed": agreed})
    return texts.agreed_text(supporter) if agreed else texts.declined_text(supporter)


def withdraw(uow: UnitOfWork, person_id: int, now: datetime) -> str:
    """The person stops sharing (or declines the open question); returns what to say to them."""
    repo = SupporterRepository(uow.session)
    assignment = repo.open_for_person(person_id)
    if assignment is None:
        return texts.none_text()
    supporter = repo.get(assignment.supporter_id)
    was_active = assignment.status == AssignmentStatus.ACTIVE
    end_assignment(repo, assignment, AssignmentStatus.WITHDRAWN, "person", now)
    log.info("supporter sharing withdrawn", extra={"assignment": assignment.id})
    if supporter is None:
        return texts.none_text()
    if was_active and supporter.active:
        send_message(uow, supporter.person_id, texts.withdrawn_notice(assignment), (), now)
    return texts.withdrawn_text(supporter)


def erase(uow: UnitOfWork, person_id: int, now: datetime) -> None:
    """/delete: open assignments end (the supporter is told), labels and notes go; alert times stay as counts."""
    repo = SupporterRepository(uow.session)
    for assignment in repo.all_of_person(person_id):
        if assignment.status in (AssignmentStatus.PENDING, AssignmentStatus.ACTIVE):
            supporter = repo.get(assignment.supporter_id)
            if assignment.status == AssignmentStatus.ACTIVE and supporter is not None and supporter.active:
                assignment.label = None
                send_message(uow, supporter.person_id, texts.ended_notice(assignment), (), now)
            end_assignment(repo, assignment, AssignmentStatus.ENDED, "erasure", now)
        assignment.label = None
    for alert in repo.alerts_of_person(person_id):
        alert.note = None
