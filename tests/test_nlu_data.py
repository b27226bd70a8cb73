"""The training data is the one source for both engines: check it like CI checks code."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from services.nlu.data import load_paths
from services.nlu.text import clean
from services.nlu.vocab import entity_values
from tests.contract import CONTRACT_ENTITIES, CONTRACT_INTENTS

ROOT = Path(__file__).resolve().parent.parent
TRAIN = ROOT / "nlu_data" / "nlu"
HELD_OUT = ROOT / "nlu_data" / "tests"
E164_VN = re.compile(r"^\+84\d{9}$")


def _key(text: str) -> str:
    return clean(text).lower().strip(" .?!")


@pytest.fixture(scope="module")
def train() -> list:  # type: ignore[type-arg]
    return load_paths([TRAIN]).examples


def test_every_contract_intent_has_its_minimum(train: list) -> None:  # type: ignore[type-arg]
    counts = Counter(e.intent for e in train)
    for intent in CONTRACT_INTENTS:
        minimum = 60 if intent.startswith("crisis_") else 40
        assert counts[intent] >= minimum, f"{intent}: {counts[intent]} examples"
    assert set(counts) <= set(CONTRACT_INTENTS), f"unknown intents: {set(counts) - set(CONTRACT_INTENTS)}"


def test_no_duplicates_and_no_example_in_two_intents(train: list) -> None:  # type: ignore[type-arg]
    seen: dict[str, set[str]] = defaultdict(set)
    counts = Counter(_key(e.text) for e in train)
    for example in train:
        seen[_key(example.text)].add(example.intent)
    assert [k for k, n in counts.items() if n > 1] == []
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


def test_held_out_examples_are_not_in_training(train: list) -> None:  # type: ignore[type-arg]
    trained = {_key(e.text) for e in train}
    held_out = load_paths([HELD_OUT]).examples
    assert len(held_out) >= 400
    assert [e.text for e in held_out if _key(e.text) in trained] == []


def test_entity_values_are_contract_values() -> None:
    examples = load_paths([TRAIN, HELD_OUT]).examples
    for example in examples:
        for ent in example.entities:
            assert ent.entity in CONTRACT_ENTITIES, (example.text, ent)
            allowed = entity_values(ent.entity)
            if allowed is not None:
                assert ent.value in allowed, (example.text, ent)
            else:
                assert E164_VN.match(ent.value), (example.text, ent)
            assert example.text[ent.start : ent.end] == ent.surface


def test_files_are_rasa_3_yaml() -> None:
    for path in [*TRAIN.glob("*.yml"), *HELD_OUT.glob("*.yml")]:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert str(doc["version"]) == "3.1", path
        for item in doc["nlu"]:
            assert set(item) & {"intent", "synonym", "lookup", "regex"}, (path, item)
            assert "](" not in item.get("examples", "").replace("](http", ""), f"{path}: old entity syntax"
