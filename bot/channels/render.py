"""Plain-text rendering of replies and resolving typed answers to the buttons last shown."""

from __future__ import annotations

from services.nlu.text import clean, fold
from services.types import Button, Outbound


def render(message: Outbound) -> str:
    lines = [message.text]
    lines.extend(f"  [{i}] {button.label}" for i, button in enumerate(message.buttons, start=1))
    return "\n".join(lines)


def resolve_button(typed: str, buttons: tuple[Button, ...]) -> Button | None:
    """A typed number (1-based) or label (any case, with or without diacritics) picks a shown button."""
    wanted = clean(typed)
    if not wanted or not buttons:
        return None
    if wanted.isdigit():
        index = int(wanted)
        return buttons[index - 1] if 1 <= index <= len(buttons) else None
    folded = fold(wanted).strip(" .!")
    for button in buttons:
        if fold(button.label) == folded:
            return button
    return None
