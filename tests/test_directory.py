"""The service directory: CSV validation line by line, import, list, and answers by province (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.bootstrap import App
from services.directory import service
from services.directory.csv_import import parse_csv
from services.directory.feature import SAMPLE_CSV
from services.directory.places import (
    Place,
    PlaceError,
    communes,
    find_province_in_text,
    provinces,
    resolve_commune,
    resolve_province,
)
from services.nlu.text import fold
from tests.conftest import Cli
from tests.helpers import Chat, labels, texts

TODAY = date(2026, 11, 23)
HEADER = "name,kind,ownership,province,commune,address,phone,hours,last_verified,sample\n"
GOOD = "Cơ sở mẫu X,facility,public,Hà Nội,Phường Hoàn Kiếm,Số 1 phố Mẫu,0200 000 011,7:30–17:00,2026-11-01,yes\n"


def load_sample(app: App) -> None:
    with app.uow() as uow:
        service.import_csv(uow, SAMPLE_CSV.read_bytes(), replace=True, now=app.clock.now())
        uow.commit()


# --- the CSV ----------------------------------------------------------------------------------------
def test_the_sample_is_valid_and_every_row_is_clearly_fake() -> None:
    parsed = parse_csv(SAMPLE_CSV.read_text(encoding="utf-8"), TODAY)
    assert parsed.errors == [] and len(parsed.rows) >= 6
    assert "SAMPLE DATA" in SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[0]
    for row in parsed.rows:
        assert row.sample and "mẫu" in row.name and "không có thật" in row.name
        assert row.phone.startswith("+84200000"), "sample phones stay in the unassigned 0200 range"


def test_each_bad_row_gets_its_own_message_with_its_line() -> None:
    rows = [
        GOOD,
        "Cơ sở A,facility,public,Ha Noii,,Số 2,0912345678,,2026-11-01,no\n",
        "Cơ sở B,facility,public,Bình Dương,,Số 3,0912345678,,2026-11-01,no\n",
        "Cơ sở C,facility,public,Hồ Chí Minh,Phường Hoàn Kiếm,Số 4,0912345678,,2026-11-01,no\n",
        "Cơ sở D,facility,public,Hà Nội,,Số 5,0200 000 012,,2026-11-01,no\n",
        "Cơ sở E,clinic,public,Hà Nội,,Số 6,0912345678,,2026-11-01,no\n",
        "Cơ sở F,facility,state,Hà Nội,,Số 7,0912345678,,2026-11-01,no\n",
        "Cơ sở G,facility,public,Hà Nội,,Số 8,0912345678,,2026-12-31,no\n",
        "Cơ sở H,facility,public,Hà Nội,,Số 9,0912345678,,hôm qua,no\n",
        "Cơ sở I,facility,public,Hà Nội,,,12345,,2026-11-01,no\n",
        "Cơ sở J,facility,public,Hà Nội,,Số 10, 0912345678,,2026-11-01\n",
        "Cơ sở mẫu X,facility,public,ha noi,phuong hoan kiem,Số 11,0200 000 013,,2026-11-01,yes\n",
        "Cơ sở K,facility,public,Hà Nội,,Số 12,0912345678,,2026-11-01,maybe\n",
    ]
    parsed = parse_csv("# comment line\n" + HEADER + "".join(rows), TODAY)
    errors = "\n".join(parsed.errors)
    expected = [
        "line 4: 'Ha Noii' is not one of the 34 provinces and cities (did you mean 'Hà Nội'?)",
        "line 5: 'Bình Dương' is not an official province name since the 2025 reorganisation: write 'Hồ Chí Minh'",
        "line 6: 'Phường Hoàn Kiếm' is not a commune of Hồ Chí Minh (it is in Hà Nội)",
        "line 7: phone '0200 000 012' is not a Vietnamese phone number (an unassigned number is allowed only on a "
        "sample row)",
        "line 8: kind 'clinic' is not one of: counselling_point, facility, methadone_clinic",
        "line 9: ownership 'state' is not one of: private, public",
        "line 10: last_verified 2026-12-31 is in the future",
        "line 11: last_verified 'hôm qua' is not a date like 2026-11-01 or 01/11/2026",
        "line 12: address is empty",
        "line 13: 9 cells where the header has 10",
        "line 14: the same provider as line 3",
        "line 15: sample 'maybe' is not yes or no",
    ]
    for message in expected:
        assert message in errors
    assert len(parsed.errors) == len(expected)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("name,kind,ownership,province,address,phone,last_verified,website\n", "unknown column 'website'"),
        ("name,kind,ownership,province,address,last_verified\n", "missing column 'phone'"),
        ("name,name,kind,ownership,province,address,phone,last_verified\n", "column 'name' appears twice"),
        ("", "the file has no header row"),
    ],
)
def test_a_wrong_header_stops_before_any_row(header: str, message: str) -> None:
    parsed = parse_csv(header, TODAY)
    assert parsed.rows == [] and any(message in e for e in parsed.errors)


def test_spreadsheet_exports_are_read_bom_quotes_and_dd_mm_yyyy() -> None:
    csv_text = (
        "\ufeff"
        + HEADER.upper().replace("\n", "\r\n")
        + (
            '"Điểm tư vấn mẫu, Hoàn Kiếm",Điểm tư vấn,Công lập,Thành phố Hà Nội,hoan kiem,"Số 1, phố Mẫu",'
            "0200000014,,01/11/2026,Có\r\n"
        )
    )
    parsed = parse_csv(csv_text, TODAY)
    assert parsed.errors == []
    (row,) = parsed.rows
    assert (row.name, row.kind, row.ownership, row.province.name) == (
        "Điểm tư vấn mẫu, Hoàn Kiếm",
        "counselling_point",
        "public",
        "Hà Nội",
    )
    assert row.commune is not None and row.commune.name == "Phường Hoàn Kiếm"
    assert (row.address, row.last_verified, row.sample) == ("Số 1, phố Mẫu", date(2026, 11, 1), True)


# --- place names ------------------------------------------------------------------------------------
@given(place=st.sampled_from(provinces()), form=st.sampled_from(["plain", "folded", "upper", "prefixed", "spaced"]))
def test_every_province_resolves_however_it_is_written(place: object, form: str) -> None:
    assert isinstance(place, Place)
    written = {
        "plain": place.name,
        "folded": fold(place.name),
        "upper": place.name.upper(),
        "prefixed": f"Tỉnh {place.name}",
        "spaced": f"  {fold(place.name)}  ",
    }[form]
    assert resolve_province(written) == place
    assert find_province_in_text(f"co so cai nghien o {fold(place.name)} o dau") == place


def test_every_commune_resolves_without_diacritics_or_is_reported_ambiguous() -> None:
    checked = 0
    for province in provinces():
        for commune in communes(province.code):
            assert resolve_commune(province, commune.name) == commune
            folded = fold(commune.name)
            try:
                found = resolve_commune(province, folded)
            except PlaceError as exc:
                found = None
                reason = str(exc)
            assert found == commune or ("ambiguous" in reason and commune.name in reason)
            checked += 1
    assert checked > 3000


@pytest.mark.parametrize(
    ("typed", "official"),
    [("ho chi minh", "Hồ Chí Minh"), ("tp hcm", "Hồ Chí Minh"), ("sai gon", "Hồ Chí Minh"), ("da nang", "Đà Nẵng")],
)
def test_provinces_typed_without_diacritics_are_found(typed: str, official: str) -> None:
    found = find_province_in_text(f"cho hỏi ở {typed} có cơ sở cai nghiện không")
    assert found is not None and found.name == official


# --- import and list (CLI) --------------------------------------------------------------------------
def test_import_is_all_or_nothing(app: App, cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + GOOD + "Cơ sở A,facility,public,Ha Noii,,Số 2,0912345678,,2026-11-01,no\n", encoding="utf-8"
    )
    status, _out, err = cli("directory", "import", str(bad))
    assert status == 1 and "nothing imported" in err and "line 3: 'Ha Noii'" in err
    assert json.loads(cli("directory", "list", "--json")[1]) == []
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + GOOD).encode("utf-16"))
    status, _out, err = cli("directory", "import", str(latin1))
    assert status == 1 and "not UTF-8" in err


def test_import_adds_updates_and_replaces(app: App, cli: Cli, tmp_path: Path) -> None:
    status, out, _err = cli("directory", "import", str(SAMPLE_CSV))
    assert status == 0 and "9 added, 0 updated" in out
    status, out, _err = cli("directory", "import", str(SAMPLE_CSV))
    assert status == 0 and "0 added, 9 updated" in out
    one = tmp_path / "one.csv"
    one.write_text(HEADER + GOOD, encoding="utf-8")
    status, out, _err = cli("directory", "import", str(one), "--replace")
    assert status == 0 and "1 added, 0 updated, 9 removed first" in out
    rows = json.loads(cli("directory", "list", "--json")[1])
    assert [(r["name"], r["phone"], r["commune"]) for r in rows] == [
        ("Cơ sở mẫu X", "+84200000011", "Phường Hoàn Kiếm")
    ]


def test_list_by_province_typed_without_diacritics(app: App, cli: Cli) -> None:
    load_sample(app)
    status, out, _err = cli("directory", "list", "--province", "ho chi minh", "--json")
    rows = json.loads(out)
    assert status == 0 and len(rows) == 4 and {r["province"] for r in rows} == {"Hồ Chí Minh"}
    status, out, _err = cli("directory", "list", "--province", "da nang")
    assert status == 0 and "0200 000 005" in out and "Hồ Chí Minh" not in out
    status, _out, err = cli("directory", "list", "--province", "Sai Gon Moi")
    assert status == 1 and "not one of the 34" in err


# --- answers ----------------------------------------------------------------------------------------
def test_a_commune_or_a_kind_named_in_the_question_comes_first(app: App) -> None:
    load_sample(app)
    chat = Chat(app)
    chat.consent()
    answer = texts(chat.say("co so cai nghien o phuong cho lon tp hcm"))
    assert answer.index("Phòng khám methadone mẫu Chợ Lớn") < answer.index("Cơ sở mẫu Bến Thành")
    answer = texts(chat.say("diem tu van cai nghien o sai gon"))
    assert answer.splitlines()[1].startswith("Dạ") and "1. Điểm tư vấn mẫu Sài Gòn" in answer
    assert answer.count("☎") == 3 and "còn 1 nơi khác" in answer and "DỮ LIỆU MẪU" in answer


def test_a_methadone_question_in_a_province_without_one_says_so(app: App) -> None:
    load_sample(app)
    chat = Chat(app)
    chat.consent()
    answer = texts(chat.say("co so dieu tri methadone o da nang o dau"))
    assert "chưa có cơ sở điều trị methadone ở Đà Nẵng" in answer and "Cơ sở mẫu Hải Châu" in answer


def test_province_buttons_put_the_best_covered_provinces_first(app: App) -> None:
    load_sample(app)
    chat = Chat(app)
    chat.consent()
    buttons = labels(chat.say("cơ sở cai nghiện ở đâu"))
    assert buttons[:4] == ["Hồ Chí Minh", "Hà Nội", "Đà Nẵng", "Khánh Hòa"]
    assert len([b for b in buttons if b != "Xem thêm"]) == 6
    answer = texts(chat.press_label("Khánh Hòa"))
    assert "Điểm tư vấn mẫu Nha Trang" in answer
    # The buttons keep working after the question is over.
    assert "Cơ sở mẫu Hải Châu" in texts(chat.press_label("Đà Nẵng"))


def test_without_a_directory_every_province_gets_the_national_line(app: App) -> None:
    chat = Chat(app)
    chat.consent()
    answer = texts(chat.say("co so cai nghien o ho chi minh"))
    assert "chưa có" in answer and "0769.04.04.04" in answer and "Ủy ban nhân dân xã/phường" in answer
