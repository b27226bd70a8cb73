"""Reading the operator's provider CSV, row by row, with an error message per problem and line."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from services.directory.places import Place, PlaceError, resolve_commune, resolve_province
from services.nlu.text import fold
from services.phones import to_e164
from storage.directory_models import Ownership, ProviderKind

COLUMNS = ("name", "kind", "ownership", "province", "commune", "address", "phone", "hours", "last_verified", "sample")
REQUIRED = ("name", "kind", "ownership", "province", "address", "phone", "last_verified")
LIMITS = {"name": 200, "address": 300, "hours": 120}
MAX_ERRORS = 200
T = TypeVar("T")

_KINDS = {
    "facility": ProviderKind.FACILITY,
    "co so cai nghien": ProviderKind.FACILITY,
    "counselling_point": ProviderKind.COUNSELLING_POINT,
    "diem tu van": ProviderKind.COUNSELLING_POINT,
    "methadone_clinic": ProviderKind.METHADONE_CLINIC,
    "methadone": ProviderKind.METHADONE_CLINIC,
}
_OWNERSHIP = {
    "public": Ownership.PUBLIC,
    "cong lap": Ownership.PUBLIC,
    "private": Ownership.PRIVATE,
    "tu nhan": Ownership.PRIVATE,
    "ngoai cong lap": Ownership.PRIVATE,
}
_YES = {"yes", "true", "1", "co", "x"}
_NO = {"", "no", "false", "0", "khong"}


@dataclass(frozen=True, slots=True)
class ProviderRow:
    line: int
    province: Place
    commune: Place | None
    name: str
    kind: ProviderKind
    ownership: Ownership
    address: str
    phone: str  # E.164
    hours: str
    last_verified: date
    sample: bool

    @property
    def natural_key(self) -> str:
        """One provider per province, commune and name (the name without case or marks)."""
        commune = self.commune.code if self.commune is not None else 0
        return f"{self.province.code}:{commune}:{' '.join(fold(self.name).split())}"


@dataclass
class ParsedCsv:
    rows: list[ProviderRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class _RowError(ValueError):
    pass


def _uncommented(text: str) -> Iterator[str]:
    """Comment lines (#…) become blank, so the csv module's line numbers stay the file's."""
    for line in text.splitlines(keepends=True):
        yield "\n" if line.lstrip().startswith("#") else line


def parse_csv(text: str, today: date) -> ParsedCsv:
    """Validate every row; the result has either rows to import or the errors (by line) to fix first."""
    parsed = ParsedCsv()
    reader = csv.reader(_uncommented(text.removeprefix("\ufeff")))
    header: list[str] | None = None
    seen: dict[str, int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            problems = _header_problems(header)
            if problems:
                parsed.errors.extend(f"line {reader.line_num}: {p}" for p in problems)
                return parsed
            continue
        try:
            row = _row(dict(zip(header, cells, strict=False)), len(cells), len(header), reader.line_num, today)
        except _RowError as exc:
            parsed.errors.append(f"line {reader.line_num}: {exc}")
        else:
            if row.natural_key in seen:
                parsed.errors.append(f"line {row.line}: the same provider as line {seen[row.natural_key]}")
            else:
                seen[row.natural_key] = row.line
                parsed.rows.append(row)
        if len(parsed.errors) >= MAX_ERRORS:
            parsed.errors.append(f"stopped after {MAX_ERRORS} errors")
            break
    if header is None:
        parsed.errors.append("the file has no header row: " + ",".join(COLUMNS))
    return parsed


def _header_problems(header: list[str]) -> list[str]:
    problems = [f"unknown column {name!r} (columns: {', '.join(COLUMNS)})" for name in header if name not in COLUMNS]
    problems += [f"missing column {name!r}" for name in REQUIRED if name not in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    problems += [f"column {name!r} appears twice" for name in duplicated]
    return problems


def _row(values: dict[str, str], cells: int, columns: int, line: int, today: date) -> ProviderRow:
    if cells != columns:
        raise _RowError(f"{cells} cells where the header has {columns} (a comma inside a value needs quotes)")
    values = {key: value.strip() for key, value in values.items()}
    problems: list[str] = []
    for name in REQUIRED:
        if not values.get(name):
            problems.append(f"{name} is empty")
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            problems.append(f"{name} is longer than {limit} characters")
    if problems:
        raise _RowError("; ".join(problems))
    sample = _flag(values.get("sample", ""))
    province = _place(lambda: resolve_province(values["province"]))
    commune = _place(lambda: resolve_commune(province, values["commune"])) if values.get("commune") else None
    phone = to_e164(values["phone"], allow_unassigned=sample)
    if phone is None:
        hint = (
            " (an unassigned number is allowed only on a sample row)"
            if to_e164(values["phone"], allow_unassigned=True)
            else ""
        )
        raise _RowError(f"phone {values['phone']!r} is not a Vietnamese phone number{hint}")
    return ProviderRow(
        line=line,
        province=province,
        commune=commune,
        name=" ".join(values["name"].split()),
        kind=_choice(values["kind"], _KINDS, "kind"),
        ownership=_choice(values["ownership"], _OWNERSHIP, "ownership"),
        address=" ".join(values["address"].split()),
        phone=phone,
        hours=" ".join(values.get("hours", "").split()),
        last_verified=_verified(values["last_verified"], today),
        sample=sample,
    )


def _place(resolve: Callable[[], Place]) -> Place:
    try:
        return resolve()
    except PlaceError as exc:
        raise _RowError(str(exc)) from exc


def _choice(value: str, table: dict[str, T], column: str) -> T:
    key = " ".join(fold(value).replace("-", " ").split())
    choice = table.get(key) or table.get(key.replace(" ", "_"))
    if choice is None:
        allowed = ", ".join(sorted({str(v) for v in table.values()}))
        raise _RowError(f"{column} {value!r} is not one of: {allowed}")
    return choice


def _flag(value: str) -> bool:
    key = fold(value).strip()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise _RowError(f"sample {value!r} is not yes or no")


def _verified(value: str, today: date) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        if day > today:
            raise _RowError(f"last_verified {value} is in the future")
        return day
    raise _RowError(f"last_verified {value!r} is not a date like 2026-11-01 or 01/11/2026")


def read_file_text(data: bytes) -> str:
    """A CSV as saved by a spreadsheet: UTF-8 (with or without BOM); anything else is refused clearly."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 (byte {exc.start}): save it as “CSV UTF-8”") from exc
