"""Every scenario under scenarios/ is a user story that must keep passing, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.simulator import Simulator, format_transcript, load_scenario, scenario_start
from services.clock import FakeClock
from tests.conftest import AppFactory

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path, make_app: AppFactory) -> None:
    doc = load_scenario(path)
    clock = FakeClock(scenario_start(doc))
    app = make_app(clock=clock)
    result = Simulator(app, clock.advance).run(doc)
    assert result.passed, format_transcript(result)


def test_there_are_scenarios() -> None:
    assert len(SCENARIOS) >= 5


def test_cli_simulate_exit_codes(tmp_path: Path) -> None:
    failing = tmp_path / "failing.yml"
    failing.write_text(
        'name: wrong expectation\nsteps:\n  - {user: u1, say: "chào"}\n'
        '  - expect: {to: u1, contains: "không có câu này"}\n',
        encoding="utf-8",
    )
    env_cmd = [sys.executable, "-m", "bot.cli.main", "simulate"]
    ok = subprocess.run([*env_cmd, str(SCENARIOS[0])], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "PASS" in ok.stdout
    bad = subprocess.run([*env_cmd, str(failing)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert bad.returncode == 1
    assert "FAIL: step 2" in bad.stdout
