"""Reading Rasa 3.x NLU YAML (intents with annotated examples, synonyms, lookups, regexes)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# [surface]{"entity": "x", "value": "y"}  or  [surface](entity)
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\{(?P<json>[^}]*)\}|\((?P<name>[^)]+)\))")


@dataclass(frozen=True, slots=True)
class AnnotatedEntity:
    entity: str
    value: str
    start: int
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    entities: tuple[AnnotatedEntity, ...] = ()


@dataclass(slots=True)
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # surface (lower) -> value
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})

    def extend(self, other: TrainingData) -> None:
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        for name, items in other.lookups.items():
            self.lookups.setdefault(name, []).extend(items)
        for name, items in other.regexes.items():
            self.regexes.setdefault(name, []).extend(items)


def parse_example(raw: str, intent: str) -> Example:
    """Turn one annotated line into plain text plus entity spans."""
    plain: list[str] = []
    entities: list[AnnotatedEntity] = []
    cursor = 0
    length = 0
    for match in _ANNOTATION.finditer(raw):
        before = raw[cursor : match.start()]
        plain.append(before)
        length += len(before)
        surface = match.group("text")
        if match.group("json") is not None:
            spec: dict[str, Any] = json.loads("{" + match.group("json") + "}")
            name = str(spec["entity"])
            value = str(spec.get("value", surface))
        else:
            name = match.group("name")
            value = surface
        entities.append(AnnotatedEntity(name, value, length, length + len(surface), surface))
        plain.append(surface)
        length += len(surface)
        cursor = match.end()
    plain.append(raw[cursor:])
    return Example("".join(plain).strip(), intent, tuple(entities))


def _block_items(block: str | None) -> list[str]:
    if not block:
        return []
    items = []
    for line in block.splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            items.append(stripped[2:].strip())
    return items


def load_file(path: Path) -> TrainingData:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data = TrainingData()
    for item in document.get("nlu", []) or []:
        if "intent" in item:
            data.examples.extend(parse_example(raw, item["intent"]) for raw in _block_items(item.get("examples")))
        elif "synonym" in item:
            for surface in _block_items(item.get("examples")):
                data.synonyms[surface.lower()] = str(item["synonym"])
        elif "lookup" in item:
            data.lookups.setdefault(item["lookup"], []).extend(_block_items(item.get("examples")))
        elif "regex" in item:
            data.regexes.setdefault(item["regex"], []).extend(_block_items(item.get("examples")))
    return data


def load_paths(paths: Iterable[Path]) -> TrainingData:
    data = TrainingData()
    for path in paths:
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            data.extend(load_file(file))
    return data


def default_training_dir() -> Path:
    """The nlu_data/nlu folder shipped with the package."""
    return Path(str(resources.files("nlu_data").joinpath("nlu")))


def fingerprint(paths: Iterable[Path], extra: str = "") -> str:
    """A hash of the training files' contents (and anything else that changes the model)."""
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
