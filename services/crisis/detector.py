"""A high-recall crisis detector: the NLU's crisis intents plus an independent Vietnamese lexicon."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from services.nlu.base import ParseResult
from services.nlu.text import normalise_for_model


class CrisisKind(StrEnum):
    SUICIDE = "suicide"
    OVERDOSE = "overdose"
    VIOLENCE = "violence"


INTENT_KINDS = {
    "crisis_suicide": CrisisKind.SUICIDE,
    "crisis_overdose": CrisisKind.OVERDOSE,
    "crisis_violence": CrisisKind.VIOLENCE,
}

# Patterns run on the model form of the text: lower case, no diacritics, teencode expanded.
LEXICON: dict[CrisisKind, tuple[str, ...]] = {
    CrisisKind.SUICIDE: (
        r"tu tu",
        r"tu sat",
        r"tu hai",
        r"muon chet",
        r"chet (quach|di|cho xong|luon|cho roi|cho nhe)",
        r"ket lieu",
        r"khong (muon|thiet|con muon) song",
        r"chan song",
        r"song (lam gi|de lam gi|cung vay|khong noi)",
        r"nhay (cau|lau|song|tu tang|xuong)",
        r"treo co",
        r"(cat|rach|rach) (tay|co tay|mach)",
        r"uong (het|ca|nhieu|nguyen|mot nam) .{0,12}(thuoc|vi|lo|hop)",
        r"thuoc (chuot|tru sau)",
        r"thuoc ngu (de|roi|cho|het)",
        r"ket thuc (cuoc doi|tat ca|cuoc song|moi thu)",
        r"bien mat khoi",
        r"khong muon ton tai",
        r"di chet",
        r"tuyet menh",
        r"luoi lam",
        r"mep (san thuong|cau|lan can|vuc)",
        r"ngay cuoi (cung )?cua (toi|em|minh|con|anh)",
        r"tam biet (moi nguoi|tat ca|ca nha|bo me|ba me|the gioi)",
        r"khong con (ly do|ai|gi) (de )?song",
        r"(muon|se) ngu (luon|mai) khong (day|tinh)",
        r"thu tu biet",
        r"giai thoat cho (em|toi|minh)",
        r"khong con muon",
        r"het cach roi",
    ),
    CrisisKind.OVERDOSE: (
        r"qua lieu",
        r"soc thuoc",
        r"soc (ke|da|heroin|hang|ma tuy|thuoc lac|keo|ma tuy da)",
        r"co giat",
        r"bat tinh",
        r"ngat (xiu|lim|di|trong|o|ngoai|tren|giua)",
        r"(bi|da|dang|vua) ngat",
        r"sui bot mep",
        r"(khong|kho) tho (duoc|noi)",
        r"tho (yeu|thoi thop|dut quang|khong noi)",
        r"(moi|mat) tim (tai|ngat|lai)?",
        r"tim tai",
        r"goi (mai )?khong (day|tinh)",
        r"lay (mai )?khong tinh",
        r"dot quy",
        r"tim dap (loan|manh qua)",
        r"nga (guc|lan ra)",
        r"nam bat dong",
        r"mat y thuc",
        r"dong tu (co|gian)",
        r"sot (cao|hon 40)",
        r"non ra mau",
        r"khong (phan ung|cu dong)",
        r"nguoi (lanh ngat|cung do)",
    ),
    CrisisKind.VIOLENCE: (
        r"cam (dao|gay|rua|keo|bua|mac|kiem|xa beng)",
        r"doa (giet|dam|chem|danh|dot)",
        r"de doa",
        r"(dam|chem|giet) (chet|nguoi|me|bo|vo|chong|con|em|toi|ca nha)",
        r"danh (toi|em|me|bo|vo|chong|con|chau|ba|ong|chi|anh|nguoi nha|ca nha)",
        r"dap pha",
        r"bop co",
        r"hanh hung",
        r"bao luc",
        r"dot nha",
        r"phong hoa",
        r"(no|chong|con|thang) (dang )?(danh|dap|chem|dam)",
        r"bi (danh|dam|chem|hanh hung)",
        r"dang (danh|dap pha|dam|chem)",
        r"nhot (toi|em|me|con)",
        r"di (dao|kiem) vao",
        r"chay mau",
    ),
}

# Idioms and look-alikes that are not alarms ("thèm chết đi được", "giảm liều từ từ").
EXCLUSIONS = re.compile(
    r"((them|nho|met|chan|buon cuoi|dep|ngon|vui|so|lanh|nong|doi|dau|cuoi|ghet|lo) chet (di duoc|mat|luon|duoc)|"
    r"(giam|bot|cat|cai|uong|dung|lam|tang|dan|hoi|noi|an|tap|tho) (\w+ ){0,2}tu tu)"
)
# General questions about risks are answers, not alarms ("ma túy có gây chết người không") ...
NEAR_MISS = re.compile(
    r"(la gi|co (gay|bi|lam|the)\b.*\b(khong|chua)$|co (nguy hiem|chet) khong|tac hai|dau hieu|"
    r"phong (tranh|ngua)|lam sao (de )?(biet|nhan biet|phong)|trieu chung .* la gi|bao lau thi|"
    r"neu .* thi (co|phai)|the nao la|hoi ve|tim hieu|bieu hien (gi|nao|ra sao|the nao)|nhu the nao$|"
    r"la do dau|la sao$|co nen .* khong$|"
    r"\b(nguoi nghien|nguoi dung|ma tuy|dung ma tuy|nguoi)\b.*\b(co|hay|de)\b.*\bkhong$)"
)
# ... unless the message says it is happening now.
URGENT = re.compile(
    r"(?<!\w)(dang|vua|roi|bay gio|hien gio|luc nay|cuu (voi|em|toi|con|chau|nguoi|me|tui|minh)|cuu$|"
    r"giup (voi|em|toi|minh|chau)|nhanh (len|giup|voi)|gap|ngay|"
    r"khong tinh|khong day|mau len|troi oi|oi troi|phai lam sao)(?!\w)"
)
_TRAILING_PARTICLES = re.compile(r"(\s+(vay|a|ha|nhi|nhe|chi|anh|em|ban|ad|admin|oi|day|ta))+$")
_COMPILED = {kind: re.compile(r"(?<!\w)(" + "|".join(p) + r")(?!\w)") for kind, p in LEXICON.items()}
NLU_CRISIS_THRESHOLD = 0.30


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    kind: CrisisKind
    detector: str  # "lexicon", "nlu" or "both"


def lexicon_kind(text: str) -> CrisisKind | None:
    form = normalise_for_model(text)
    if "từ từ" in text.lower() and "tự tử" not in text.lower():
        form = form.replace("tu tu", "tu_tu")  # the person typed "từ từ" (gradually), not "tự tử"
    form = EXCLUSIONS.sub(" ", form)
    hits = [kind for kind, pattern in _COMPILED.items() if pattern.search(form)]
    if not hits:
        return None
    question = _TRAILING_PARTICLES.sub("", form)
    if NEAR_MISS.search(question) and not URGENT.search(question):
        return None
    return hits[0]


def detect(text: str, parse: ParseResult | None) -> CrisisSignal | None:
    """Decide whether a message is a crisis; biased towards recall."""
    by_lexicon = lexicon_kind(text)
    by_nlu: CrisisKind | None = None
    if parse is not None:
        for score in parse.intent_ranking[:2] or (parse.intent,):
            kind = INTENT_KINDS.get(score.name)
            if kind is not None and score.confidence >= NLU_CRISIS_THRESHOLD:
                by_nlu = kind
                break
    if by_lexicon and by_nlu:
        return CrisisSignal(by_lexicon, "both")
    if by_lexicon:
        return CrisisSignal(by_lexicon, "lexicon")
    if by_nlu:
        return CrisisSignal(by_nlu, "nlu")
    return None
