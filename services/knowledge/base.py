"""Loading and choosing answers: text, legal basis, review date, entity variants and follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

MAX_ANSWER_CHARS = 700
CONTENT_PACKAGE = "services.knowledge"
CRISIS_FILE = "crisis.yml"


@dataclass(frozen=True, slots=True)
class Answer:
    intent: str
    title: str
    text: str
    legal_basis: str
    reviewed: date
    sources: tuple[str, ...] = ()
    more: str | None = None
    variants: dict[str, dict[str, str]] = field(default_factory=dict)
    followups: tuple[str, ...] = ()

    def text_for(self, entities: dict[str, list[str]]) -> str:
        """The most specific text for the entities the person mentioned (substance first, then relation)."""
        for entity in ("substance", "relation"):
            for value in entities.get(entity, []):
                variant = self.variants.get(entity, {}).get(value)
                if variant:
                    return variant.strip()
        return self.text.strip()


@dataclass(frozen=True, slots=True)
class CrisisText:
    kind: str
    text: str
    legal_basis: str
    reviewed: date


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _parse_answer(doc: dict[str, Any]) -> Answer:
    return Answer(
        intent=str(doc["intent"]),
        title=str(doc["title"]).strip(),
        text=str(doc["text"]).strip(),
        legal_basis=str(doc["legal_basis"]).strip(),
        reviewed=_as_date(doc["reviewed"]),
        sources=tuple(str(s) for s in doc.get("sources", []) or []),
        more=str(doc["more"]).strip() if doc.get("more") else None,
        variants={
            str(entity): {str(k): str(v).strip() for k, v in (table or {}).items()}
            for entity, table in (doc.get("variants") or {}).items()
        },
        followups=tuple(str(f) for f in doc.get("followups", []) or []),
    )


def content_dir() -> Path:
    return Path(str(resources.files(CONTENT_PACKAGE).joinpath("content")))


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    answers: dict[str, Answer]
    crisis: dict[str, CrisisText]

    def get(self, intent: str) -> Answer | None:
        return self.answers.get(intent)


def load_knowledge(directory: Path | None = None) -> KnowledgeBase:
    folder = directory or content_dir()
    answers: dict[str, Answer] = {}
    crisis: dict[str, CrisisText] = {}
    for path in sorted(folder.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == CRISIS_FILE:
            for kind, item in doc.items():
                crisis[str(kind)] = CrisisText(
                    kind=str(kind),
                    text=str(item["text"]).strip(),
                    legal_basis=str(item.get("legal_basis", "")).strip(),
                    reviewed=_as_date(item["reviewed"]),
                )
            continue
        answer = _parse_answer(doc)
        answers[answer.intent] = answer
    return KnowledgeBase(answers=answers, crisis=crisis)


@cache
def default_knowledge() -> KnowledgeBase:
    return load_knowledge()
