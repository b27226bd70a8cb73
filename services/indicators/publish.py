"""Small-count suppression and the outputs: a table, JSON and the CSV a province pastes into its report.

A count from 1 to 4 is shown as "<5" (0 stays 0: it identifies nobody). A figure derived from counts (a rate,
a share, a percentile, an average) is suppressed when any count behind it is 1–4. Within a breakdown whose
cells add up to a published total, when exactly one cell is suppressed, the smallest other non-zero cell is
suppressed too, so that the hidden one cannot be found by subtraction.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from services.indicators.definitions import DEFINITIONS, PLACE_NOTES
from services.indicators.report import Figure, Indicators, figures

SMALL = "<5"
THRESHOLD = 5


@dataclass(frozen=True, slots=True)
class Shown:
    indicator: str
    breakdown: str
    value: str
    unit: str


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def suppressed_indexes(rows: list[Figure]) -> set[int]:
    hidden = {i for i, row in enumerate(rows) if any(is_small(b) for b in row.basis)}
    groups: defaultdict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        for group in row.groups:
            groups[group].append(i)
    changed = True
    while changed:  # a cell hidden for one partition may expose another: repeat until nothing moves
        changed = False
        for members in groups.values():
            if sum(1 for i in members if i in hidden) != 1:
                continue
            others = [i for i in members if i not in hidden and isinstance(rows[i].value, int) and rows[i].value]
            if others:
                hidden.add(min(others, key=lambda i: (rows[i].value or 0, i)))
                changed = True
    return hidden


def text(value: int | float | None) -> str:
    if value is None:
        return "n/a"
    return str(value)


def shown(ind: Indicators, *, suppress: bool) -> list[Shown]:
    rows = figures(ind)
    hidden = suppressed_indexes(rows) if suppress else set()
    return [
        Shown(row.indicator, row.breakdown, SMALL if i in hidden else text(row.value), row.unit)
        for i, row in enumerate(rows)
    ]


def definition(indicator: str) -> str:
    meaning, place = DEFINITIONS[indicator]
    return f"{meaning} {place}"


CSV_COLUMNS = (
    "period_start",
    "period_end",
    "province",
    "commune",
    "indicator",
    "breakdown",
    "value",
    "unit",
    "definition",
)


def to_csv(ind: Indicators) -> str:
    """Always suppressed; starts with a UTF-8 byte order mark so that spreadsheets read the diacritics."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    first = ind.period.first_day.isoformat() if ind.period.first_day else ""
    province = ind.place.province.name if ind.place.province else ""
    commune = ind.place.commune.name if ind.place.commune else ""
    for row in shown(ind, suppress=True):
        writer.writerow(
            (
                first,
                ind.period.last_day.isoformat(),
                province,
                commune,
                row.indicator,
                row.breakdown,
                row.value,
                row.unit,
                definition(row.indicator),
            )
        )
    return "\ufeff" + out.getvalue()


def to_table(ind: Indicators, *, suppress: bool, explain: bool) -> str:
    rows = shown(ind, suppress=suppress)
    heading = (
        f"Indicators {ind.period.label} (data up to {ind.period.end.isoformat(timespec='minutes')}), "
        f"{ind.place.label}; " + ("counts 1-4 shown as <5" if suppress else "exact counts (not for publication)")
    )
    widths = [max(len(c), *(len(getattr(r, c)) for r in rows)) for c in ("indicator", "breakdown", "value")]
    lines = [heading]
    if explain:
        lines += [f"# {note}" for note in PLACE_NOTES]
    last = ""
    for row in rows:
        if explain and row.indicator != last:
            lines.append(f"# {row.indicator}: {definition(row.indicator)}")
        last = row.indicator
        cells = (row.indicator, row.breakdown, row.value)
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f"  {row.unit}")
    return "\n".join(lines)


def to_json(ind: Indicators, *, suppress: bool, explain: bool) -> dict[str, object]:
    data: dict[str, object] = {
        "period": {
            "first_day": ind.period.first_day.isoformat() if ind.period.first_day else None,
            "last_day": ind.period.last_day.isoformat(),
            "data_until": ind.period.end.isoformat(),
        },
        "place": ind.place.label,
        "suppressed": suppress,
        "figures": [
            {"indicator": r.indicator, "breakdown": r.breakdown, "value": r.value, "unit": r.unit}
            for r in shown(ind, suppress=suppress)
        ],
    }
    if not suppress:
        data["exact"] = ind.to_dict()
    if explain:
        data["definitions"] = {key: definition(key) for key in DEFINITIONS}
        data["notes"] = list(PLACE_NOTES)
    return data
