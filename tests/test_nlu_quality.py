"""The embedded engine on the held-out set: the issue's targets, as regression floors (figures in bench/)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.crisis.detector import detect
from services.nlu.data import AnnotatedEntity, Example, load_paths
from services.nlu.embedded import EmbeddedNlu
from services.nlu.evaluate import evaluate
from services.nlu.text import strip_diacritics

HELD_OUT = Path(__file__).resolve().parent.parent / "nlu_data" / "tests"


def _stripped(examples: list[Example]) -> list[Example]:
    return [
        Example(
            strip_diacritics(e.text),
            e.intent,
            tuple(AnnotatedEntity(a.entity, a.value, a.start, a.end, strip_diacritics(a.surface)) for a in e.entities),
        )
        for e in examples
    ]


@pytest.fixture(scope="module")
def held_out() -> list[Example]:
    return load_paths([HELD_OUT]).examples


def test_intent_accuracy_with_and_without_diacritics(nlu: EmbeddedNlu, held_out: list[Example]) -> None:
    assert evaluate(nlu, held_out).accuracy >= 0.92
    assert evaluate(nlu, _stripped(held_out)).accuracy >= 0.88


def test_entity_f1(nlu: EmbeddedNlu, held_out: list[Example]) -> None:
    assert evaluate(nlu, held_out).entity_f1 >= 0.85


@pytest.mark.parametrize("strip", [False, True], ids=["diacritics", "no-diacritics"])
def test_every_crisis_is_caught_and_no_question_alarms(nlu: EmbeddedNlu, held_out: list[Example], strip: bool) -> None:
    examples = _stripped(held_out) if strip else held_out
    missed = [e.text for e in examples if e.intent.startswith("crisis_") and detect(e.text, nlu.parse(e.text)) is None]
    alarms = [
        e.text for e in examples if not e.intent.startswith("crisis_") and detect(e.text, nlu.parse(e.text)) is not None
    ]
    assert missed == []
    assert len(alarms) <= 2, alarms


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😀", "a" * 10_000, "12345678", "<b>hello</b> **world**", "ok let's go ăn cơm", "\x00\x1b[31m"],
)
def test_parse_never_raises_on_odd_input(nlu: EmbeddedNlu, text: str) -> None:
    result = nlu.parse(text)
    assert 0.0 <= result.intent.confidence <= 1.0
    assert result.text == text


def test_crisis_probe_written_apart_from_the_training_data(nlu: EmbeddedNlu) -> None:
    doc = yaml.safe_load((Path(__file__).parent / "data" / "crisis_probe.yml").read_text(encoding="utf-8"))
    missed, alarms = [], []
    for item in doc["nlu"]:
        for line in item["examples"].strip().splitlines():
            text = line[2:].strip()
            signal = detect(text, nlu.parse(text))
            if item["intent"] == "not_crisis" and signal is not None:
                alarms.append(text)
            elif item["intent"] != "not_crisis" and signal is None:
                missed.append(text)
    assert missed == []
    assert len(alarms) <= 3, alarms


BLIND = Path(__file__).resolve().parent / "data"


def test_blind_probe_intents(nlu: EmbeddedNlu) -> None:
    """Messages written by someone who never saw the training data: the accuracy the issue asks for holds."""
    probe = load_paths([BLIND / "blind_probe.yml"]).examples
    assert evaluate(nlu, probe).accuracy >= 0.92
    assert evaluate(nlu, _stripped(probe)).accuracy >= 0.88


@pytest.mark.parametrize("strip", [False, True], ids=["diacritics", "no-diacritics"])
def test_blind_probe_crises_and_near_misses(nlu: EmbeddedNlu, strip: bool) -> None:
    examples = load_paths([BLIND / "blind_probe.yml", BLIND / "blind_near_misses.yml"]).examples
    examples = _stripped(examples) if strip else examples
    missed = [e.text for e in examples if e.intent.startswith("crisis_") and detect(e.text, nlu.parse(e.text)) is None]
    alarms = [
        e.text for e in examples if not e.intent.startswith("crisis_") and detect(e.text, nlu.parse(e.text)) is not None
    ]
    assert missed == []
    assert len(alarms) <= 2, alarms
