"""`hotline counsellors …`, `hotline handoffs list` and `hotline reports handoffs` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.cli.main import main
from services.bootstrap import App
from storage.models import AuditLog
from tests.conftest import TEST_KEY, AppFactory
from tests.handoff_support import Party


@pytest.fixture(scope="module")
def cli_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for every CLI run here, so the NLU model is trained once and cached."""
    return tmp_path_factory.mktemp("cli-data")


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, cli_data: Path, database_url: str, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `hotline ARGS… --db <the test database>`; returns (exit code, stdout)."""
    monkeypatch.setenv("HOTLINE_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(cli_data))

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main([*args, "--db", database_url])
        return code, capsys.readouterr().out

    return run


def test_counsellor_accounts_from_the_cli(make_app: AppFactory, cli: Any) -> None:
    app = make_app()
    assert cli("counsellors", "add", "--id", "555123456", "--name", "Lan", "--channel", "test")[0] == 0
    code, _out = cli("counsellors", "add", "--id", "555123456", "--name", "Lan", "--channel", "test")
    assert code == 1
    assert (
        cli("counsellors", "add", "--id", "777", "--name", "Hạnh", "--role", "supervisor", "--channel", "test")[0] == 0
    )
    code, out = cli("counsellors", "list", "--json")
    rows = json.loads(out)
    assert [(r["name"], r["role"], r["capacity"]) for r in rows] == [
        ("Lan", "counsellor", 3),
        ("Hạnh", "supervisor", 3),
    ]
    assert rows[0]["channel_id"] == "…456" and "555123456" not in out
    code, out = cli("counsellors", "invite", "--name", "Minh")
    invite = out.split("invitation code: ")[1].split()[0]
    party = Party(app)
    party.say("x9", f"/start {invite}")
    assert "“Minh”" in party.to("x9")
    party.say("x9", "/on")
    assert "Bạn đã vào ca trực" in party.to("x9")
    assert cli("counsellors", "deactivate", "--id", "777", "--channel", "test")[0] == 0
    party.say("777", "/on")
    assert "chưa hiểu lệnh" in party.to("777"), "a deactivated account gets the ordinary bot"
    with app.uow() as uow:
        actions = {a.action for a in uow.session.scalars(select(AuditLog))}
    assert {"counsellor.add", "invite.create", "counsellors.list", "counsellor.deactivate"} <= actions


def test_roster_from_a_yaml_file_puts_counsellors_on_and_off_duty(
    make_app: AppFactory, cli: Any, tmp_path: Path
) -> None:
    app = make_app()  # the clock starts Monday 23/11 09:00 in Ho Chi Minh City
    cli("counsellors", "add", "--id", "c1", "--name", "Lan", "--channel", "test")
    cli("counsellors", "add", "--id", "c2", "--name", "Minh", "--channel", "test")
    roster = tmp_path / "roster.yml"
    roster.write_text(
        "shifts:\n"
        '  - {id: c1, channel: test, days: mon-fri, start: "09:00", end: "17:00"}\n'
        '  - {id: c2, channel: test, days: daily, start: "22:00", end: "06:00"}\n',
        encoding="utf-8",
    )
    code, out = cli("counsellors", "roster", "set", str(roster))
    assert code == 0 and "12 weekly shifts" in out
    party = Party(app)
    party.wait(timedelta(minutes=1))
    assert "Ca trực của bạn đã bắt đầu" in party.to("c1") and party.to("c2") == ""
    party.say("c1", "/off")
    party.wait(timedelta(hours=2))
    assert party.to("c1") == "", "a manual /off is respected until the next shift starts"
    party.say("c1", "/on")
    party.wait(timedelta(hours=6))  # 17:01
    assert "Ca trực của bạn đã kết thúc" in party.to("c1")
    party.wait(timedelta(hours=5))  # 22:01
    assert "Ca trực của bạn đã bắt đầu" in party.to("c2")
    party.wait(timedelta(hours=8))  # 06:01 next day
    assert "Ca trực của bạn đã kết thúc" in party.to("c2")
    code, out = cli("counsellors", "roster", "show", "--json")
    assert {"counsellor": 2, "name": "Minh", "shift": "sun 22:00-06:00"} in json.loads(out)


def test_a_roster_naming_an_unknown_counsellor_changes_nothing(make_app: AppFactory, cli: Any, tmp_path: Path) -> None:
    make_app()
    cli("counsellors", "add", "--id", "c1", "--name", "Lan", "--channel", "test")
    cli(
        "counsellors",
        "roster",
        "add",
        "--id",
        "c1",
        "--channel",
        "test",
        "--days",
        "t2-t6",
        "--start",
        "8:00",
        "--end",
        "12:00",
    )
    bad = tmp_path / "bad.yml"
    bad.write_text('shifts:\n  - {id: nobody, channel: test, days: mon, start: "09:00", end: "17:00"}\n')
    assert cli("counsellors", "roster", "set", str(bad))[0] == 1
    wrong = tmp_path / "wrong.yml"
    wrong.write_text('shifts:\n  - {id: c1, channel: test, days: someday, start: "09:00", end: "17:00"}\n')
    assert cli("counsellors", "roster", "set", str(wrong))[0] == 2
    _code, out = cli("counsellors", "roster", "show", "--json")
    assert len(json.loads(out)) == 5


def _activity(app: App) -> None:
    party = Party(app)
    party.counsellor("c1", "Lan")
    party.counsellor("c2", "Minh")
    for user in ("u1", "u2", "u3", "u4"):
        party.consent(user)
    party.say("u1", "/counsellor")
    party.wait(timedelta(minutes=2))
    party.say("c1", "/accept")
    party.wait(timedelta(minutes=1))
    party.say("c1", "Chào bạn")
    party.wait(timedelta(minutes=10))
    party.say("c1", "/close đã tư vấn")
    party.press("u1", "handoff:csat:1:5")
    party.say("u2", "/counsellor")
    party.say("u2", "/callback")
    party.press("u2", "handoff:cb_yes")
    party.say("u2", "0912345678")
    party.wait(timedelta(minutes=4))
    party.say("c2", "/accept")
    party.wait(timedelta(minutes=1))
    party.say("c2", "Chào bạn")
    party.wait(timedelta(minutes=19))
    party.say("c2", "/close chuyển cơ sở")
    party.press("u2", "handoff:csat:2:3")
    party.say("u3", "/counsellor")
    party.wait(timedelta(minutes=3))
    party.say("u3", "/cancel")
    party.say("u4", "/counsellor")


def test_handoff_list_masks_and_report_counts(make_app: AppFactory, cli: Any) -> None:
    app = make_app()
    _activity(app)
    code, out = cli("handoffs", "list", "--json")
    rows = json.loads(out)
    assert [r["status"] for r in rows] == ["closed", "closed", "cancelled", "waiting"]
    assert rows[1]["callback"] == "…678" and "0912345678" not in out and "+84912345678" not in out
    assert [r["counsellor"] for r in rows[:2]] == ["Lan", "Minh"]
    code, out = cli("handoffs", "list", "--status", "waiting")
    assert code == 0 and "waiting" in out and "closed" not in out
    code, out = cli("reports", "handoffs", "--json")
    data = json.loads(out)
    assert data["requests"] == {
        "total": 4,
        "waiting": 1,
        "active": 0,
        "closed": 2,
        "cancelled": 1,
        "crisis": 0,
        "callbacks": 1,
    }
    assert data["wait_minutes"] == {"n": 2, "p50": 3.0, "p90": 3.8}
    assert data["first_response_minutes"] == {"n": 2, "p50": 1.0, "p90": 1.0}
    assert data["handle_minutes"] == {"n": 2, "p50": 15.5, "p90": 19.1}
    assert data["abandonment"] == {"abandoned": 1, "rate": 0.333}
    assert data["outcomes"] == {"counselled": 1, "facility": 1}
    assert data["csat"] == {"n": 2, "average": 4.0}
    assert [
        (c["name"], c["accepted"], c["closed"], c["handle_p50_min"], c["csat_average"]) for c in data["counsellors"]
    ] == [
        ("Lan", 1, 1, 11.0, 5.0),
        ("Minh", 1, 1, 20.0, 3.0),
    ]
    code, text = cli("reports", "handoffs", "--since", "2099-01-01")
    assert code == 0 and "requests: 0" in text
    assert cli("reports", "handoffs", "--since", "yesterday")[0] == 2
