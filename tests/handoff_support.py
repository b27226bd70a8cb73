"""A multi-party test channel for the handoff: people and counsellors writing, every delivery collected."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from services.bootstrap import App
from services.clock import FakeClock
from services.handoff.feature import SCENARIO_COUNSELLORS
from services.types import Inbound, MessageKind, Outbound

_ids = itertools.count(1)
CHANNEL = "test"


@dataclass
class Party:
    """Everyone on one test channel; `last` holds what the latest action delivered, to anyone."""

    app: App
    delivered: list[Outbound] = field(default_factory=list)
    last: list[Outbound] = field(default_factory=list)

    def counsellor(self, user: str, name: str, **entry: Any) -> None:
        """Create a counsellor on duty (unless on_duty=False), as the simulator's `counsellors:` does."""
        self.app.extensions[SCENARIO_COUNSELLORS](CHANNEL, user, name, entry)

    def say(self, user: str, text: str) -> list[Outbound]:
        return self._send(Inbound(CHANNEL, user, f"h{next(_ids)}", self.app.clock.now(), text=text))

    def press(self, user: str, payload: str) -> list[Outbound]:
        inbound = Inbound(
            CHANNEL, user, f"h{next(_ids)}", self.app.clock.now(), payload=payload, kind=MessageKind.BUTTON
        )
        return self._send(inbound)

    def send(self, user: str, kind: MessageKind) -> list[Outbound]:
        return self._send(Inbound(CHANNEL, user, f"h{next(_ids)}", self.app.clock.now(), kind=kind))

    def consent(self, user: str) -> None:
        self.say(user, "/start")
        self.press(user, "consent:yes")

    def wait(self, delta: timedelta) -> list[Outbound]:
        cast(FakeClock, self.app.clock).advance(delta)
        self.app.run_due()
        self.last = []
        self.app.outbox.drain(CHANNEL, self._record, limit=10_000)
        return self.last

    def to(self, user: str) -> str:
        """Everything the latest action delivered to this user, joined."""
        return "\n".join(m.text for m in self.last if m.recipient == user)

    def buttons(self, user: str) -> list[str]:
        return [b.payload for m in self.last if m.recipient == user for b in m.buttons]

    def _send(self, inbound: Inbound) -> list[Outbound]:
        self.last = []
        for direct in self.app.dialogue.handle(inbound):
            self._record(direct)
        self.app.outbox.drain(CHANNEL, self._record, limit=10_000)
        return self.last

    def _record(self, message: Outbound) -> None:
        self.delivered.append(message)
        self.last.append(message)
