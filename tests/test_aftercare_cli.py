"""`hotline aftercare list|enrol` and `hotline reports aftercare`, on the test databases."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from services.aftercare.reports import build_report
from services.bootstrap import App
from services.nlu.embedded import EmbeddedNlu
from storage.models import AuditLog
from tests.aftercare_helpers import all_rows, checkin_payload, context, enrol, enrolment_of, wait
from tests.conftest import TEST_KEY, AppFactory
from tests.helpers import Chat, labels


@pytest.fixture
def cli(
    make_app: AppFactory, database_url: str, nlu: EmbeddedNlu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[App, list[str]]:
    """The test app and the `--db` arguments that point the CLI at its database (same key, NLU and clock)."""
    app = make_app()
    monkeypatch.setenv("HOTLINE_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setattr("services.bootstrap.build_nlu", lambda settings: nlu)
    monkeypatch.setattr("services.bootstrap.SystemClock", lambda: app.clock)
    return app, ["--db", database_url]


def test_enrol_sends_the_consent_question_and_is_audited(
    cli: tuple[App, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    app, db = cli
    chat = Chat(app, user="84901234567")
    chat.consent()
    assert main(["aftercare", "enrol", "--id", "84901234567", "--channel", "test", *db]) == 0
    out = capsys.readouterr().out
    assert "•••67" in out and "84901234567" not in out
    offer = [m for m in wait(app, timedelta(seconds=1), chat) if m.recipient == chat.user]
    assert labels(offer) == ["Đồng ý nhận hỏi thăm", "Không, cảm ơn"]
    assert enrolment_of(app, chat).enrolled_by == "cli"
    audit = [a for a in all_rows(app, AuditLog) if a.action == "aftercare.offer"]
    assert len(audit) == 1 and audit[0].actor == "cli"
    assert main(["aftercare", "enrol", "--id", "000", "--channel", "test", *db]) == 1
    chat.press("ac:yes")
    assert main(["aftercare", "enrol", "--id", "84901234567", "--channel", "test", *db]) == 0
    assert "already in the check-ins (active); nothing sent" in capsys.readouterr().out


def test_list_is_masked_and_audited(cli: tuple[App, list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    app, db = cli
    enrol(app, user="84907654321", at="20:00")
    assert main(["aftercare", "list", "--json", *db]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["person"] == "•••21" and row["status"] == "active" and row["time"] == "20:00"
    assert row["next"] == "2026-11-24 20:00"
    assert "84907654321" not in json.dumps(row)
    assert main(["aftercare", "list", *db]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:4] == ["id", "person", "channel", "status"]
    assert [a.action for a in all_rows(app, AuditLog)] == ["aftercare.list", "aftercare.list"]


def test_report_counts_answers_cravings_relapses_and_escalations(
    cli: tuple[App, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    app, db = cli
    first, second = enrol(app, user="u1"), enrol(app, user="u2")
    Chat(app, user="u3").consent()
    Chat(app, user="u3").say("/aftercare join")
    wait(app, timedelta(days=1), first, second)
    first.press(checkin_payload(first.received[-1], "craving"))
    first.say("8")
    second.press(checkin_payload(second.received[-1], "relapse"))
    wait(app, timedelta(days=1), first, second)
    first.press(checkin_payload(first.received[-1], "ok"))
    wait(app, timedelta(days=1), first, second)
    wait(app, timedelta(hours=12), first, second)  # Thursday 21:00: second missed two in a row
    with app.uow() as uow:
        report = build_report(uow, context(app), app.clock.now())
    assert (report.enrolled, report.active, report.offered) == (2, 2, 1)
    assert report.answers == {"craving": 1, "relapse": 1, "ok": 1}
    assert report.relapses == 1
    assert report.escalations == {"aftercare_craving": 1, "aftercare_relapse": 1, "aftercare_missed": 1}
    assert report.answered == 3 and report.missed == 3 and report.answer_rate == 0.5
    assert [(w.week, w.reports, w.mean_level) for w in report.craving_trend] == [("2026-W48", 1, 8.0)]
    assert main(["reports", "aftercare", "--json", *db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"enrolled", "active", "paused", "answer_rate", "craving_trend", "relapses", "escalations"} <= set(data)
    assert data["escalations"] == report.escalations
    assert main(["reports", "aftercare", *db]) == 0
    assert "answer rate: 50%" in capsys.readouterr().out
