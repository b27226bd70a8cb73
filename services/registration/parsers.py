"""Parsers for the registration answers: each returns a normalised value or an `Invalid` with a reason.

They never raise, whatever the text: a wrong answer becomes a kind re-ask, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import phonenumbers

from services.nlu.text import clean, fold

MIN_AGE = 12
ADULT_AGE = 18
MAX_AGE = 100
MAX_NAME_CHARS = 60
MAX_NOTE_CHARS = 500
MAX_PHONE_INPUT = 40


class Reason(StrEnum):
    EMPTY = "empty"
    UNREADABLE = "unreadable"
    DIGITS = "digits"
    ONE_WORD = "one_word"
    TOO_LONG = "too_long"
    BAD_DATE = "bad_date"
    FUTURE = "future"
    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"
    NOT_A_PHONE = "not_a_phone"
    IMPOSSIBLE_PHONE = "impossible_phone"
    CITIZEN_ID_LENGTH = "citizen_id_length"


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: Reason


@dataclass(frozen=True, slots=True)
class Birth:
    """A date of birth, a year of birth or an age; `age` is the age today (from the year: this year's)."""

    kind: str  # "date" | "year" | "age"
    value: str  # ISO date, a year, or an age
    age: int

    @property
    def minor(self) -> bool:
        return self.age < ADULT_AGE

    def to_dict(self) -> dict[str, str | int]:
        return {"kind": self.kind, "value": self.value, "age": self.age}

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> Birth:
        return cls(str(raw["kind"]), str(raw["value"]), int(str(raw["age"])))


# --- name -----------------------------------------------------------------------------------------------
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*$")
_NAME_LEAD = re.compile(
    r"^(?:(?:toi|em|minh|chau|con)\s+)?(?:ho va ten|ho ten|ten)?\s*(?:la|:)\s+|^(?:toi|em|minh)\s+ten\s+"
)


def parse_name(text: str) -> str | Invalid:
    """A full name: letters only, at least two words; returned with each word capitalised."""
    name = clean(text).strip(" .,;:!?\"'")
    lead = _NAME_LEAD.match(fold(name))
    if lead:
        name = name[lead.end() :].strip()
    if not name:
        return Invalid(Reason.EMPTY)
    if any(ch.isdigit() for ch in name):
        return Invalid(Reason.DIGITS)
    if len(name) > MAX_NAME_CHARS:
        return Invalid(Reason.TOO_LONG)
    if not _NAME_CHARS.match(name):
        return Invalid(Reason.UNREADABLE)
    words = name.split()
    if len(words) < 2:
        return Invalid(Reason.ONE_WORD)
    if len(words) > 7:
        return Invalid(Reason.TOO_LONG)
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


# --- date of birth or age ---------------------------------------------------------------------------------
_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{2}|\d{4})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_WORDS_DATE = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam\s*)?(\d{4})")
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")
_AGE = re.compile(r"(?<!\d)(\d{1,3})\s*(?:tuoi|t\b|years?\b)")
_NUMBER = re.compile(r"^\s*(\d{1,4})\s*$")
_LONG_NUMBER = re.compile(r"\d{5,}")


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_birth(text: str, today: date) -> Birth | Invalid:
    """A date of birth (12/05/2010, 12-5-10, 2010-05-12), a year of birth (2010) or an age (16, 16 tuổi)."""
    folded = fold(clean(text))[:100]
    if not folded.strip():
        return Invalid(Reason.EMPTY)
    if _LONG_NUMBER.search(folded):
        return Invalid(Reason.UNREADABLE)
    match = _ISO.search(folded)
    parts = (match.group(3), match.group(2), match.group(1)) if match else None
    if parts is None:
        match = _WORDS_DATE.search(folded) or _DATE.search(folded)
        parts = (match.group(1), match.group(2), match.group(3)) if match else None
    if parts is not None:
        return _from_date(parts, today)
    age_match = _AGE.search(folded)
    if age_match:
        return _from_age(int(age_match.group(1)))
    year_match = _YEAR.search(folded)
    if year_match:
        return _from_year(int(year_match.group(1)), today)
    number = _NUMBER.match(folded)
    if number:
        value = int(number.group(1))
        return _from_year(value, today) if value >= 1000 else _from_age(value)
    return Invalid(Reason.UNREADABLE)


def _from_date(parts: tuple[str, str, str], today: date) -> Birth | Invalid:
    day, month, year = (int(p) for p in parts)
    if len(parts[2]) == 2:
        year += 2000 if year <= today.year % 100 else 1900
    try:
        born = date(year, month, day)
    except (ValueError, OverflowError):
        return Invalid(Reason.BAD_DATE)
    if born > today:
        return Invalid(Reason.FUTURE)
    return _checked(Birth("date", born.isoformat(), age_on(born, today)))


def _from_year(year: int, today: date) -> Birth | Invalid:
    if year > today.year:
        return Invalid(Reason.FUTURE)
    return _checked(Birth("year", str(year), today.year - year))


def _from_age(age: int) -> Birth | Invalid:
    return _checked(Birth("age", str(age), age))


def _checked(birth: Birth) -> Birth | Invalid:
    if birth.age < MIN_AGE:
        return Invalid(Reason.TOO_YOUNG)
    if birth.age > MAX_AGE:
        return Invalid(Reason.TOO_OLD)
    return birth


# --- phone -------------------------------------------------------------------------------------------------
def parse_phone(text: str) -> str | Invalid:
    """A phone number (09x…, +84…, with spaces, dots or dashes) in E.164; impossible numbers are refused."""
    raw = clean(text)
    digits = re.sub(r"[^\d+]", "", raw)
    if not digits.strip("+"):
        return Invalid(Reason.NOT_A_PHONE if raw else Reason.EMPTY)
    if len(raw) > MAX_PHONE_INPUT or len(digits) < 6 or "+" in digits[1:]:
        return Invalid(Reason.IMPOSSIBLE_PHONE)
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        return Invalid(Reason.IMPOSSIBLE_PHONE)
    if not phonenumbers.is_valid_number(number):
        return Invalid(Reason.IMPOSSIBLE_PHONE)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def display_phone(e164: str) -> str:
    """A stored number as Vietnamese people write it (0912 345 678); foreign numbers internationally."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 84:
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


# --- citizen id (CCCD) ---------------------------------------------------------------------------------------
def parse_citizen_id(text: str) -> str | Invalid:
    """A 12-digit citizen identity number; spaces, dots and dashes between digits are fine."""
    raw = clean(text)
    compact = re.sub(r"[\s.\-]", "", raw)
    if not compact:
        return Invalid(Reason.EMPTY)
    if not compact.isdigit() or not compact.isascii() or len(compact) != 12:
        return Invalid(Reason.CITIZEN_ID_LENGTH)
    return compact


# --- free note --------------------------------------------------------------------------------------------
def parse_note(text: str) -> str | Invalid:
    note = clean(text)
    if not note:
        return Invalid(Reason.EMPTY)
    if len(note) > MAX_NOTE_CHARS:
        return Invalid(Reason.TOO_LONG)
    return note


# --- choices typed as words ---------------------------------------------------------------------------------
def folded_words(text: str) -> str:
    """Lower case, no diacritics, words separated by single spaces, padded with a space each side."""
    return " " + re.sub(r"[^\w]+", " ", fold(clean(text))[:300]) + " "


def find_keys(text: str, table: dict[str, tuple[str, ...]]) -> list[str]:
    """Keys whose keywords (folded, whole words) occur in the text; longer keywords are taken first."""
    remaining = folded_words(text)
    found: list[str] = []
    pairs = sorted(((w, key) for key, words in table.items() for w in words), key=lambda p: -len(p[0]))
    for word, key in pairs:
        if f" {word} " in remaining:
            remaining = remaining.replace(f" {word} ", " | ")
            if key not in found:
                found.append(key)
    return found


def match_keywords(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    """The one key named in the text; None when none or several are."""
    found = find_keys(text, table)
    return found[0] if len(found) == 1 else None


FOR_WHOM_WORDS: dict[str, tuple[str, ...]] = {
    "self": ("ban than", "cho toi", "cho minh", "chinh toi", "chinh minh", "cho em", "toi tu dang ky", "cua toi"),
    "child": ("con", "con trai", "con gai", "cho con", "chau"),
    "spouse": ("vo", "chong", "vo chong", "cho vo", "cho chong"),
    "sibling": ("em trai", "em gai", "anh trai", "chi gai", "anh chi em", "anh em", "chi em"),
    "parent": ("bo", "me", "cha", "bo me", "cha me"),
    "friend": ("ban", "ban be", "ban toi", "nguoi quen"),
}

REPRESENTATIVE_WORDS: dict[str, tuple[str, ...]] = {
    "mother": ("me", "ma", "me de", "la me", "toi la me"),
    "father": ("bo", "ba", "cha", "bo de", "cha de", "la bo", "toi la bo"),
    "guardian": ("giam ho", "nguoi giam ho"),
    "grandparent": ("ong", "ba noi", "ba ngoai", "ong noi", "ong ngoai", "ong ba"),
    "sibling": ("anh trai", "chi gai", "anh", "chi"),
    "other": ("khac", "nguoi khac", "ho hang", "co", "chu", "bac", "di", "cau", "thim", "mo"),
}

FORM_WORDS: dict[str, tuple[str, ...]] = {
    "home_community": ("tai nha", "gia dinh", "cong dong", "o nha", "nha"),
    "facility": ("co so", "trung tam", "tap trung", "vao trai", "cai nghien tai co so"),
    "methadone": ("methadone", "metha", "methadon", "thay the", "dieu tri thay the", "buprenorphine"),
    "undecided": ("chua biet", "khong biet", "can tu van", "chua ro", "tu van", "chua quyet dinh", "ko biet"),
}

CONTACT_WORDS: dict[str, tuple[str, ...]] = {
    "morning": ("sang", "buoi sang"),
    "afternoon": ("chieu", "buoi chieu", "trua", "buoi trua"),
    "evening": ("buoi toi", "toi nay", "ban dem", "dem", "buoi dem"),
    "anytime": ("luc nao", "bat ky", "gio nao", "khi nao", "luc nao cung duoc", "bat cu", "sao cung duoc"),
}

_HOUR = re.compile(r"(?<!\d)(\d{1,2})\s*(?:h|g|gio|:)")


def parse_contact_time(text: str) -> str | None:
    """morning, afternoon, evening or anytime, from words or an hour (8h, 14 giờ, 19:30)."""
    if folded_words(text).strip() == "toi":  # "tối" typed without diacritics; in a sentence it is "tôi"
        return "evening"
    key = match_keywords(text, CONTACT_WORDS)
    if key is not None:
        return key
    hour_match = _HOUR.search(fold(clean(text))[:300])
    if hour_match:
        hour = int(hour_match.group(1))
        if 6 <= hour <= 11:
            return "morning"
        if 12 <= hour <= 17:
            return "afternoon"
        if 18 <= hour <= 22:
            return "evening"
    return None


# Words a person types when asked which substance. The short ones are everyday words too ("có", "dạ"):
# they count only in a short answer, and only as typed without diacritics or with the drug's own.
SUBSTANCE_WORDS: dict[str, tuple[str, ...]] = {
    "methamphetamine": ("ice", "ma tuy da", "meth", "hang da", "choi da", "hut da"),
    "heroin": ("heroin", "hang trang", "bach phien", "he", "hero"),
    "ketamine": ("ketamine", "ket", "bay ke", "hit ke"),
    "cannabis": ("can sa", "weed", "co my", "hut co"),
    "mdma": ("thuoc lac", "mdma", "ecstasy", "xtc", "an keo"),
    "nitrous_oxide": ("bong cuoi", "khi cuoi", "n2o"),
    "opium": ("thuoc phien", "nha phien", "opium"),
    "synthetic": ("tong hop", "ma tuy tong hop", "nuoc vui", "tem giay"),
}
SHORT_SUBSTANCES: dict[str, tuple[str, str]] = {
    "methamphetamine": ("da", "đá"),
    "ketamine": ("ke", "kê"),
    "cannabis": ("co", "cỏ"),
    "mdma": ("keo", "kẹo"),
}
SHORT_ANSWER_WORDS = 4
UNKNOWN_WORDS: dict[str, tuple[str, ...]] = {
    "unknown": ("khong ro", "khong biet", "chua ro", "chua biet", "ko biet", "k biet", "khong chac", "ko ro"),
}


def parse_substances(text: str, entity_values: list[str]) -> list[str]:
    """The contract values named in the text: the NLU's entities plus the words people use for them."""
    found = [v for v in entity_values if v in SUBSTANCE_WORDS]
    for value in find_keys(text, SUBSTANCE_WORDS):
        if value not in found:
            found.append(value)
    tokens = re.findall(r"\w+", clean(text).lower()[:300])
    if len(tokens) <= SHORT_ANSWER_WORDS:
        for value, forms in SHORT_SUBSTANCES.items():
            if any(tok in forms for tok in tokens) and value not in found:
                found.append(value)
    return found


def says_unknown(text: str) -> bool:
    return bool(find_keys(text, UNKNOWN_WORDS))
