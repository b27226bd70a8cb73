"""Text normalisation for Vietnamese as people type it: diacritics optional, teencode common."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")

# Teencode and common abbreviations, on diacritics-stripped lower-case tokens.
TEENCODE: dict[str, str] = {
    "ko": "khong",
    "k": "khong",
    "kg": "khong",
    "kh": "khong",
    "hok": "khong",
    "hong": "khong",
    "hem": "khong",
    "khg": "khong",
    "khum": "khong",
    "dc": "duoc",
    "dk": "duoc",
    "dx": "duoc",
    "j": "gi",
    "ji": "gi",
    "z": "vay",
    "v": "vay",
    "dzay": "vay",
    "zay": "vay",
    "ntn": "nhu the nao",
    "bn": "bao nhieu",
    "bnhiu": "bao nhieu",
    "nhiu": "nhieu",
    "nhieu": "nhieu",
    "bik": "biet",
    "bit": "biet",
    "bjk": "biet",
    "vs": "voi",
    "ng": "nguoi",
    "ngta": "nguoi ta",
    "mn": "moi nguoi",
    "mk": "minh",
    "mik": "minh",
    "t": "toi",
    "tui": "toi",
    "tao": "toi",
    "e": "em",
    "r": "roi",
    "ak": "a",
    "ah": "a",
    "uh": "u",
    "uk": "u",
    "ok": "ok",
    "oke": "ok",
    "okie": "ok",
    "thik": "thich",
    "wa": "qua",
    "ms": "moi",
    "cx": "cung",
    "cg": "cung",
    "sao": "sao",
    "s": "sao",
    "bh": "bao gio",
    "bgio": "bao gio",
    "h": "gio",
    "trc": "truoc",
    "ngkhac": "nguoi khac",
    "cn": "con",
    "ib": "nhan tin",
    "sdt": "so dien thoai",
    "dt": "dien thoai",
    "tks": "cam on",
    "thanks": "cam on",
    "thank": "cam on",
    "ty": "cam on",
    "cmon": "cam on",
    "camon": "cam on",
    "pls": "lam on",
    "plz": "lam on",
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "hn": "ha noi",
}


def clean(text: str) -> str:
    """NFC-normalise, drop control and zero-width characters, collapse white space."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


@cache
def _strip_char(char: str) -> str:
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    decomposed = unicodedata.normalize("NFD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 else char


class _StripTable(dict[int, str]):
    """A str.translate table filled on first sight of each character (ASCII passes through untouched)."""

    def __missing__(self, codepoint: int) -> str:
        stripped = _strip_char(chr(codepoint))
        self[codepoint] = stripped
        return stripped


_STRIP_TABLE = _StripTable()


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics character by character, so indices stay the same."""
    return text if text.isascii() else text.translate(_STRIP_TABLE)


def fold(text: str) -> str:
    """Lower-case and strip diacritics; keeps the length, so spans map back to the original."""
    return strip_diacritics(text.lower())


def normalise_for_model(text: str) -> str:
    """The form the classifier sees: cleaned, folded, teencode expanded, digits collapsed."""
    folded = fold(clean(text))
    tokens = [TEENCODE.get(tok, tok) for tok in _WORD.findall(folded)]
    return _DIGIT.sub("0", " ".join(tokens))
