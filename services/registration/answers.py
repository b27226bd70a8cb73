"""Reading the answer to each question of the form: buttons, typed words, the NLU's entities.

Each reader returns True when the answer was taken into the form, False when it already said what comes
next (places to choose from, substances chosen so far), or what was wrong (an Invalid, or None) for a kind re-ask.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from services.dialogue.turn import Turn
from services.i18n import LOCAL_TZ, _
from services.registration import prompts as p
from services.registration.form import Form
from services.registration.labels import CONTACT_TIMES, FOR_WHOM, FORMS, REPRESENTATIVES, SUBSTANCES
from services.registration.parsers import (
    FOR_WHOM_WORDS,
    FORM_WORDS,
    REPRESENTATIVE_WORDS,
    Invalid,
    Reason,
    folded_words,
    match_keywords,
    parse_birth,
    parse_citizen_id,
    parse_contact_time,
    parse_name,
    parse_note,
    parse_phone,
    parse_substances,
    says_unknown,
)
from services.registration.places import (
    Choices,
    NoMatch,
    Place,
    match_province,
    match_ward,
    province_by_code,
    ward_by_code,
)
from services.types import Button

Reader = Callable[[Turn, Form], bool | Invalid | None]
SKIP_ANSWERS = frozenset({"khong", "ko", "k", "khong co", "khong co gi", "bo qua", "skip", "thoi", "khong can"})


def province_of(form: Form) -> Place | None:
    raw = form.values.get("province")
    return province_by_code(int(raw["code"])) if isinstance(raw, dict) else None


def _take_for_whom(turn: Turn, form: Form) -> bool | None:
    value = payload_value(turn, p.WHO)
    if value is None and turn.payload is None:
        relations = [r for r in turn.parse.entity_values("relation") if r in FOR_WHOM]
        value = relations[0] if len(set(relations)) == 1 else match_keywords(turn.text, FOR_WHOM_WORDS)
    if value in FOR_WHOM:
        form.set("for_whom", value)
        return True
    return None


def _take_full_name(turn: Turn, form: Form) -> bool | Invalid:
    return _text_value(turn, form, "full_name", parse_name)


def _take_rep_name(turn: Turn, form: Form) -> bool | Invalid:
    return _text_value(turn, form, "rep_name", parse_name)


def _take_birth(turn: Turn, form: Form) -> bool | Invalid:
    today = turn.now.astimezone(LOCAL_TZ).date()
    result = parse_birth(turn.text, today) if turn.payload is None else Invalid(Reason.EMPTY)
    if isinstance(result, Invalid):
        return result
    form.set("birth", result.to_dict())
    return True


def _take_rep_relation(turn: Turn, form: Form) -> bool | None:
    return _choice(
        turn, form, "rep_relation", p.REL, REPRESENTATIVES, lambda text: match_keywords(text, REPRESENTATIVE_WORDS)
    )


def _take_phone(turn: Turn, form: Form) -> bool | Invalid:
    return _text_value(turn, form, "phone", parse_phone)


def _take_province(turn: Turn, form: Form) -> bool | None:
    return _place(turn, form, "province")


def _take_ward(turn: Turn, form: Form) -> bool | None:
    if turn.payload == p.WARD_UNKNOWN or (turn.payload is None and says_unknown(turn.text)):
        form.set("ward", None)
        return True
    return _place(turn, form, "ward")


def _place(turn: Turn, form: Form, key: str) -> bool | None:
    province = province_of(form)
    picked = payload_value(turn, p.PICK)
    if turn.payload == p.PICK_NONE:
        form.meta.pop("choices", None)
        turn.say(*p.question(form, key, province))
        return False
    if picked is not None:
        if picked.isdigit() and int(picked) in form.meta.get("choices", []):
            place = province_by_code(int(picked)) if key == "province" else None
            if key == "ward" and province is not None:
                place = ward_by_code(province.code, int(picked))
            if place is not None:
                form.meta.pop("choices", None)
                form.set(key, {"code": place.code, "name": place.name})
                return True
        form.meta.pop("choices", None)
        return None
    if turn.payload is not None:
        return None
    if key == "province":
        found = match_province(turn.text)
    else:
        found = match_ward(turn.text, province.code) if province else NoMatch()
    if isinstance(found, Place):
        form.set(key, {"code": found.code, "name": found.name})
        return True
    if isinstance(found, Choices):
        form.meta["choices"] = [c.code for c in found.places]
        text, buttons = p.choose_place(found.places)
        if key == "ward":
            buttons = (*buttons, Button(_("Not sure: staff will help"), p.WARD_UNKNOWN))
        turn.say(text, buttons)
        return False
    return None


def _take_substances(turn: Turn, form: Form) -> bool | None:
    chosen: list[str] = list(form.meta.get("substances", []))
    value = payload_value(turn, p.SUB)
    if turn.payload == p.SUB_UNKNOWN or (turn.payload is None and says_unknown(turn.text)):
        form.meta.pop("substances", None)
        form.set("substances", [])
        return True
    if turn.payload == p.SUB_DONE:
        form.meta.pop("substances", None)
        form.set("substances", chosen)
        return True
    if value in SUBSTANCES:
        if value not in chosen:
            chosen.append(value)
        form.meta["substances"] = chosen
        turn.say(*p.substances_so_far(chosen))
        return False
    if turn.payload is None:
        named = parse_substances(turn.text, turn.parse.entity_values("substance"))
        if named:
            form.meta.pop("substances", None)
            form.set("substances", chosen + [s for s in named if s not in chosen])
            return True
    return None


def _take_treatment_form(turn: Turn, form: Form) -> bool | None:
    return _choice(turn, form, "treatment_form", p.FORM, FORMS, lambda text: match_keywords(text, FORM_WORDS))


def _take_contact_time(turn: Turn, form: Form) -> bool | None:
    return _choice(turn, form, "contact_time", p.TIME, CONTACT_TIMES, parse_contact_time)


def _choice(
    turn: Turn, form: Form, key: str, prefix: str, allowed: Collection[str], read: Callable[[str], str | None]
) -> bool | None:
    """One of a few options: its button, or the typed words that name it."""
    value = payload_value(turn, prefix)
    if value is None and turn.payload is None:
        value = read(turn.text)
    if value in allowed:
        form.set(key, value)
        return True
    return None


def _take_citizen_id(turn: Turn, form: Form) -> bool | Invalid:
    if skipped(turn):
        form.set("citizen_id", "")
        return True
    return _text_value(turn, form, "citizen_id", parse_citizen_id)


def _take_note(turn: Turn, form: Form) -> bool | Invalid:
    if skipped(turn):
        form.set("note", "")
        return True
    return _text_value(turn, form, "note", parse_note)


def _text_value(turn: Turn, form: Form, key: str, parse: Callable[[str], str | Invalid]) -> bool | Invalid:
    if turn.payload is not None:
        return Invalid(Reason.EMPTY)
    value = parse(turn.text)
    if isinstance(value, Invalid):
        return value
    form.set(key, value)
    return True


def skipped(turn: Turn) -> bool:
    if turn.payload == p.SKIP:
        return True
    return turn.payload is None and folded_words(turn.text).strip() in SKIP_ANSWERS


def payload_value(turn: Turn, prefix: str) -> str | None:
    if turn.payload and turn.payload.startswith(prefix):
        return turn.payload[len(prefix) :]
    return None


TAKERS: dict[str, Reader] = {
    "for_whom": _take_for_whom,
    "full_name": _take_full_name,
    "rep_name": _take_rep_name,
    "birth": _take_birth,
    "rep_relation": _take_rep_relation,
    "phone": _take_phone,
    "province": _take_province,
    "ward": _take_ward,
    "substances": _take_substances,
    "treatment_form": _take_treatment_form,
    "contact_time": _take_contact_time,
    "citizen_id": _take_citizen_id,
    "note": _take_note,
}
