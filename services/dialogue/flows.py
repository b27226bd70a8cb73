"""The contract between the dialogue and the guided flows (consent, deletion, registration, relay, check-in)."""

from __future__ import annotations

from typing import Protocol

from services.dialogue.turn import Turn


class Flow(Protocol):
    """A multi-step conversation that owns the person's messages while it is active."""

    name: str

    def handle(self, turn: Turn) -> None:
        """Handle a message (text or button) that arrived while this flow is active."""

    def accepts_payload(self, payload: str) -> bool:
        """Whether a button payload belongs to this flow (other payloads of the flow's prefix are stale)."""
