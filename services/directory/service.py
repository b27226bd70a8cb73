"""Use cases of the directory: import a validated CSV, list providers, find the ones to show a person."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from services.directory.csv_import import ProviderRow, parse_csv, read_file_text
from services.directory.places import Place, bare_key
from services.directory.repository import ProviderRepository
from services.i18n import LOCAL_TZ
from services.nlu.text import fold
from storage.directory_models import Provider, ProviderKind
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

SHOWN = 3
# Without a hint in the question, treatment facilities come first, then counselling points, then methadone.
KIND_ORDER = (ProviderKind.FACILITY, ProviderKind.COUNSELLING_POINT, ProviderKind.METHADONE_CLINIC)


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    updated: int
    removed: int


@dataclass(frozen=True, slots=True)
class ProviderView:
    province: str
    commune: str | None
    name: str
    kind: str
    ownership: str
    address: str
    phone: str
    hours: str
    last_verified: date
    sample: bool


@dataclass(frozen=True, slots=True)
class Lookup:
    province: Place
    shown: tuple[ProviderView, ...]
    total: int


def _view(p: Provider) -> ProviderView:
    return ProviderView(
        p.province, p.commune, p.name, p.kind, p.ownership, p.address, p.phone, p.hours, p.last_verified, p.sample
    )


def import_rows(uow: UnitOfWork, rows: list[ProviderRow], *, replace: bool, now: datetime) -> ImportResult:
    """Add or update (same province, commune and name) every row; with `replace`, drop the others first."""
    repo = ProviderRepository(uow.session)
    removed = repo.delete_all() if replace else 0
    existing = repo.by_keys([row.natural_key for row in rows])
    for row in rows:
        provider = existing.get(row.natural_key) or Provider(natural_key=row.natural_key)
        provider.province_code = row.province.code
        provider.province = row.province.name
        provider.commune_code = row.commune.code if row.commune else None
        provider.commune = row.commune.name if row.commune else None
        provider.name = row.name
        provider.kind = row.kind
        provider.ownership = row.ownership
        provider.address = row.address
        provider.phone = row.phone
        provider.hours = row.hours
        provider.last_verified = row.last_verified
        provider.sample = row.sample
        provider.imported_at = now
        if row.natural_key not in existing:
            repo.add(provider)
    uow.session.flush()
    result = ImportResult(added=len(rows) - len(existing), updated=len(existing), removed=removed)
    log.info("directory imported", extra={"added": result.added, "updated": result.updated, "removed": removed})
    return result


class CsvImportError(ValueError):
    """The file was not imported: every problem found, by line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def import_csv(uow: UnitOfWork, data: bytes, *, replace: bool, now: datetime) -> ImportResult:
    """Validate the whole file, then import it in the caller's transaction; nothing at all when a row is wrong."""
    parsed = parse_csv(read_file_text(data), today=now.astimezone(LOCAL_TZ).date())
    if parsed.errors:
        raise CsvImportError(parsed.errors)
    return import_rows(uow, parsed.rows, replace=replace, now=now)


def list_providers(uow: UnitOfWork, province: Place | None = None) -> list[ProviderView]:
    return [_view(p) for p in ProviderRepository(uow.session).listing(province.code if province else None)]


def preferred_kind(text: str) -> ProviderKind | None:
    """A kind the question asks for: methadone, or a counselling point; None for a treatment place in general."""
    folded = fold(text)
    if "methadone" in folded or "dieu tri thay the" in folded:
        return ProviderKind.METHADONE_CLINIC
    if "tu van" in folded:
        return ProviderKind.COUNSELLING_POINT
    return None


def lookup(uow: UnitOfWork, province: Place, kind: str | None, text: str) -> Lookup:
    """Up to three providers of the province: a commune named in the text first, then the kind asked for."""
    providers = ProviderRepository(uow.session).in_province(province.code)
    folded = " ".join(fold(text).split())

    def rank(p: Provider) -> tuple[int, int, int]:
        named = 0 if p.commune and f" {bare_key(p.commune)} " in f" {folded} " else 1
        order = KIND_ORDER.index(ProviderKind(p.kind)) if p.kind in KIND_ORDER else len(KIND_ORDER)
        return (named, 0 if p.kind == kind else 1, order)

    ranked = sorted(providers, key=rank)  # stable: by name within a rank
    return Lookup(province, tuple(_view(p) for p in ranked[:SHOWN]), len(providers))
