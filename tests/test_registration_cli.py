"""Staff side: `hotline registrations list/show/set-status/export`, audited, masked, notifying the person."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.cli.registrations import change_status, export_csv, list_registrations, show_registration
from services.bootstrap import App
from services.nlu.embedded import EmbeddedNlu
from services.registration.masking import DELETED
from services.registration.service import RegistrationNotFoundError
from services.registration.statuses import Status
from services.types import Outbound
from storage.models import AuditLog
from tests.conftest import TEST_KEY
from tests.helpers import Chat
from tests.registration_support import register


def _audits(app: App, action: str) -> list[tuple[str, str, str | None]]:
    """(actor, subject, reason) of the audit rows of one action."""
    with app.uow() as uow:
        rows = uow.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id))
        return [(r.actor, r.subject_id, r.reason) for r in rows]


def _delivered(app: App, channel: str = "test") -> list[Outbound]:
    out: list[Outbound] = []
    app.outbox.drain(channel, out.append)
    return out


def test_list_is_masked_filtered_and_audited(app: App) -> None:
    first = register(Chat(app, user="800001"))
    second = register(Chat(app, user="800002"), province="da nang", ward="hai chau", phone="0987 654 321")
    rows = list_registrations(app, "staff:lan", None, None)
    assert {r["code"] for r in rows} == {first, second}
    dumped = json.dumps(rows, ensure_ascii=False)
    assert "0912***678" in dumped and "N*** V*** M***" in dumped
    for secret in ("0912345678", "Nguyễn", "079090001234", "Bến Thành", "chi phí"):
        assert secret not in dumped
    assert [r["code"] for r in list_registrations(app, "staff:lan", None, "Đà Nẵng")] == [second]
    assert list_registrations(app, "staff:lan", Status.COMPLETED, None) == []
    assert len(_audits(app, "registration.list")) == 3


def test_show_reveals_everything_and_records_who_and_why(app: App) -> None:
    code = register(Chat(app, user="800003"))
    record = show_registration(app, code, "staff:lan", "calling back about the request")
    assert record["full_name"] == "Nguyễn Văn Minh" and record["phone"] == "+84912345678"
    assert record["citizen_id"] == "079090001234" and record["ward"] == "Phường Bến Thành"
    assert record["history"][0]["status"] == "received"
    assert _audits(app, "registration.show") == [("staff:lan", code, "calling back about the request")]
    with pytest.raises(RegistrationNotFoundError):
        show_registration(app, "DK-ZZZZZZ", "staff:lan", "typo")


def test_a_status_change_by_staff_notifies_the_person(app: App) -> None:
    chat = Chat(app, user="800004")
    code = register(chat)
    _delivered(app)
    change = change_status(app, code, Status.CONTACTED, "staff:lan", "called, will go to the commune on Monday")
    assert change.notified
    (message,) = _delivered(app)
    assert message.recipient == "800004"
    assert code in message.text and "đã liên hệ" in message.text
    assert "Monday" not in message.text  # the staff note stays internal
    change_status(app, code, Status.TRANSFERRED, "staff:lan", None)
    (message,) = _delivered(app)
    assert "đã chuyển xã/phường" in message.text and "UBND" in message.text
    assert "đã chuyển xã/phường" in "\n".join(m.text for m in chat.say("/status"))
    record = show_registration(app, code, "staff:lan", "check history")
    assert [h["status"] for h in record["history"]] == ["received", "contacted", "transferred"]
    assert record["history"][1]["note"] == "called, will go to the commune on Monday"
    assert len(_audits(app, "registration.set_status")) == 2


def test_after_delete_staff_see_it_and_the_person_is_not_messaged(app: App) -> None:
    chat = Chat(app, user="800005")
    code = register(chat)
    chat.say("/delete")
    chat.press("delete:yes")
    _delivered(app)
    (row,) = list_registrations(app, "staff:lan", None, None)
    assert row["name"] == DELETED and row["phone"] == "" and row["erased"] is True
    change = change_status(app, code, Status.CANCELLED, "staff:lan", None)
    assert not change.notified and _delivered(app) == []
    assert show_registration(app, code, "staff:lan", "closing")["full_name"] == DELETED


def test_export_writes_excel_friendly_csv_and_is_audited(app: App, tmp_path: Path) -> None:
    code = register(Chat(app, user="800006"))
    path = tmp_path / "dang-ky.csv"
    assert export_csv(app, path, "staff:lan", "weekly follow-up") == 1
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["code"] == code and rows[0]["full_name"] == "Nguyễn Văn Minh"
    assert rows[0]["phone"] == "+84912345678" and rows[0]["province"] == "Hồ Chí Minh"
    assert path.stat().st_mode & 0o077 == 0
    ((actor, _subject, reason),) = _audits(app, "registration.export")
    assert actor == "staff:lan" and "weekly follow-up" in (reason or "")


def test_the_hotline_command(
    app: App, nlu: EmbeddedNlu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = register(Chat(app, user="800007"))
    url = app.engine.url.render_as_string(hide_password=False)
    monkeypatch.setattr("services.bootstrap.build_nlu", lambda settings: nlu)  # the session's trained model
    monkeypatch.setenv("HOTLINE_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "cli-data"))
    assert main(["registrations", "list", "--json", "--db", url, "--province", "tp hcm"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in listed] == [code] and listed[0]["phone"] == "0912***678"
    assert main(["registrations", "list", "--db", url, "--status", "đã hủy"]) == 0
    assert "(none)" in capsys.readouterr().out
    assert main(["registrations", "show", code.lower(), "--db", url, "--actor", "staff:an", "--reason", "call"]) == 0
    assert "+84912345678" in capsys.readouterr().out
    assert main(["registrations", "set-status", code, "processing", "--db", url, "--actor", "staff:an"]) == 0
    assert "notified" in capsys.readouterr().out
    out_file = tmp_path / "x.csv"
    assert main(["registrations", "export", "--csv", str(out_file), "--db", url, "--actor", "staff:an"]) == 0
    assert out_file.read_bytes().startswith(b"\xef\xbb\xbf")
    assert main(["registrations", "show", "DK-ZZZZZZ", "--db", url, "--actor", "a", "--reason", "b"]) == 1
    with pytest.raises(SystemExit):
        main(["registrations", "set-status", code, "bogus", "--db", url, "--actor", "staff:an"])
    with pytest.raises(SystemExit):
        main(["registrations", "show", code, "--db", url])  # --actor and --reason are required
