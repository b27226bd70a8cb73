"""Labels and small formats shared by the handoff's messages: outcomes, priorities, durations, masks."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import phonenumbers

from services.i18n import _, local_datetime
from services.nlu.text import fold
from storage.models import HandoffRequest

# Outcome codes (stored) in the order the buttons show them.
OUTCOMES = ("counselled", "registration", "facility", "emergency", "unreachable", "other")


def outcome_label(code: str | None) -> str:
    labels = {
        "counselled": _("Counselled"),
        "registration": _("Referred to registration"),
        "facility": _("Referred to a facility"),
        "emergency": _("Emergency"),
        "unreachable": _("Could not reach the person"),
        "other": _("Other"),
    }
    if code is None:
        return _("no outcome yet")
    return labels.get(code, code)


def parse_outcome(typed: str) -> str | None:
    """An outcome from its code, its label (with or without diacritics) or its 1-based number."""
    wanted = fold(typed).strip(" .!\"'")
    if not wanted:
        return None
    if wanted.isdigit() and 1 <= int(wanted) <= len(OUTCOMES):
        return OUTCOMES[int(wanted) - 1]
    for code in OUTCOMES:
        if wanted in (code, fold(outcome_label(code))):
            return code
    return None


def priority_label(request: HandoffRequest) -> str:
    if request.crisis:
        return _("URGENT (crisis)")
    if request.priority >= 90:
        return _("returning, front of the queue")
    if request.priority >= 50:
        return _("escalation")
    return _("normal")


def crisis_kind_label(kind: str) -> str:
    return {
        "suicide": _("suicide risk"),
        "overdose": _("overdose"),
        "violence": _("violence"),
    }.get(kind, kind)


def reason_label(reason: str) -> str:
    if reason.startswith("crisis_"):
        return _("crisis: {kind}").format(kind=crisis_kind_label(reason.removeprefix("crisis_")))
    return {
        "request": _("asked for a counsellor"),
        "misunderstood": _("the bot did not understand them"),
        "callback": _("asked to be called back"),
        "aftercare": _("after-care escalation"),
        "aftercare_relapse": _("after-care: reported using again"),
        "aftercare_craving": _("after-care: strong craving"),
        "aftercare_talk": _("after-care: asked to talk"),
        "aftercare_missed": _("after-care: check-ins missed"),
        "supporter_no_contact": _("after-care alert not marked as contacted by the supporter"),
    }.get(reason, reason)


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, math.floor((end - start).total_seconds() / 60))


def duration_text(delta: timedelta) -> str:
    minutes = max(0, math.floor(delta.total_seconds() / 60))
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    return _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)


def local_time(moment: datetime) -> str:
    """`07:00, Thứ Hai 23/11` in Asia/Ho_Chi_Minh."""
    return local_datetime(moment, "HH:mm, EEEE d/M")


def short_date(moment: datetime) -> str:
    return local_datetime(moment, "d/M HH:mm")


def normalise_phone(text: str) -> str | None:
    """A Vietnamese phone number in E.164, or None when the text holds no valid one."""
    for match in phonenumbers.PhoneNumberMatcher(text, "VN", leniency=phonenumbers.Leniency.VALID):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def mask(value: str | None, keep: int = 3) -> str:
    """`…678` for lists: enough to tell values apart, not enough to use them."""
    if not value:
        return ""
    return "…" + value[-keep:] if len(value) > keep else "…"


def media_label(kind: str) -> str:
    return {
        "photo": _("a photo"),
        "voice": _("a voice message"),
        "sticker": _("a sticker"),
        "video": _("a video"),
        "document": _("a file"),
        "location": _("a location"),
        "contact": _("a contact"),
    }.get(kind, _("a message of another kind"))
