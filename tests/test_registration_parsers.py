"""The registration parsers: never raise; a valid normalised value, or a reason with a kind re-ask."""

from __future__ import annotations

import re
from datetime import date, timedelta

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vietnam_provinces import Ward

from services.nlu.text import fold
from services.nlu.vocab import province_names
from services.registration.codes import ALPHABET, find_code, new_code
from services.registration.masking import mask_name, mask_phone
from services.registration.parsers import (
    MAX_AGE,
    MIN_AGE,
    Birth,
    Invalid,
    Reason,
    age_on,
    parse_birth,
    parse_citizen_id,
    parse_contact_time,
    parse_name,
    parse_phone,
    parse_substances,
)
from services.registration.places import Choices, NoMatch, Place, match_province, match_ward
from services.registration.prompts import reask
from services.registration.statuses import Status, parse_status

TODAY = date(2026, 11, 23)
MOBILE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098", "032", "035", "038", "070", "077", "081", "086")
SEPARATORS = st.sampled_from(["", " ", ".", "-"])


def _reask_is_clear(key: str, problem: Invalid) -> None:
    text = reask(key, problem)
    assert isinstance(text, str) and len(text) > 20


# --- phone ----------------------------------------------------------------------------------------------------
@given(st.text(max_size=60))
@settings(max_examples=400, deadline=None)
def test_phone_parser_never_raises(text: str) -> None:
    result = parse_phone(text)
    if isinstance(result, Invalid):
        _reask_is_clear("phone", result)
        return
    assert re.fullmatch(r"\+\d{8,15}", result)
    assert phonenumbers.is_valid_number(phonenumbers.parse(result))
    assert parse_phone(result) == result


@given(
    st.sampled_from(MOBILE_PREFIXES),
    st.text("0123456789", min_size=7, max_size=7),
    SEPARATORS,
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_vietnamese_mobiles_in_any_writing_become_e164(prefix: str, rest: str, sep: str, international: bool) -> None:
    national = prefix + rest
    head = "+84 " + prefix[1:] if international else prefix
    written = head + sep + rest[:3] + sep + rest[3:]
    assert parse_phone(written) == "+84" + national[1:]


@pytest.mark.parametrize("text", ["12345", "0912", "0123 456", "abc", "+84 12", "0000000000", ""])
def test_impossible_phones_are_refused(text: str) -> None:
    assert isinstance(parse_phone(text), Invalid)


# --- date of birth / age ---------------------------------------------------------------------------------------
@given(st.text(max_size=60))
@settings(max_examples=400, deadline=None)
def test_birth_parser_never_raises(text: str) -> None:
    result = parse_birth(text, TODAY)
    if isinstance(result, Invalid):
        _reask_is_clear("birth", result)
        return
    assert MIN_AGE <= result.age <= MAX_AGE
    assert result.kind in {"date", "year", "age"}
    if result.kind == "date":
        assert date.fromisoformat(result.value) <= TODAY


@given(
    st.dates(min_value=TODAY - timedelta(days=365 * 95), max_value=TODAY - timedelta(days=365 * 13)),
    st.sampled_from(["/", "-", ".", " / "]),
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_written_dates_of_birth_are_read(born: date, sep: str, padded: bool) -> None:
    day, month = (f"{born.day:02d}", f"{born.month:02d}") if padded else (str(born.day), str(born.month))
    result = parse_birth(f"{day}{sep}{month}{sep}{born.year}", TODAY)
    assert result == Birth("date", born.isoformat(), age_on(born, TODAY))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("10", Reason.TOO_YOUNG),
        ("01/01/2020", Reason.TOO_YOUNG),
        ("31/02/2000", Reason.BAD_DATE),
        ("01/01/2030", Reason.FUTURE),
        ("150 tuổi", Reason.TOO_OLD),
        ("hôm qua", Reason.UNREADABLE),
        ("123456789", Reason.UNREADABLE),
    ],
)
def test_wrong_births_have_a_reason(text: str, reason: Reason) -> None:
    assert parse_birth(text, TODAY) == Invalid(reason)


@pytest.mark.parametrize(
    ("text", "kind", "age"),
    [("16 tuổi", "age", 16), ("16", "age", 16), ("sinh năm 1990", "year", 36), ("12-5-10", "date", 16)],
)
def test_ages_and_years(text: str, kind: str, age: int) -> None:
    result = parse_birth(text, TODAY)
    assert isinstance(result, Birth) and (result.kind, result.age) == (kind, age)
    assert result.minor is (age < 18)


# --- province and ward ---------------------------------------------------------------------------------------
@given(st.text(max_size=40))
@settings(max_examples=400, deadline=None)
def test_province_matcher_never_raises(text: str) -> None:
    found = match_province(text)
    names = set(province_names())
    if isinstance(found, Place):
        assert found.name in names
    elif isinstance(found, Choices):
        assert 1 <= len(found.places) <= 8 and all(p.name in names for p in found.places)
    else:
        assert isinstance(found, NoMatch)
        assert "Hà Nội" in reask("province", None)


@given(st.sampled_from(sorted(province_names())), st.sampled_from(["plain", "folded", "upper", "prefixed"]))
@settings(max_examples=200, deadline=None)
def test_every_province_is_found_however_typed(name: str, style: str) -> None:
    typed = {"plain": name, "folded": fold(name), "upper": fold(name).upper(), "prefixed": f"tỉnh {name}"}[style]
    assert match_province(typed) == Place(match_province(name).code, name)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("ho chi minh", "Hồ Chí Minh"),
        ("tp hcm", "Hồ Chí Minh"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("sai gon", "Hồ Chí Minh"),
        ("binh duong", "Hồ Chí Minh"),
        ("da nang", "Đà Nẵng"),
        ("hn", "Hà Nội"),
        ("tôi ở cần thơ", "Cần Thơ"),
    ],
)
def test_short_forms_and_merged_provinces(typed: str, name: str) -> None:
    found = match_province(typed)
    assert isinstance(found, Place) and found.name == name


def test_ambiguous_and_unknown_provinces() -> None:
    quang = match_province("quang")
    assert isinstance(quang, Choices) and {p.name for p in quang.places} == {"Quảng Ninh", "Quảng Ngãi", "Quảng Trị"}
    assert isinstance(match_province("abc"), NoMatch)
    typo = match_province("ha noii")
    assert isinstance(typo, Choices) and [p.name for p in typo.places] == ["Hà Nội"]


WARDS = list(Ward.iter_all())


@given(st.integers(min_value=0, max_value=len(WARDS) - 1), st.text(max_size=30))
@settings(max_examples=200, deadline=None)
def test_wards_are_found_by_their_folded_name(index: int, noise: str) -> None:
    ward = WARDS[index]
    name = " ".join(ward.name.split())
    found = match_ward(fold(name), int(ward.province_code))
    places = [found] if isinstance(found, Place) else list(found.places) if isinstance(found, Choices) else []
    assert any(p.code == int(ward.code) and p.name == name for p in places)
    match_ward(noise, int(ward.province_code))  # never raises


# --- the other answers ---------------------------------------------------------------------------------------
def test_names() -> None:
    assert parse_name("nguyễn văn minh") == "Nguyễn Văn Minh"
    assert parse_name("tên là tran thi hoa") == "Tran Thi Hoa"
    assert parse_name("Minh") == Invalid(Reason.ONE_WORD)
    assert parse_name("Nguyen Van 2") == Invalid(Reason.DIGITS)
    assert parse_name("!!!") == Invalid(Reason.EMPTY)
    assert isinstance(parse_name("a" * 80 + " b"), Invalid)


@given(st.text(max_size=40))
def test_citizen_id_is_twelve_digits_or_a_reask(text: str) -> None:
    result = parse_citizen_id(text)
    if isinstance(result, Invalid):
        _reask_is_clear("citizen_id", result)
    else:
        assert re.fullmatch(r"\d{12}", result)


def test_citizen_id_examples() -> None:
    assert parse_citizen_id("079 090 001 234") == "079090001234"
    assert parse_citizen_id("12345") == Invalid(Reason.CITIZEN_ID_LENGTH)
    assert parse_citizen_id("٠٧٩٠٩٠٠٠١٢٣٤") == Invalid(Reason.CITIZEN_ID_LENGTH)


def test_contact_times_and_substances() -> None:
    assert parse_contact_time("buổi sáng") == "morning"
    assert parse_contact_time("toi") == "evening"
    assert parse_contact_time("tôi rảnh buổi chiều") == "afternoon"
    assert parse_contact_time("khoảng 19h") == "evening"
    assert parse_contact_time("không biết") is None
    assert parse_substances("đá và ke", []) == ["methamphetamine", "ketamine"]
    assert parse_substances("dạ", []) == []
    assert parse_substances("con tôi có dùng gì đó", []) == []
    assert parse_substances("nó chơi hàng trắng", ["heroin"]) == ["heroin"]


def test_reference_codes() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert re.fullmatch(rf"DK-[{ALPHABET}]{{6}}", code)
        assert not set(code[3:]) & set("01ILOUV")
    assert find_code("kiem tra ho so dk-7k3q9p giup em") == "DK-7K3Q9P"
    assert find_code("DK 7K3Q9P") == "DK-7K3Q9P"
    assert find_code("DK-7K3Q9") is None


def test_statuses_and_masks() -> None:
    assert parse_status("contacted") is Status.CONTACTED
    assert parse_status("da chuyen xa/phuong") is Status.TRANSFERRED
    assert parse_status("đã hủy") is Status.CANCELLED
    assert parse_status("xyz") is None
    assert mask_phone("+84912345678") == "0912***678"
    assert mask_name("Nguyễn Văn Minh") == "N*** V*** M***"
