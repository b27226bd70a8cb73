"""Masked forms of personal values for lists and the counsellor's card (`show` reveals them, audited)."""

from __future__ import annotations

from services.registration.parsers import display_phone

DELETED = "deleted at the person's request"


def mask_phone(e164: str | None) -> str:
    """0912345678 -> 0912***678."""
    if not e164:
        return ""
    digits = "".join(ch for ch in display_phone(e164) if ch.isdigit() or ch == "+")
    if len(digits) < 8:
        return "***"
    return f"{digits[:4]}***{digits[-3:]}"


def mask_name(name: str | None) -> str:
    """Nguyễn Văn Minh -> N*** V*** M***."""
    if not name:
        return ""
    return " ".join(word[:1] + "***" for word in name.split())


def mask_citizen_id(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 5) + value[-2:] if len(value) > 5 else "***"
