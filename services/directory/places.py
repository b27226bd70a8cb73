"""Official province and commune names after the 2025 reorganisation (vietnam-provinces), typed any way."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, ProvinceCode, Ward

from services.nlu.text import fold
from services.nlu.vocab import location_surfaces, short_province_name

_SPACES = re.compile(r"\s+")
_COMMUNE_PREFIXES = ("phuong ", "xa ", "dac khu ")


class PlaceError(ValueError):
    """A name that is not an official province or commune; the message says what to write instead."""


@dataclass(frozen=True, slots=True)
class Place:
    code: int
    name: str  # province: "Hồ Chí Minh"; commune: "Phường Bến Thành"


def _key(text: str) -> str:
    return _SPACES.sub(" ", fold(text)).strip()


def bare_key(commune: str) -> str:
    """A commune's folded name without its "Phường"/"Xã"/"Đặc khu": "ben thanh"."""
    full = _key(commune)
    return next((full[len(p) :] for p in _COMMUNE_PREFIXES if full.startswith(p)), full)


def _province(p: Province) -> Place:
    return Place(int(p.code), short_province_name(p.name))


@cache
def provinces() -> tuple[Place, ...]:
    return tuple(_province(p) for p in Province.iter_all())


@cache
def _provinces_by_key() -> dict[str, Place]:
    table: dict[str, Place] = {}
    for p in Province.iter_all():
        place = _province(p)
        for form in (place.name, p.name, f"tỉnh {place.name}", f"tp {place.name}", f"tp. {place.name}"):
            table[_key(form)] = place
            table[_key(form).replace(" ", "")] = place
    return table


def province_by_code(code: int) -> Place | None:
    return next((p for p in provinces() if p.code == code), None)


def province_by_name(name: str) -> Place | None:
    """The official name exactly as the NLU's `location` entity gives it."""
    return _provinces_by_key().get(_key(name))


def resolve_province(text: str) -> Place:
    """An official province name, with or without diacritics or "Tỉnh"/"Thành phố"; errors say what to write."""
    key = _key(text)
    place = _provinces_by_key().get(key)
    if place is not None:
        return place
    official = location_surfaces().get(key)
    if official is not None:
        raise PlaceError(f"{text!r} is not an official province name since the 2025 reorganisation: write {official!r}")
    close = difflib.get_close_matches(key, [_key(p.name) for p in provinces()], n=1, cutoff=0.75)
    hint = f" (did you mean {next(p.name for p in provinces() if _key(p.name) == close[0])!r}?)" if close else ""
    raise PlaceError(f"{text!r} is not one of the 34 provinces and cities{hint}")


@cache
def _communes(province_code: int) -> dict[str, list[Place]]:
    """Folded full name ("phuong ben thanh") and bare name ("ben thanh") → the communes with it."""
    table: dict[str, list[Place]] = {}
    for ward in Ward.iter_by_province(ProvinceCode(province_code)):
        place = Place(int(ward.code), _SPACES.sub(" ", ward.name).strip())
        for key in {_key(place.name), bare_key(place.name)}:
            table.setdefault(key, []).append(place)
    return table


def communes(province_code: int) -> tuple[Place, ...]:
    seen = {place for places in _communes(province_code).values() for place in places}
    return tuple(sorted(seen, key=lambda p: p.code))


def resolve_commune(province: Place, text: str) -> Place:
    """A commune (xã, phường, đặc khu) of the province, with or without its prefix and diacritics."""
    key = _key(text)
    found = _communes(province.code).get(key, [])
    typed = _SPACES.sub(" ", text.lower()).strip()
    if len(found) > 1 and typed != key:  # "Thanh An" and "Thạnh An" fold alike: the marks as typed decide
        found = [p for p in found if typed in (p.name.lower(), p.name.lower().split(" ", 1)[1])] or found
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        choices = " or ".join(repr(p.name) for p in found)
        raise PlaceError(f"{text!r} is ambiguous in {province.name}: write {choices}")
    elsewhere = [p.name for p in provinces() if p.code != province.code and key in _communes(p.code)]
    if elsewhere:
        raise PlaceError(f"{text!r} is not a commune of {province.name} (it is in {', '.join(elsewhere)})")
    raise PlaceError(
        f"{text!r} is not a commune (xã, phường, đặc khu) of {province.name} after the 2025 reorganisation"
    )


@cache
def _surfaces() -> re.Pattern[str]:
    names = sorted(location_surfaces(), key=len, reverse=True)
    return re.compile(rf"(?<!\w)({'|'.join(re.escape(n) for n in names)})(?!\w)")


def find_province_in_text(text: str) -> Place | None:
    """The province a person names in free text ("tp hcm", "da nang", "Sài Gòn"): the longest name found."""
    found = [m.group(1) for m in _surfaces().finditer(_key(text))]
    if not found:
        return None
    return province_by_name(location_surfaces()[max(found, key=len)])
