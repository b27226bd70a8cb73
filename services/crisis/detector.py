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
        r"muon chet",
        r"chet (quach|di|cho xong|luon|cho roi)",
        r"ket lieu",
        r"khong (muon|thiet|con muon) song",
        r"chan song",
        r"song (lam gi|de lam gi|cung vay)",
        r"nhay (cau|lau|song|tu tang)",
        r"treo co",
        r"(cat|rach) (tay|co tay)",
        r"uong (het|ca) (vi|lo|hop)",
        r"thuoc (ngu|chuot|tru sau) (de|roi|cho)",
        r"uong thuoc (ngu|chuot|tru sau)",
        r"ket thuc (cuoc doi|tat ca)",
        r"bien mat khoi",
        r"khong muon ton tai",
        r"di chet",
        r"chet cho (nhe|xong|roi)",
    ),
    CrisisKind.OVERDOSE: (
        r"qua lieu",
        r"soc thuoc",
        r"co giat",
        r"bat tinh",
        r"ngat (xiu|lim|di)",
        r"sui bot mep",
        r"(khong|kho) tho (duoc|noi)",
        r"tho (yeu|thoi thop|dut quang)",
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
    ),
    CrisisKind.VIOLENCE: (
        r"cam (dao|gay|rua|keo|bua|mac)",
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
    ),
}

# General questions about risks are answers, not alarms ("ma túy có gây chết người không").
NEAR_MISS = re.compile(
    r"(la gi|co (gay|bi|lam|the)\b.*\b(khong|chua)$|co (nguy hiem|chet) khong|tac hai|dau hieu|"
    r"phong (tranh|ngua)|lam sao (de )?(biet|nhan biet|phong)|trieu chung .* la gi|bao lau thi|"
    r"neu .* thi (co|phai)|the nao la|hoi ve|tim hieu)"
)
_COMPILED = {kind: re.compile(r"(?<!\w)(" + "|".join(p) + r")(?!\w)") for kind, p in LEXICON.items()}
NLU_CRISIS_THRESHOLD = 0.30


@dataclass(frozen=True, slots=True)
class CrisisSignal:
    kind: CrisisKind
    detector: str  # "lexicon", "nlu" or "both"


def lexicon_kind(text: str) -> CrisisKind | None:
    form = normalise_for_model(text)
    hits = [kind for kind, pattern in _COMPILED.items() if pattern.search(form)]
    if not hits or NEAR_MISS.search(form):
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
