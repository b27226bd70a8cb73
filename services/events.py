"""A tiny in-process event bus: features react to each other's events inside the same transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Subscriber = Callable[..., None]


class Events:
    """Synchronous publish/subscribe; subscribers run in the publisher's transaction, in order."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, list[Subscriber]] = defaultdict(list)

    def subscribe(self, name: str, subscriber: Subscriber) -> None:
        self._subscribers[name].append(subscriber)

    def emit(self, name: str, **payload: Any) -> None:
        for subscriber in self._subscribers.get(name, []):
            subscriber(**payload)


# Event names used across features (payload keys in brackets).
HANDOFF_ENQUEUED = "handoff.enqueued"  # (uow, request, created: bool, now)
CRISIS_RECOGNISED = "crisis.recognised"  # (turn, signal)
REQUEST_SUBMITTED = "request.submitted"  # (uow, request: RequestView, now)
REQUEST_UPDATED = "request.updated"  # (uow, request: RequestView, actor, now)
HANDOFF_CLOSED = "handoff.closed"  # (uow, request, now): a conversation with a counsellor ended (outcome set or not)
AFTERCARE_ESCALATED = "aftercare.escalated"  # (uow, person_id, reason, now): relapse, craving ≥ level, talk, missed
