"""Nothing a person types in the registration scenarios reaches the logs (ids and event names only)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import yaml

from bot.simulator import Simulator, format_transcript, load_scenario, scenario_start
from services.bootstrap import build_app
from services.clock import FakeClock
from services.logging_setup import JsonFormatter
from services.nlu.embedded import EmbeddedNlu
from services.registration.parsers import parse_phone
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("registration_*.yml"))


def _typed(path: Path) -> set[str]:
    """What the people of a scenario type (not commands), and the phone numbers in their stored form."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    said = {str(step["say"]) for step in doc["steps"] if isinstance(step, dict) and "say" in step}
    typed = {s for s in said if not s.startswith("/") and len(s.strip()) >= 5}
    typed |= {phone for s in said if isinstance(phone := parse_phone(s), str)}
    return typed


def test_registration_scenarios_leave_nothing_typed_in_the_logs(tmp_path: Path, nlu: EmbeddedNlu) -> None:
    """Each scenario on a fresh SQLite database (what reaches the logs does not depend on the database)."""
    assert len(SCENARIOS) >= 9
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    typed: set[str] = set()
    try:
        for path in SCENARIOS:
            doc = load_scenario(path)
            clock = FakeClock(scenario_start(doc))
            settings = make_settings(tmp_path / path.stem, f"sqlite:///{tmp_path / path.stem}.sqlite3")
            app = build_app(settings, clock=clock, nlu=nlu)
            try:
                result = Simulator(app, clock.advance).run(doc)
            finally:
                app.close()
            assert result.passed, format_transcript(result)
            typed |= _typed(path)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logs = stream.getvalue()
    assert "registration submitted" in logs and "registration started" in logs, "the logs were really captured"
    assert len(typed) > 50
    leaked = sorted(value for value in typed if value in logs or value.lower() in logs.lower())
    assert not leaked, leaked
