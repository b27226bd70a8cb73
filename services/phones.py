"""Vietnamese phone numbers with phonenumbers: parse to E.164, show in the national format, mask for lists."""

from __future__ import annotations

import phonenumbers

REGION = "VN"


def to_e164(text: str, *, allow_unassigned: bool = False) -> str | None:
    """The number in `text` as E.164 (+84…), or None when it is not a Vietnamese phone number.

    A number must be valid (an assigned range) unless `allow_unassigned`, which accepts any number of a
    possible length: the sample directory uses the unassigned 0200 range so that nobody calls a real line.
    """
    candidate = text.strip()
    if not candidate or len(candidate) > 32 or sum(ch.isdigit() for ch in candidate) < 8:
        return None
    try:
        number = phonenumbers.parse(candidate, REGION)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != phonenumbers.country_code_for_region(REGION):
        return None
    ok = phonenumbers.is_possible_number(number) if allow_unassigned else phonenumbers.is_valid_number(number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if ok else None


def display(e164: str) -> str:
    """The national form people dial, e.g. 0912 345 678 (unassigned sample numbers too: 0200 000 001)."""
    number = phonenumbers.parse(e164, REGION)
    if phonenumbers.is_valid_number(number):
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    digits = "0" + str(number.national_number)
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"


def mask(e164: str) -> str:
    """A list-safe form that keeps only the last three digits: +84•••••678."""
    return e164[:3] + "•" * max(0, len(e164) - 6) + e164[-3:]
