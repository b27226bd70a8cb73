"""Province and commune/ward of residence after the 2025 reorganisation (34 provinces, vietnam-provinces).

Typed text is matched without diacritics, with the common short forms and the names of merged provinces
(services.nlu.vocab), then by prefix and by closeness; several candidates become buttons to choose from.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward

from services.nlu.text import clean, fold
from services.nlu.vocab import location_surfaces, province_names, short_province_name

MAX_CHOICES = 8
SHORT_ALIAS = 3  # aliases this short ("hn", "sg") count only as the whole answer
FUZZY_CUTOFF = 0.8


@dataclass(frozen=True, slots=True)
class Place:
    code: int
    name: str  # the short official name: "Hồ Chí Minh", "Phường Bến Thành"


@dataclass(frozen=True, slots=True)
class Choices:
    """Several places fit the text: the person chooses (one choice: a guess to confirm)."""

    places: tuple[Place, ...]


@dataclass(frozen=True, slots=True)
class NoMatch:
    pass


PlaceMatch = Place | Choices | NoMatch
_PUNCT = re.compile(r"[^\w]+")
_PROVINCE_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp)\s+")
_WARD_PREFIX = re.compile(r"^(?:phuong|xa|dac khu|thi tran|p|x|tt)\s+")


def _norm(text: str) -> str:
    return _PUNCT.sub(" ", fold(clean(text))[:200]).strip()


@cache
def _provinces() -> dict[str, Place]:
    """Official short name -> place."""
    return {short_province_name(p.name): Place(int(p.code), short_province_name(p.name)) for p in Province.iter_all()}


def province_by_code(code: int) -> Place | None:
    return next((p for p in _provinces().values() if p.code == code), None)


def province_by_name(name: str) -> Place | None:
    return _provinces().get(name)


def match_province(text: str) -> PlaceMatch:
    norm = _norm(text)
    if not norm:
        return NoMatch()
    surfaces = location_surfaces()
    places = _provinces()
    for key in (norm, _PROVINCE_PREFIX.sub("", norm), norm.replace(" ", "")):
        if key in surfaces:
            return places[surfaces[key]]
    # A province named inside a longer answer ("tôi ở đà nẵng").
    padded = f" {norm} "
    named = {name for surface, name in surfaces.items() if len(surface) > SHORT_ALIAS and f" {surface} " in padded}
    if len(named) == 1:
        return places[named.pop()]
    if named:
        return _choices(places[n] for n in sorted(named))
    stripped = _PROVINCE_PREFIX.sub("", norm)
    if len(stripped) >= 2:
        starts = sorted({name for name in province_names() if fold(name).startswith(stripped)})
        if len(starts) == 1:
            return places[starts[0]]
        if 1 < len(starts) <= MAX_CHOICES:
            return _choices(places[n] for n in starts)
    long_surfaces = [s for s in surfaces if len(s) > SHORT_ALIAS]
    close = difflib.get_close_matches(stripped, long_surfaces, n=MAX_CHOICES, cutoff=FUZZY_CUTOFF)
    guesses = sorted({surfaces[s] for s in close})
    if guesses:
        return _choices(places[n] for n in guesses)
    return NoMatch()


@cache
def _wards(province_code: int) -> dict[str, list[Place]]:
    """Folded name without its type ("ben thanh") and with it ("phuong ben thanh") -> wards."""
    table: defaultdict[str, list[Place]] = defaultdict(list)
    for ward in Ward.iter_all():
        if int(ward.province_code) != province_code:
            continue
        place = Place(int(ward.code), " ".join(ward.name.split()))
        full = _norm(ward.name)
        short = _norm(ward.name.split(" ", 2)[-1] if ward.name.startswith("Đặc khu") else ward.name.split(" ", 1)[-1])
        for key in {full, short, short.replace(" ", "")}:
            table[key].append(place)
    return dict(table)


def ward_by_code(province_code: int, code: int) -> Place | None:
    for places in _wards(province_code).values():
        for place in places:
            if place.code == code:
                return place
    return None


def match_ward(text: str, province_code: int) -> PlaceMatch:
    table = _wards(province_code)
    norm = _norm(text)
    if not norm or not table:
        return NoMatch()
    wanted_type = norm.split(" ", 1)[0] if _WARD_PREFIX.match(norm) else None
    bare = _WARD_PREFIX.sub("", norm)
    for key in (norm, bare, bare.replace(" ", "")):
        if key in table:
            found = _typed(table[key], wanted_type)
            return found[0] if len(found) == 1 else _choices(found)
    if len(bare) >= 3:
        starts = _unique(p for key, places in table.items() if key.startswith(bare) for p in places)
        if len(starts) == 1:
            return starts[0]
        if 1 < len(starts) <= MAX_CHOICES:
            return _choices(starts)
    close = difflib.get_close_matches(bare, list(table), n=MAX_CHOICES, cutoff=FUZZY_CUTOFF)
    guesses = _unique(p for key in close for p in table[key])
    if guesses:
        return _choices(guesses[:MAX_CHOICES])
    return NoMatch()


def _typed(places: list[Place], wanted_type: str | None) -> list[Place]:
    kinds = {"p": "phuong", "x": "xa", "tt": "xa", "thi": "xa"}
    if wanted_type is None:
        return _unique(places)
    prefix = kinds.get(wanted_type, wanted_type)
    typed = [p for p in places if _norm(p.name).startswith(prefix)]
    return _unique(typed or places)


def _unique(places: Iterable[Place]) -> list[Place]:
    seen: dict[int, Place] = {}
    for place in places:
        seen.setdefault(place.code, place)
    return list(seen.values())


def _choices(places: Iterable[Place]) -> Choices:
    return Choices(tuple(_unique(places)))
