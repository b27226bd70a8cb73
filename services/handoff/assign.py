"""`/accept`: exactly one counsellor wins each waiting person, and capacity is enforced.

PostgreSQL: the next person is claimed with SELECT … FOR UPDATE SKIP LOCKED, so two counsellors accepting at
once get two different people (or one gets nobody); a named request is locked and re-checked after the other
transaction commits. SQLite: every turn runs in a BEGIN IMMEDIATE transaction, so writers are serialised and
the second counsellor sees the first one's commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.handoff.core import Repos
from storage.models import HandoffRequest, HandoffStatus

MAX_SKIPS = 10


class ClaimResult(StrEnum):
    OK = "ok"
    EMPTY = "empty"  # nobody is waiting
    TAKEN = "taken"  # the named person was taken by someone else (or cancelled)
    BUSY = "busy"  # people are waiting, but each is being taken or is writing at this moment


@dataclass(frozen=True, slots=True)
class Claim:
    result: ClaimResult
    request: HandoffRequest | None = None


def claim(repos: Repos, request_id: int | None = None) -> Claim:
    """Lock a waiting request for the caller's transaction; the caller then starts the conversation."""
    if request_id is not None:
        return _claim_named(repos, request_id)
    skipped: list[int] = []
    for _attempt in range(MAX_SKIPS):
        request = repos.queue.claim_next(skipped)
        if request is None:
            break
        # The person's row is taken without waiting: one of their turns may be waiting for this request's lock.
        if repos.queue.lock_person(request.person_id, skip_locked=True) is not None:
            return Claim(ClaimResult.OK, request)
        skipped.append(request.id)
    return Claim(ClaimResult.BUSY if skipped or repos.queue.waiting_count() else ClaimResult.EMPTY)


def _claim_named(repos: Repos, request_id: int) -> Claim:
    seen = repos.queue.get(request_id)
    if seen is None or seen.status != HandoffStatus.WAITING:
        return Claim(ClaimResult.TAKEN)
    repos.queue.lock_person(seen.person_id)  # the person's row before the request's, like their own turns
    request = repos.queue.claim(request_id)  # waits for a concurrent claim, then re-checks the status
    return Claim(ClaimResult.OK, request) if request is not None else Claim(ClaimResult.TAKEN)


def lock_conversation(repos: Repos, request_id: int) -> HandoffRequest | None:
    """Lock the served person, then the request, before changing a conversation."""
    seen = repos.queue.get(request_id)
    if seen is None:
        return None
    repos.queue.lock_person(seen.person_id)
    return repos.queue.lock(request_id)
