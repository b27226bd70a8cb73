"""The parse result every NLU engine returns, in Rasa's /model/parse shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

OUT_OF_SCOPE = "out_of_scope"
CRISIS_INTENTS = frozenset({"crisis_suicide", "crisis_overdose", "crisis_violence"})


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int
    extractor: str = "embedded"

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": self.extractor,
        }


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class ParseResult:
    text: str
    intent: IntentScore
    intent_ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = field(default_factory=tuple)

    def entity_values(self, name: str) -> list[str]:
        return [e.value for e in self.entities if e.entity == name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": round(self.intent.confidence, 4)},
            "intent_ranking": [{"name": s.name, "confidence": round(s.confidence, 4)} for s in self.intent_ranking],
            "entities": [e.to_dict() for e in self.entities],
        }


class NluEngine(Protocol):
    """Anything that turns a message into a ParseResult; never raises on odd input."""

    def parse(self, text: str) -> ParseResult: ...
