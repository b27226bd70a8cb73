"""Evaluation like `rasa test nlu`: accuracy, macro F1, per-intent report, confusions, entity P/R/F1."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from services.nlu.base import NluEngine
from services.nlu.data import Example


@dataclass
class IntentStats:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    total: int
    accuracy: float
    macro_f1: float
    intents: dict[str, IntentStats] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    entity_precision: float = 0.0
    entity_recall: float = 0.0
    entity_f1: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "intents": {k: vars(v) for k, v in self.intents.items()},
            "confusions": [{"expected": e, "predicted": p, "count": n} for e, p, n in self.confusions],
            "entities": {
                "precision": round(self.entity_precision, 4),
                "recall": round(self.entity_recall, 4),
                "f1": round(self.entity_f1, 4),
            },
        }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(nlu: NluEngine, examples: list[Example]) -> Report:
    pairs: Counter[tuple[str, str]] = Counter()
    true_ents = pred_ents = hit_ents = 0
    for example in examples:
        parsed = nlu.parse(example.text)
        pairs[(example.intent, parsed.intent.name)] += 1
        gold = {(e.entity, e.value) for e in example.entities}
        got = {(e.entity, e.value) for e in parsed.entities}
        true_ents += len(gold)
        pred_ents += len(got)
        hit_ents += len(gold & got)
    labels = sorted({e for e, _ in pairs} | {p for _, p in pairs})
    stats: dict[str, IntentStats] = {}
    for label in labels:
        tp = pairs[(label, label)]
        predicted = sum(n for (_, p), n in pairs.items() if p == label)
        actual = sum(n for (e, _), n in pairs.items() if e == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        if actual:
            stats[label] = IntentStats(round(precision, 4), round(recall, 4), round(_f1(precision, recall), 4), actual)
    total = sum(pairs.values())
    correct = sum(n for (e, p), n in pairs.items() if e == p)
    confusions = sorted(((e, p, n) for (e, p), n in pairs.items() if e != p), key=lambda t: -t[2])
    ent_p = hit_ents / pred_ents if pred_ents else 0.0
    ent_r = hit_ents / true_ents if true_ents else 0.0
    return Report(
        total=total,
        accuracy=correct / total if total else 0.0,
        macro_f1=sum(s.f1 for s in stats.values()) / len(stats) if stats else 0.0,
        intents=stats,
        confusions=confusions,
        entity_precision=ent_p,
        entity_recall=ent_r,
        entity_f1=_f1(ent_p, ent_r),
    )


def format_report(report: Report) -> str:
    lines = [
        f"examples: {report.total}",
        f"intent accuracy: {report.accuracy:.4f}",
        f"intent macro F1: {report.macro_f1:.4f}",
        f"entity precision/recall/F1: {report.entity_precision:.4f} / {report.entity_recall:.4f} / "
        f"{report.entity_f1:.4f}",
        "",
        f"{'intent':32} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}",
    ]
    for name, s in sorted(report.intents.items()):
        lines.append(f"{name:32} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:5d}")
    if report.confusions:
        lines.append("")
        lines.append("most confused (expected → predicted: count)")
        lines.extend(f"  {e} → {p}: {n}" for e, p, n in report.confusions[:20])
    return "\n".join(lines)
