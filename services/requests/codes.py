"""Reference codes people can read over the phone: PA-7K3Q9P (no 0/O, 1/I/L; at least one digit)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

PREFIX = "PA"
# Digits and capitals that cannot be confused with each other when read aloud or typed on a phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
MAX_ATTEMPTS = 20
_BODY = "[2-9a-hjkmnp-z]"
# On folded (lower-case) text: "pa-7k3q9p", "PA 7K3Q9P", "pa7k3q9p"; the body holds a digit, so words are not codes.
CODE_PATTERN = re.compile(rf"(?<![a-z0-9])pa[\s\-_.:]?(?=[a-z]*[2-9])({_BODY}{{{LENGTH}}})(?![a-z0-9])", re.IGNORECASE)


def random_code() -> str:
    """A fresh code from the operating system's random source (secrets), with at least one digit."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if any(ch.isdigit() for ch in body):
            return f"{PREFIX}-{body}"


def new_code(taken: Callable[[str], bool]) -> str:
    """A code no request has yet (31^6 codes: a collision is rare, and retried)."""
    for _attempt in range(MAX_ATTEMPTS):
        code = random_code()
        if not taken(code):
            return code
    raise RuntimeError("could not find a free reference code")


def find_codes(text: str) -> list[str]:
    """Every reference code in a message, normalised to PA-XXXXXX, in order, without repeats."""
    found: list[str] = []
    for match in CODE_PATTERN.finditer(text):
        code = f"{PREFIX}-{match.group(1).upper()}"
        if code not in found:
            found.append(code)
    return found
