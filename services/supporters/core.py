"""What every part of the supporters feature shares: settings, the event bus, hooks, audit rows, errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.aftercare.context import AftercareContext
from services.events import Events
from services.supporters.settings import SupporterSettings
from storage.models import AuditLog
from storage.supporter_models import Supporter
from storage.uow import UnitOfWork

AFTERCARE_CONTEXT = "aftercare.context"  # the after-care feature's AftercareContext (zone, hours, local dates)
SYSTEM = "system"


class SupporterError(ValueError):
    """A request that cannot be done; the message (translated) says why, for the CLI or the chat."""


@dataclass
class Supporters:
    settings: SupporterSettings
    events: Events
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def aftercare(self) -> AftercareContext:
        ctx: AftercareContext = self.extensions[AFTERCARE_CONTEXT]
        return ctx

    def capacity_of(self, supporter: Supporter) -> int:
        return supporter.capacity or self.settings.capacity


def audit(
    uow: UnitOfWork, now: datetime, actor: str, action: str, subject_type: str, subject_id: int | str, reason: str
) -> None:
    uow.audit.add(
        AuditLog(
            at=now,
            actor=actor[:64],
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            reason=reason,
        )
    )


def supporter_actor(supporter: Supporter) -> str:
    return f"supporter:{supporter.id}"
