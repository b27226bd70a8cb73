"""Alembic environment: runs on the connection the application hands over, or on the configured URL."""

from __future__ import annotations

import importlib
import pkgutil

from alembic import context
from sqlalchemy import Connection

import storage
from storage.db import build_engine
from storage.models import Base

# Every feature's tables live in a storage/<feature>_models.py module (and button_payloads):
# import them all so that autogenerate sees the whole schema.
for _module in pkgutil.iter_modules(storage.__path__):
    if _module.name.endswith("_models") or _module.name == "button_payloads":
        importlib.import_module(f"storage.{_module.name}")

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = build_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
