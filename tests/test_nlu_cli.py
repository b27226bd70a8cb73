"""`hotline nlu parse` (Rasa's /model/parse shape) and `hotline nlu test --backend embedded|rasa`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli.main import main
from services.nlu.embedded import EmbeddedNlu
from services.nlu.rasa_env.server import free_port
from tests.fake_rasa import fake_rasa

SMALL_SET = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - xin chào bạn
    - chao ban
- intent: ask_drug_harm
  examples: |
    - [đá]{"entity": "substance", "value": "methamphetamine"} có hại gì không
"""


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nlu: EmbeddedNlu) -> Path:
    """The CLI with the session's trained embedded engine (no retraining per command)."""
    monkeypatch.setattr("services.bootstrap.load_embedded", lambda cache_dir: nlu)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HOTLINE_NLU_BACKEND", raising=False)
    file = tmp_path / "small.yml"
    file.write_text(SMALL_SET, encoding="utf-8")
    return file


def _check_rasa_shape(line: str, text: str) -> dict[str, object]:
    parsed = json.loads(line)
    assert set(parsed) == {"text", "intent", "intent_ranking", "entities"}
    assert parsed["text"] == text
    assert set(parsed["intent"]) == {"name", "confidence"}
    assert all(set(r) == {"name", "confidence"} for r in parsed["intent_ranking"])
    assert all({"entity", "value", "start", "end"} <= set(e) for e in parsed["entities"])
    return dict(parsed)


def test_parse_prints_rasa_json(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "con tôi nghiện đá phải làm sao"
    assert main(["nlu", "parse", text]) == 0
    parsed = _check_rasa_shape(capsys.readouterr().out.strip(), text)
    entities = parsed["entities"]
    assert isinstance(entities, list)
    found = [(e["entity"], e["value"], e["start"], e["end"]) for e in entities]
    assert ("substance", "methamphetamine", 15, 17) in found


def test_parse_reads_stdin_one_json_line_each(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("xin chào\n\ncảm ơn nhiều\n"))
    assert main(["nlu", "parse"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    for line, text in zip(lines, ["xin chào", "", "cảm ơn nhiều"], strict=True):
        _check_rasa_shape(line, text)


def test_parse_with_the_rasa_backend(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_rasa() as (url, state):
        monkeypatch.setenv("HOTLINE_RASA_URL", url)
        assert main(["nlu", "parse", "--backend", "rasa", "alo"]) == 0
    parsed = _check_rasa_shape(capsys.readouterr().out.strip(), "alo")
    assert parsed["intent"] == {"name": "greet", "confidence": 0.97}
    assert state.received == ["alo"]


def test_nlu_test_embedded_report(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nlu", "test", "--nlu", str(cli_env), "--backend", "embedded", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["backend"] == "embedded"
    assert report["total"] == 3
    assert report["fallbacks"] == {}
    assert {"accuracy", "macro_f1", "intents", "confusions", "entities"} <= set(report)
    assert main(["nlu", "test", "--nlu", str(cli_env)]) == 0
    out = capsys.readouterr().out
    assert "backend: embedded" in out and "intent accuracy" in out and "entity precision/recall/F1" in out


def test_nlu_test_against_rasa(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_rasa() as (url, state):
        monkeypatch.setenv("HOTLINE_RASA_URL", url)
        assert main(["nlu", "test", "--nlu", str(cli_env), "--backend", "rasa", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["backend"] == "rasa"
    assert len(state.received) == 3, "every example went to the Rasa server"
    # The stand-in always answers greet: 2 of 3 right, and the confusion is reported.
    assert report["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert report["confusions"] == [{"expected": "ask_drug_harm", "predicted": "greet", "count": 1}]


def test_nlu_test_refuses_to_score_the_fallback_as_rasa(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_RASA_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["nlu", "test", "--nlu", str(cli_env), "--backend", "rasa"]) == 2
    assert "hotline rasa serve" in capsys.readouterr().err


def test_nlu_test_flags_messages_that_fell_back(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_rasa() as (url, state):
        state.status = 500  # /status answers, /model/parse fails
        monkeypatch.setenv("HOTLINE_RASA_URL", url)
        assert main(["nlu", "test", "--nlu", str(cli_env), "--backend", "rasa"]) == 1
    assert "3 messages were parsed by the embedded fallback" in capsys.readouterr().out
