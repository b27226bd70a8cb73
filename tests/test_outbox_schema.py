"""The channel's migrations of the outbox and inbox (0007 parts sent and long button payloads, 0008 copies, 0009
the person a row is about, 0010 when a message's text was erased) match the models, and 0008–0010 go down and up
again without touching the rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from services.bootstrap import App
from storage.migrate import downgrade, upgrade
from storage.models import Base, OutboxMessage

TABLES = {"outbox", "button_payloads", "inbox"}


def _differences(app: App) -> list[object]:
    with app.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    return [d for d in diffs if any(f"'{table}'" in repr(d) or f"{table}." in repr(d) for table in TABLES)]


def test_the_outbox_migrations_match_the_models(app: App) -> None:
    assert _differences(app) == []


@pytest.mark.parametrize(
    ("below", "table", "column"),
    [("0007", "outbox", "copy_of"), ("0008", "outbox", "about_person_id"), ("0009", "inbox", "erased_at")],
)
def test_a_revision_goes_down_and_back_keeping_the_rows(app: App, below: str, table: str, column: str) -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with app.uow() as uow:
        person = uow.people.get_or_create("test", "u1", now)
        uow.outbox.queue(person.id, "test", "Dạ, chào bạn", [], now)
        uow.commit()
    downgrade(app.engine, below)
    assert column not in {c["name"] for c in inspect(app.engine).get_columns(table)}
    upgrade(app.engine)
    assert _differences(app) == []
    with app.uow() as uow:
        rows = uow.session.scalars(select(OutboxMessage)).all()
        assert [(row.text, row.copy_of, row.about_person_id) for row in rows] == [("Dạ, chào bạn", None, None)]
