"""The answers operators edit: complete, cited, dated, short and current."""

from __future__ import annotations

import os
import re
from datetime import date

import pytest

from services.knowledge.base import MAX_ANSWER_CHARS, default_knowledge
from tests.contract import QUESTION_INTENTS

MAX_AGE_DAYS = int(os.environ.get("HOTLINE_CONTENT_MAX_AGE_DAYS", "365"))
TODAY = date.fromisoformat(os.environ.get("HOTLINE_CONTENT_TODAY", date.today().isoformat()))
OUTDATED = re.compile(r"LĐTBXH|Lao động.{0,5}Thương binh|\b(huyện|quận)\b", re.IGNORECASE)
PLACEHOLDER = re.compile(r"TODO|TBD|lorem|xxx|\{\w+\}", re.IGNORECASE)


def _texts(intent: str) -> list[str]:
    answer = default_knowledge().answers[intent]
    parts = [answer.text, *((answer.more and [answer.more]) or [])]
    parts.extend(v for table in answer.variants.values() for v in table.values())
    return parts


@pytest.mark.parametrize("intent", QUESTION_INTENTS)
def test_every_intent_has_a_cited_dated_answer(intent: str) -> None:
    answer = default_knowledge().get(intent)
    assert answer is not None, f"no answer for {intent}"
    assert answer.legal_basis
    assert (TODAY - answer.reviewed).days <= MAX_AGE_DAYS, f"{intent} was last reviewed {answer.reviewed}"
    for text in _texts(intent):
        assert len(text) <= MAX_ANSWER_CHARS
        assert not PLACEHOLDER.search(text), text
        assert not OUTDATED.search(text), f"{intent} names a pre-2025 agency or level"


def test_followups_are_known_intents() -> None:
    knowledge = default_knowledge()
    for answer in knowledge.answers.values():
        assert 0 < len(answer.followups) <= 3 or answer.intent in {"greet", "thank", "goodbye", "bot_challenge"}
        for followup in answer.followups:
            assert followup == "request_counsellor" or followup in knowledge.answers, (answer.intent, followup)


@pytest.mark.parametrize("kind", ["suicide", "overdose", "violence"])
def test_crisis_texts_give_numbers(kind: str) -> None:
    crisis = default_knowledge().crisis[kind]
    assert "0769.04.04.04" in crisis.text
    assert ("113" if kind == "violence" else "115") in crisis.text
    assert len(crisis.text) <= MAX_ANSWER_CHARS


def test_crisis_steps_promise_no_counsellor() -> None:
    """Whether a counsellor is on duty is said after the steps, from the roster; the steps never promise one."""
    promise = re.compile(r"tư vấn viên.{0,30}(kết nối|đang|ngay)|(đang|sẽ) (gọi|kết nối)", re.IGNORECASE)
    for kind, content in default_knowledge().crisis.items():
        assert not promise.search(content.text), kind


def test_answers_address_the_reader_as_the_interface_does() -> None:
    """One way of addressing people everywhere: "bạn", as the interface strings do (not "anh/chị")."""
    knowledge = default_knowledge()
    for intent, answer in knowledge.answers.items():
        texts = [answer.text, answer.more or "", *(v for table in answer.variants.values() for v in table.values())]
        assert not any("anh/chị" in text.lower() for text in texts), intent
    for kind, crisis in knowledge.crisis.items():
        assert "anh/chị" not in crisis.text.lower(), kind
