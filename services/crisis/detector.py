"""A high-recall crisis detector: the NLU's crisis intents plus an independent Vietnamese lexicon."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

import yaml

from services.nlu.base import ParseResult
from services.nlu.text import normalise_for_model


class CrisisKind(StrEnum):
    SUICIDE = "suicide"
    OVERDOSE = "overdose"
    VIOLENCE = "violence"


INTENT_KINDS = {
    "crisis_suicide": CrisisKind.SUICIDE,
    "crisis_overdose": CrisisKind.OVERDOSE,
    "crisis_violence": CrisisKind.VIOLENCE,
}

_TRAILING_PARTICLES = re.compile(
    r"(\s+(vay|a|ha|nhi|nhe|chi|anh|em|ban|ad|admin|oi|day|ta|bac si|bs|thoi|hihi|haha|chi oi|a oi|ad oi))+$"
)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The crisis phrases and the rules that keep questions and idioms quiet (services/crisis/lexicon.yml)."""

    patterns: dict[CrisisKind, re.Pattern[str]]
    exclusions: re.Pattern[str]
    near_miss: re.Pattern[str]
    past_or_general: re.Pattern[str]
    urgent: re.Pattern[str]
    urgent_unless_past: re.Pattern[str]


def _words(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)")


@cache
def lexicon() -> Lexicon:
    raw = yaml.safe_load(resources.files("services.crisis").joinpath("lexicon.yml").read_text(encoding="utf-8"))
    return Lexicon(
        patterns={CrisisKind(kind): _words(items) for kind, items in raw["patterns"].items()},
        exclusions=_words(raw["exclusions"]),
        near_miss=_words(raw["near_miss"]),
        past_or_general=_words(raw["past_or_general"]),
        urgent=_words(raw["urgent"]),
        urgent_unless_past=_words(raw["urgent_unless_past"]),
    )


NLU_CRISIS_THRESHOLD = 0.30


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    kind: CrisisKind
    detector: str  # "lexicon", "nlu" or "both"


# Look-alikes that only diacritics tell apart: typed with these diacritics they are harmless.
_HARMLESS_WITH_DIACRITICS = (
    (re.compile(r"\bđói (muốn |gần )?chết"), " doi_idiom "),  # "đói chết" (starving), not "đòi chết"
    (re.compile(r"\btừ từ\b"), " tu_tu "),  # "từ từ" (gradually), not "tự tử"
)


def _idioms_removed(text: str) -> str:
    lowered = text.lower()
    for pattern, replacement in _HARMLESS_WITH_DIACRITICS:
        lowered = pattern.sub(replacement, lowered)
    return lexicon().exclusions.sub(" ", normalise_for_model(lowered))


def lexicon_kind(text: str) -> CrisisKind | None:
    form = _idioms_removed(text)
    hits = [kind for kind, pattern in lexicon().patterns.items() if pattern.search(form)]
    if not hits:
        return None
    if _not_now(form):
        return None
    return hits[0]


def _not_now(form: str) -> bool:
    """A question about risks, the past or a study, with nothing saying it is happening now."""
    rules = lexicon()
    question = _TRAILING_PARTICLES.sub("", form)
    past = rules.past_or_general.search(form)
    if not (past or rules.near_miss.search(question)):
        return False
    if rules.urgent.search(form):
        return False
    return bool(past) or not rules.urgent_unless_past.search(form)


def detect(text: str, parse: ParseResult | None) -> CrisisSignal | None:
    """Decide whether a message is a crisis; biased towards recall."""
    by_lexicon = lexicon_kind(text)
    by_nlu: CrisisKind | None = None
    if parse is not None and not _not_now(_idioms_removed(text)):
        for score in parse.intent_ranking[:2] or (parse.intent,):
            kind = INTENT_KINDS.get(score.name)
            if kind is not None and score.confidence >= NLU_CRISIS_THRESHOLD:
                by_nlu = kind
                break
        if by_nlu is not None and not by_lexicon and _idioms_removed(text) != normalise_for_model(text):
            by_nlu = None  # the model heard "chết" in an idiom ("lo chết đi được")
    if by_lexicon and by_nlu:
        return CrisisSignal(by_lexicon, "both")
    if by_lexicon:
        return CrisisSignal(by_lexicon, "lexicon")
    if by_nlu:
        return CrisisSignal(by_nlu, "nlu")
    return None
