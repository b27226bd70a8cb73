"""Entity extraction from a gazetteer (annotated examples, synonyms, place names) and phonenumbers."""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

from services.nlu.base import Entity
from services.nlu.data import TrainingData
from services.nlu.text import fold
from services.nlu.vocab import entity_values, location_surfaces

# Folded forms of at most this length are too ambiguous without diacritics ("da" is đá, dạ and đã):
# they must match the lower-cased text exactly as annotated.
SHORT_SURFACE = 3
# Short drug slang that also is an everyday word needs a drug verb or noun just before it.
_DRUG_CONTEXT = re.compile(
    r"(?:choi|hit|hut|dung|xai|nghien|chich|bay|phe|ma tuy|hang|an|uong|sai|chơi|hít|hút|dùng|xài|nghiện|"
    r"chích|bay|phê|ma túy|hàng|ăn|uống|sài)\s+$"
)
_CONTEXT_REQUIRED = frozenset({"da", "đá", "ke", "co", "cỏ", "keo", "kẹo", "bong", "ice"})


class EntityExtractor:
    """Finds substance, relation, location and phone entities; values normalised to the contract."""

    def __init__(self, data: TrainingData) -> None:
        folded: dict[str, dict[str, str]] = {}
        exact: dict[str, dict[str, str]] = {}

        def add(entity: str, surface: str, value: str) -> None:
            allowed = entity_values(entity)
            if allowed is not None and value not in allowed:
                return
            key = fold(surface.strip())
            if not key:
                return
            if len(key) <= SHORT_SURFACE:
                exact.setdefault(entity, {})[surface.strip().lower()] = value
            else:
                folded.setdefault(entity, {})[key] = value

        for example in data.examples:
            for ent in example.entities:
                if ent.entity != "phone":
                    add(ent.entity, ent.surface, ent.value)
        for surface, value in data.synonyms.items():
            for entity in ("substance", "relation", "location"):
                allowed = entity_values(entity)
                if allowed is not None and value in allowed:
                    add(entity, surface, value)
        for surface, value in location_surfaces().items():
            add("location", surface, value)
        self._folded = {name: _compile(table) for name, table in folded.items()}
        self._exact = {name: _compile(table) for name, table in exact.items()}
        self._tables = {name: {**exact.get(name, {}), **table} for name, table in folded.items()}
        self._exact_tables = exact

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        lowered = text.lower()
        folded_text = fold(text)
        for name, pattern in self._folded.items():
            table = self._tables[name]
            for match in pattern.finditer(folded_text):
                found.append(Entity(name, table[match.group(1)], match.start(1), match.end(1)))
        for name, pattern in self._exact.items():
            table = self._exact_tables[name]
            for match in pattern.finditer(lowered):
                surface = match.group(1)
                if fold(surface) in _CONTEXT_REQUIRED or surface in _CONTEXT_REQUIRED:
                    before = lowered[max(0, match.start(1) - 12) : match.start(1)]
                    if not _DRUG_CONTEXT.search(before):
                        continue
                found.append(Entity(name, table[surface], match.start(1), match.end(1)))
        found.extend(_phones(text))
        return _without_overlaps(found)


def _compile(table: dict[str, str]) -> re.Pattern[str]:
    surfaces = sorted(table, key=len, reverse=True)
    alternation = "|".join(re.escape(s) for s in surfaces)
    return re.compile(rf"(?<!\w)({alternation})(?!\w)")


def _phones(text: str) -> Iterable[Entity]:
    try:
        matches = list(phonenumbers.PhoneNumberMatcher(text, "VN", leniency=phonenumbers.Leniency.VALID))
    except Exception:
        return []
    return [
        Entity(
            "phone",
            phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164),
            m.start,
            m.end,
        )
        for m in matches
    ]


def _without_overlaps(entities: list[Entity]) -> list[Entity]:
    """Keep the longest of overlapping spans, then order by position."""
    kept: list[Entity] = []
    for ent in sorted(entities, key=lambda e: (-(e.end - e.start), e.start)):
        if all(ent.end <= k.start or ent.start >= k.end for k in kept):
            kept.append(ent)
    return sorted(kept, key=lambda e: e.start)
