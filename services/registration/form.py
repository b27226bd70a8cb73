"""The half-filled form (kept encrypted in the draft): its fields, what is still missing, and its summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.i18n import _
from services.registration.labels import (
    contact_time_label,
    for_whom_label,
    form_label,
    representative_label,
    substances_text,
)
from services.registration.parsers import Birth, display_phone

# The questions, in the order they are asked; the representative only for someone under 18.
FIELDS = (
    "for_whom",
    "full_name",
    "birth",
    "rep_name",
    "rep_relation",
    "phone",
    "province",
    "ward",
    "substances",
    "treatment_form",
    "contact_time",
    "citizen_id",
    "note",
)
REPRESENTATIVE_FIELDS = ("rep_name", "rep_relation")
# Fields whose answer depends on another: changing the key asks these again.
DEPENDENT = {"province": ("ward",)}


@dataclass
class Form:
    """Answers so far (plain JSON) plus where the conversation is."""

    values: dict[str, Any] = field(default_factory=dict)
    suggestions: dict[str, Any] = field(default_factory=dict)  # said earlier in the conversation, to confirm
    meta: dict[str, Any] = field(default_factory=dict)  # consent time, pending choices, editing, paused…

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Form:
        return cls(dict(raw.get("values", {})), dict(raw.get("suggestions", {})), dict(raw.get("meta", {})))

    def to_json(self) -> dict[str, Any]:
        return {"values": self.values, "suggestions": self.suggestions, "meta": self.meta}

    @property
    def birth(self) -> Birth | None:
        raw = self.values.get("birth")
        return Birth.from_dict(raw) if isinstance(raw, dict) else None

    @property
    def minor(self) -> bool:
        birth = self.birth
        return birth is not None and birth.minor

    @property
    def for_self(self) -> bool:
        return self.values.get("for_whom") == "self"

    def applies(self, key: str) -> bool:
        return key not in REPRESENTATIVE_FIELDS or self.minor

    def missing(self) -> str | None:
        """The next question to ask, or None when the form is complete."""
        for key in FIELDS:
            if self.applies(key) and key not in self.values:
                return key
        return None

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value
        self.suggestions.pop(key, None)
        if key == "birth" and not self.minor:
            for rep in REPRESENTATIVE_FIELDS:
                self.values.pop(rep, None)

    def clear(self, key: str) -> None:
        """Forget an answer (and those that depend on it) so it is asked again."""
        self.values.pop(key, None)
        for dependent in DEPENDENT.get(key, ()):
            self.values.pop(dependent, None)


def birth_text(birth: Birth) -> str:
    if birth.kind == "date":
        born = date.fromisoformat(birth.value)
        return _("{date} ({age} years old)").format(date=born.strftime("%d/%m/%Y"), age=birth.age)
    if birth.kind == "year":
        return _("born in {year} (about {age} years old)").format(year=birth.value, age=birth.age)
    return _("{age} years old").format(age=birth.age)


def place_text(values: dict[str, Any]) -> str:
    province = values.get("province") or {}
    ward = values.get("ward") or {}
    if ward.get("name"):
        return f"{ward['name']}, {province.get('name', '')}"
    return _("{province} (commune/ward not sure yet)").format(province=province.get("name", ""))


def optional_text(value: str | None) -> str:
    return value if value else _("not given")


def summary_lines(form: Form) -> list[str]:
    """One line per answer, as the person gave them (their own chat: nothing is masked)."""
    v = form.values
    lines = [
        _("• Registering: {who}").format(who=for_whom_label(v.get("for_whom", ""))),
        _("• Full name: {name}").format(name=v.get("full_name", "")),
    ]
    if form.birth is not None:
        lines.append(_("• Date of birth / age: {birth}").format(birth=birth_text(form.birth)))
    if form.minor:
        lines.append(
            _("• Legal representative: {name} ({relation})").format(
                name=v.get("rep_name", ""), relation=representative_label(v.get("rep_relation", ""))
            )
        )
    lines += [
        _("• Phone: {phone}").format(phone=display_phone(v.get("phone", ""))),
        _("• Place of residence: {place}").format(place=place_text(v)),
        _("• Substances used: {substances}").format(substances=substances_text(v.get("substances", []))),
        _("• Preferred form: {form}").format(form=form_label(v.get("treatment_form", ""))),
        _("• Best time to call: {time}").format(time=contact_time_label(v.get("contact_time", ""))),
        _("• Citizen ID (CCCD): {cccd}").format(cccd=optional_text(v.get("citizen_id"))),
        _("• Note: {note}").format(note=optional_text(v.get("note"))),
    ]
    return lines
