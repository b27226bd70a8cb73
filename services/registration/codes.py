"""Reference codes people can read aloud on the phone: DK- and six characters without look-alikes."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L, U/V: a code read over the phone or typed from a screenshot stays unambiguous.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 6
PREFIX = "DK-"
CODE_PATTERN = re.compile(rf"\bDK\s*[-–_ ]?\s*([{ALPHABET}{ALPHABET.lower()}]{{{LENGTH}}})\b", re.IGNORECASE)


def new_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def find_code(text: str) -> str | None:
    """The reference code in a message (any case, with or without the dash), normalised."""
    match = CODE_PATTERN.search(text[:500])
    return PREFIX + match.group(1).upper() if match else None
