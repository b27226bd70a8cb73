"""The Rasa HTTP backend against a stand-in server: mapping to the contract, and the per-message fallback."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
import pytest

from services.bootstrap import build_app, build_nlu
from services.clock import FakeClock
from services.logging_setup import JsonFormatter
from services.nlu.embedded import EmbeddedNlu
from services.nlu.rasa import FALLBACK_EVENT, RasaNlu, failure_reason, normalise_value
from services.nlu.rasa_env.server import free_port
from tests.conftest import START, make_settings
from tests.fake_rasa import fake_rasa
from tests.helpers import Chat, texts

SECRET = "con tôi nghiện đá ở Sài Gòn, số 0912 345 678"


def _fallback_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == FALLBACK_EVENT]


def _assert_no_text_in_logs(caplog: pytest.LogCaptureFixture, text: str) -> None:
    formatted = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    for piece in (text, "0912", "nghiện", "Sài Gòn"):
        assert piece not in formatted


def test_rasa_answer_is_mapped_to_the_contract(nlu: EmbeddedNlu) -> None:
    with fake_rasa() as (url, state):
        state.answer = {
            "intent": {"name": "register_treatment", "confidence": 0.91},
            "intent_ranking": [
                {"name": "register_treatment", "confidence": 0.91},
                {"name": "ask_registration_procedure", "confidence": 0.05},
            ],
            "entities": [
                {"entity": "relation", "value": "child", "start": 0, "end": 7, "extractor": "DIETClassifier"},
                # DIET's raw surface values: normalised to the contract
                {"entity": "substance", "value": "đá", "start": 15, "end": 17, "extractor": "DIETClassifier"},
                {"entity": "location", "value": "Sài Gòn", "start": 20, "end": 27, "extractor": "DIETClassifier"},
                {"entity": "phone", "value": "0912 345 678", "start": 32, "end": 44, "extractor": "DIETClassifier"},
                {"entity": "not_in_contract", "value": "x", "start": 0, "end": 1},
            ],
        }
        engine = RasaNlu(url, nlu)
        result = engine.parse(SECRET)
        engine.close()
    assert state.received == [SECRET]
    assert result.text == SECRET
    assert (result.intent.name, result.intent.confidence) == ("register_treatment", 0.91)
    assert [s.name for s in result.intent_ranking] == ["register_treatment", "ask_registration_procedure"]
    assert [(e.entity, e.value, e.start, e.end) for e in result.entities] == [
        ("relation", "child", 0, 7),
        ("substance", "methamphetamine", 15, 17),
        ("location", "Hồ Chí Minh", 20, 27),
        ("phone", "+84912345678", 32, 44),
    ]
    assert {e.extractor for e in result.entities} == {"DIETClassifier"}
    assert engine.fallbacks == {}
    as_json = result.to_dict()
    assert set(as_json) == {"text", "intent", "intent_ranking", "entities"}
    assert set(as_json["entities"][0]) >= {"entity", "value", "start", "end"}


def test_an_entity_value_that_cannot_be_normalised_is_dropped(nlu: EmbeddedNlu) -> None:
    with fake_rasa() as (url, state):
        state.answer = {
            "intent": {"name": "ask_drug_harm", "confidence": 0.8},
            "entities": [{"entity": "substance", "value": "bánh", "start": 0, "end": 4}],
        }
        result = RasaNlu(url, nlu).parse("bánh có hại không")
    assert result.intent.name == "ask_drug_harm"
    assert result.entities == ()


def test_normalise_value() -> None:
    assert normalise_value("substance", "heroin", "hàng trắng") == "heroin"
    assert normalise_value("location", "hcm", "HCM") == "Hồ Chí Minh"
    assert normalise_value("location", "Hà Nội", "ha noi") == "Hà Nội"
    assert normalise_value("phone", "0987.654.321", "0987.654.321") == "+84987654321"
    assert normalise_value("phone", "12345", "12345") is None
    assert normalise_value("relation", "mẹ", "mẹ") is None


@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        ({"status": 500}, "http_status"),
        ({"status": 404}, "http_status"),
        ({"raw_body": b"<html>not json</html>"}, "bad_response"),
        ({"raw_body": b'{"entities": []}'}, "bad_response"),
        ({"raw_body": b'{"intent": {"name": "greet", "confidence": "high"}}'}, "bad_response"),
        ({"delay_s": 2.0}, "timeout"),
    ],
)
def test_a_failing_server_falls_back_for_that_message(
    nlu: EmbeddedNlu, caplog: pytest.LogCaptureFixture, breakage: dict[str, object], reason: str
) -> None:
    caplog.set_level(logging.WARNING, logger="services.nlu.rasa")
    with fake_rasa() as (url, state):
        for key, value in breakage.items():
            setattr(state, key, value)
        engine = RasaNlu(url, nlu, timeout_ms=200)
        started = time.monotonic()
        result = engine.parse(SECRET)
        elapsed = time.monotonic() - started
        # The next message goes to Rasa again: the fallback was for that message only.
        for key in breakage:
            setattr(state, key, {"status": 200, "raw_body": None, "delay_s": 0.0}[key])
        after = engine.parse("xin chào")
    assert result == nlu.parse(SECRET)
    assert engine.fallbacks == {reason: 1}
    assert after.intent.name == "greet" and after.intent.confidence == 0.97
    if reason == "timeout":
        assert elapsed < 1.5, "the configured timeout, not the server's delay, bounds the wait"
    records = _fallback_records(caplog)
    assert [getattr(r, "reason", None) for r in records] == [reason]
    _assert_no_text_in_logs(caplog, SECRET)


def test_a_stopped_server_falls_back(nlu: EmbeddedNlu, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="services.nlu.rasa")
    engine = RasaNlu(f"http://127.0.0.1:{free_port()}", nlu)
    assert engine.parse(SECRET) == nlu.parse(SECRET)
    assert engine.parse("cảm ơn") == nlu.parse("cảm ơn")
    assert engine.fallbacks == {"unreachable": 2}
    assert [getattr(r, "reason", None) for r in _fallback_records(caplog)] == ["unreachable", "unreachable"]
    _assert_no_text_in_logs(caplog, SECRET)


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "12345", "!!! ???", "\u200b"])
def test_text_without_letters_never_goes_to_the_server(nlu: EmbeddedNlu, text: str) -> None:
    with fake_rasa() as (url, state):
        result = RasaNlu(url, nlu).parse(text)
    assert state.received == []
    assert result == nlu.parse(text)


def test_long_text_is_cut_for_the_server_but_kept_whole(nlu: EmbeddedNlu) -> None:
    text = "con tôi nghiện đá " * 600
    with fake_rasa() as (url, state):
        result = RasaNlu(url, nlu).parse(text)
    assert len(state.received[0]) <= 600
    assert result.text == text


def test_failure_reasons() -> None:
    request = httpx.Request("POST", "http://x/model/parse")
    assert failure_reason(httpx.ReadTimeout("slow", request=request)) == "timeout"
    assert failure_reason(httpx.ConnectError("refused", request=request)) == "unreachable"
    response = httpx.Response(503, request=request)
    assert failure_reason(httpx.HTTPStatusError("503", request=request, response=response)) == "http_status"
    assert failure_reason(ValueError("bad json")) == "bad_response"
    assert failure_reason(RuntimeError("?")) == "error"


def test_build_nlu_wires_the_rasa_backend(tmp_path: Path, nlu: EmbeddedNlu, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.bootstrap.load_embedded", lambda cache_dir: nlu)
    with fake_rasa() as (url, _):
        settings = make_settings(tmp_path, "sqlite://", nlu_backend="rasa", rasa_url=url, rasa_timeout_ms=250)
        engine = build_nlu(settings)
        assert isinstance(engine, RasaNlu)
        assert engine.url == url
        assert engine.parse("chào").intent.name == "greet"
    assert build_nlu(make_settings(tmp_path, "sqlite://")) is nlu


def test_the_dialogue_keeps_answering_when_rasa_is_down(
    tmp_path: Path, nlu: EmbeddedNlu, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="services.nlu.rasa")
    down = RasaNlu(f"http://127.0.0.1:{free_port()}", nlu)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'h.sqlite3'}", nlu_backend="rasa")
    app_down = build_app(settings, clock=FakeClock(START), nlu=down)
    settings_local = make_settings(tmp_path, f"sqlite:///{tmp_path / 'l.sqlite3'}")
    app_local = build_app(settings_local, clock=FakeClock(START), nlu=nlu)
    try:
        replies = []
        for app in (app_down, app_local):
            chat = Chat(app)
            chat.consent()
            replies.append(texts(chat.say("con toi nghien da thi phai lam sao")))
    finally:
        app_down.close()
        app_local.close()
    assert replies[0] and replies[0] == replies[1], "the fallback answers exactly as the embedded engine would"
    assert down.fallbacks["unreachable"] >= 1
    assert _fallback_records(caplog)
