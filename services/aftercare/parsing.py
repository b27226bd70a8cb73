"""Reading what people type about their check-ins: a time of day, a number of days, a craving level, and
the settings they ask for in words ("đổi giờ sang 7h tối", "tạm dừng 3 ngày", "dừng nhắc").

Everything works on the cleaned, lower-case, diacritics-free text with teencode expanded, so "dung nhac",
"dừng nhắc" and "ko muon nhan tin nua" read the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from services.nlu.text import TEENCODE, clean, fold

_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBER_WORDS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}


def words(text: str) -> str:
    """The text as the patterns read it: folded, teencode expanded, one space between words."""
    return " ".join(TEENCODE.get(tok, tok) for tok in _WORD.findall(fold(clean(text))))


class Setting(StrEnum):
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"
    TIME = "time"
    MENU = "menu"


_NUMBERS = "|".join(_NUMBER_WORDS)
_TOPIC = r"(nhac|nhac nho|nhan tin|tin nhan|hoi tham|check ?in|chuong trinh)"
_PATTERNS: tuple[tuple[Setting, re.Pattern[str]], ...] = (
    (Setting.PAUSE, re.compile(r"\btam (dung|ngung|nghi|hoan|tat)\b")),
    (
        Setting.PAUSE,
        re.compile(rf"\b(dung|ngung|nghi) {_TOPIC}( \w+)? (\d+|{'|'.join(_NUMBER_WORDS)}) (ngay|hom|tuan)\b"),
    ),
    (Setting.PAUSE, re.compile(rf"\bnghi {_TOPIC}\b")),
    (Setting.RESUME, re.compile(rf"\b(tiep tuc|bat lai|mo lai|bat dau lai) {_TOPIC}\b")),
    (Setting.RESUME, re.compile(rf"\b{_TOPIC} (lai|tiep) (di|nhe|nha|cho (toi|em|minh))\b")),
    (Setting.STOP, re.compile(rf"\b(dung|ngung|huy|bo|thoi|tat)( han| luon| het)? {_TOPIC}\b")),
    (Setting.STOP, re.compile(r"\bkhong (muon|can|thich) (duoc |bi )?(nhan )?(them )?(tin|nhac|hoi tham)\b")),
    (Setting.STOP, re.compile(r"\b(dung|ngung) (gui|nhan) tin\b")),
    (Setting.STOP, re.compile(rf"\b(huy|roi) (dang ky )?{_TOPIC}\b")),
    (Setting.TIME, re.compile(r"\b(doi|chuyen|thay doi|doi lai|sua|dat) (gio|thoi gian|lich)\b")),
    (Setting.TIME, re.compile(rf"\b{_TOPIC} (toi|em|minh) (luc|vao luc|vao)\b")),
    (Setting.MENU, re.compile(rf"\b(cai dat|thiet lap|tuy chinh) {_TOPIC}\b")),
)


def setting_asked(text: str) -> Setting | None:
    """Which after-care setting the words ask for, if any (checked only for enrolled people)."""
    said = words(text)
    for setting, pattern in _PATTERNS:
        if pattern.search(said):
            return setting
    return None


_NOT_OK = re.compile(
    r"\b(khong|chang|chua|cha|kem) (duoc |con |thay |cam thay )?(on|khoe|tot|vui|binh thuong)\b"
    r"|\b(te qua|te lam|buon qua|buon lam|met moi|chan nan|bat on|cang thang|stress)\b"
)


def says_not_ok(text: str) -> bool:
    """Whether the text says not OK ("không ổn", "chẳng khỏe", "buồn lắm"): never an "I am OK" answer."""
    return bool(_NOT_OK.search(words(text)))


_CLOCK = re.compile(
    r"\b(?P<h>\d{1,2})\s*(?P<unit>:|\.|gio|h|g)?\s*(?P<m>\d{2})?\s*(?P<half>ruoi)?\s*(?:phut)?\s*"
    r"(?P<period>sang|trua|chieu|toi|dem|am|pm)?(?!\w)"
)


def parse_time(text: str, *, bare_ok: bool = False) -> time | None:
    """A time of day: "19h", "19:30", "7 giờ tối", "8h sáng", "7 rưỡi tối" (with `bare_ok`, also "19")."""
    said = fold(clean(text))
    for match in _CLOCK.finditer(said):
        unit, period = match.group("unit"), match.group("period")
        if not (unit or period or match.group("half") or (bare_ok and said.strip(" .!") == match.group("h"))):
            continue
        if match.group("m") and not unit:
            continue
        hour = int(match.group("h"))
        minute = 30 if match.group("half") else int(match.group("m") or 0)
        afternoon = period in ("chieu", "toi", "pm") and hour < 12
        late = (period == "dem" and 6 <= hour < 12) or (period == "trua" and hour < 6)
        if afternoon or late:
            hour += 12
        if 0 <= hour <= 23 and 0 <= minute <= 59:
            return time(hour, minute)
    return None


_DAYS = re.compile(rf"\b(?P<n>\d{{1,3}}|{_NUMBERS})\s*(?P<unit>ngay|hom|bua|tuan|thang)\b")


def parse_days(text: str) -> int | None:
    """A number of days: "3 ngày", "1 tuần", "hai tuần", or a bare number; None when there is none."""
    said = words(text)
    match = _DAYS.search(said)
    if match:
        raw = match.group("n")
        count = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        return count * {"tuan": 7, "thang": 30}.get(match.group("unit"), 1)
    return int(said) if said.isdigit() else None


_EXPLICIT_LEVEL = re.compile(r"\b(?P<a>10|\d)\s*(?:/\s*10|diem|tren 10)(?!\d)|\bmuc\s*(?P<b>10|\d)\b")
_ANY_NUMBER = re.compile(r"\b\d+\b")


def parse_level(text: str, *, explicit_only: bool = False) -> int | None:
    """A craving level 0–10: "8", "mức 8", "8/10", "8 điểm". With `explicit_only`, a number counts only with
    its scale (so "thèm 2 ngày nay" is not a level)."""
    said = fold(clean(text))
    match = _EXPLICIT_LEVEL.search(said)
    if match:
        return int(match.group("a") or match.group("b"))
    if explicit_only:
        return None
    numbers = _ANY_NUMBER.findall(said)
    if len(numbers) == 1 and int(numbers[0]) <= 10:
        return int(numbers[0])
    return None


@dataclass(frozen=True, slots=True)
class Command:
    """`/aftercare [join|time HH:MM|pause N|resume|stop]`, the typed equivalent of every after-care button."""

    action: str
    argument: str = ""


def parse_command(text: str) -> Command:
    parts = text.split(maxsplit=2)
    action = parts[1].lower() if len(parts) > 1 else ""
    return Command(action, parts[2].strip() if len(parts) > 2 else "")
