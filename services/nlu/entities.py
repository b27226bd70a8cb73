"""Entity extraction: a gazetteer learned from the annotated examples, synonyms and place names, plus phones.

Matching runs on the folded text (lower case, no diacritics) so that text typed without diacritics is understood,
then a few rules keep precision: when the person did type diacritics they must agree with a known surface form
("bỏ đá" is not "bồ đà"), everyday words that double as drug slang need a drug context ("chơi đá", "hít ke"), and
kinship words that are also pronouns ("em", "con", "bạn") need a qualifier ("em trai", "con tôi", "bạn thân").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers

from services.nlu.base import Entity
from services.nlu.data import TrainingData
from services.nlu.text import fold
from services.nlu.vocab import entity_values, location_surfaces

# Drug slang that is also an everyday word: needs a drug word before it, or must open the message as its subject.
CONTEXT_REQUIRED = frozenset({"da", "co", "ke", "keo", "bong", "hang"})
# With diacritics these are unambiguous enough on a drug hotline ("đá", "cỏ"), except in these phrases.
TRUSTED_WITH_DIACRITICS = frozenset({"đá", "cỏ"})
_NOT_DRUG_AFTER = re.compile(r"^\s+(bong|banh|ga|cau|phat|penalty|dit|vao|cua|di)\b")
_NOT_DRUG_BEFORE = re.compile(r"(?<!\w)(nuoc|cuc|vien|hon|tang|soi|ban|cat|bai|nho|xe)\s+$")
_DRUG_BEFORE = re.compile(
    r"(?<!\w)(choi|hit|hut|dung|xai|sai|nghien|chich|bay|phe|ngao|them|cai|soc|bo|mua|ban|ship|cua|tuy|hang|"
    r"lo|tap|dinh|sa vao|ve|may|vien|thuoc|va|voi|hay|hoac|la)\s+$"
)
_SUBJECT_AFTER = re.compile(r"^\s+(co|la|gay|lam|thi|tac|anh|nguy|khac|nghien|de)\b")
# Kinship words that are also pronouns need one of these right after them.
_QUALIFIER_AFTER = re.compile(
    r"^\s+(toi|tui|em|minh|nha|cua|trai|gai|than|yeu|xa|anh|chi|con|ruot|ho|be|lon|ca|ut|nho|tao|t|e|a|c|chau|"
    r"ay|no|chong|vo|me|bo|ba)\b"
)
AMBIGUOUS_WITHOUT_DIACRITICS = frozenset({"bo da"})  # bồ đà (cannabis) or bỏ đá (quitting meth)
PRONOUN_RATIO = 0.6  # a one-word surface annotated in fewer of its occurrences than this needs a qualifier


@dataclass
class _Entry:
    value: str
    exact: set[str] = field(default_factory=set)  # lower-case surfaces as annotated (with their diacritics)
    needs_qualifier: bool = False


def _has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


class EntityExtractor:
    """Finds substance, relation, location and phone entities; values normalised to the contract."""

    def __init__(self, data: TrainingData) -> None:
        tables: dict[str, dict[str, _Entry]] = defaultdict(dict)
        annotated: Counter[tuple[str, str]] = Counter()

        def add(entity: str, surface: str, value: str) -> None:
            allowed = entity_values(entity)
            surface = surface.strip()
            key = fold(surface)
            if not key or (allowed is not None and value not in allowed):
                return
            entry = tables[entity].setdefault(key, _Entry(value))
            entry.exact.add(surface.lower())

        for example in data.examples:
            for ent in example.entities:
                if ent.entity != "phone":
                    add(ent.entity, ent.surface, ent.value)
                    annotated[(ent.entity, fold(ent.surface.strip()))] += 1
        for surface, value in data.synonyms.items():
            for entity in ("substance", "relation", "location"):
                allowed = entity_values(entity)
                if allowed is not None and value in allowed:
                    add(entity, surface, value)
        for surface, value in location_surfaces().items():
            add("location", surface, value)
            add("location", value, value)
        folded_texts = [fold(e.text) for e in data.examples]
        for (entity, key), count in annotated.items():
            entry = tables[entity][key]
            if entity == "relation" and " " not in key:
                occurrences = sum(len(re.findall(rf"(?<!\w){re.escape(key)}(?!\w)", t)) for t in folded_texts)
                entry.needs_qualifier = occurrences > 0 and count / occurrences < PRONOUN_RATIO
        self._tables = dict(tables)
        self._patterns = {name: _compile(table) for name, table in self._tables.items()}

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        lowered = text.lower()
        folded = fold(text)
        for name, pattern in self._patterns.items():
            table = self._tables[name]
            for match in pattern.finditer(folded):
                key = match.group(1)
                start, end = match.span(1)
                if self._accept(name, table[key], key, lowered[start:end], folded, start, end):
                    found.append(Entity(name, table[key].value, start, end))
        found.extend(_phones(text))
        return _without_overlaps(found)

    @staticmethod
    def _accept(name: str, entry: _Entry, key: str, original: str, folded: str, start: int, end: int) -> bool:
        typed_diacritics = _has_diacritics(original)
        if typed_diacritics and original not in entry.exact:
            return False  # the diacritics say it is another word ("chóng" is not "chồng")
        if not typed_diacritics and key in AMBIGUOUS_WITHOUT_DIACRITICS:
            return False
        before, after = folded[max(0, start - 16) : start], folded[end : end + 16]
        if name == "substance" and key in CONTEXT_REQUIRED:
            if original in TRUSTED_WITH_DIACRITICS:
                return not (_NOT_DRUG_AFTER.match(after) or _NOT_DRUG_BEFORE.search(before))
            return bool(_DRUG_BEFORE.search(before) or (not before.strip() and _SUBJECT_AFTER.match(after)))
        if name == "relation" and entry.needs_qualifier:
            return bool(_QUALIFIER_AFTER.match(after))
        return True


MIN_PHONE_DIGITS = 9  # a Vietnamese number has at least 9 digits after its 0 or +84


def _compile(table: dict[str, _Entry]) -> re.Pattern[str]:
    surfaces = sorted(table, key=len, reverse=True)
    alternation = "|".join(re.escape(s) for s in surfaces)
    return re.compile(rf"(?<!\w)({alternation})(?!\w)")


def _phones(text: str) -> Iterable[Entity]:
    if sum(map(str.isdigit, text)) < MIN_PHONE_DIGITS:
        return []  # the matcher is the costliest step; most messages have no number at all
    try:
        matches = list(phonenumbers.PhoneNumberMatcher(text, "VN", leniency=phonenumbers.Leniency.VALID))
    except Exception:  # a parser of free text must never take the turn down
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
