"""Queries over the provider directory; flushes, never commits."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.directory_models import Provider


class ProviderRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def by_keys(self, keys: list[str]) -> dict[str, Provider]:
        if not keys:
            return {}
        found = self._s.scalars(select(Provider).where(Provider.natural_key.in_(keys)))
        return {p.natural_key: p for p in found}

    def add(self, provider: Provider) -> None:
        self._s.add(provider)

    def delete_all(self) -> int:
        return int(self._s.execute(delete(Provider)).rowcount)  # type: ignore[attr-defined]

    def in_province(self, province_code: int) -> list[Provider]:
        stmt = select(Provider).where(Provider.province_code == province_code).order_by(Provider.name, Provider.id)
        return list(self._s.scalars(stmt))

    def listing(self, province_code: int | None = None) -> list[Provider]:
        stmt = select(Provider)
        if province_code is not None:
            stmt = stmt.where(Provider.province_code == province_code)
        return list(self._s.scalars(stmt.order_by(Provider.province_code, Provider.commune_code, Provider.name)))

    def province_counts(self) -> dict[int, int]:
        """How many providers each province has (the province buttons show the best-covered first)."""
        stmt = select(Provider.province_code, func.count()).group_by(Provider.province_code)
        return {int(code): int(count) for code, count in self._s.execute(stmt)}
