"""Revision 0002 creates exactly what the request and directory models declare (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from services.bootstrap import App
from storage.directory_models import Provider
from storage.migrate import downgrade, upgrade
from storage.models import Base
from storage.requests_models import RequestEvent, TrackedRequest

TABLES = {TrackedRequest.__tablename__, RequestEvent.__tablename__, Provider.__tablename__}


def _table_of(diff: object) -> str | None:
    """The table an autogenerate difference is about (diffs are tuples, or lists of tuples for columns)."""
    item = diff[0] if isinstance(diff, list) else diff
    assert isinstance(item, tuple)
    for part in item[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else part
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(name, str) and name in TABLES:
            return name
    return None


def test_migration_0002_matches_the_models(app: App) -> None:
    with app.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    mine = [d for d in diffs if _table_of(d) in TABLES]
    assert mine == []
    assert set(inspect(app.engine).get_table_names()) >= TABLES


def test_revision_0002_goes_down_to_0001_and_back(app: App) -> None:
    downgrade(app.engine, "0001")
    assert not TABLES & set(inspect(app.engine).get_table_names())
    upgrade(app.engine)
    assert set(inspect(app.engine).get_table_names()) >= TABLES
