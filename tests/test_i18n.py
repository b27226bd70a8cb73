"""Every user-facing string goes through gettext and has a Vietnamese translation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir

from services.i18n import local_datetime, translations

ROOT = Path(__file__).resolve().parent.parent


def _msgids() -> set[str]:
    ids: set[str] = set()
    for folder in ("bot", "services"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(ROOT / folder, method_map=[("**.py", "python")]):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_message_has_a_vietnamese_translation() -> None:
    catalog = translations()
    missing = [m for m in _msgids() if catalog.gettext(m) == m]
    assert not missing, f"untranslated: {missing}"


def test_dates_are_vietnamese_in_ho_chi_minh_time() -> None:
    shown = local_datetime(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    assert shown == "Thứ Hai, 30 tháng 11 lúc 08:00"
