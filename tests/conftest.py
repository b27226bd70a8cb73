"""Shared fixtures: a trained NLU per session, and an application on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from services.bootstrap import App, build_app
from services.clock import FakeClock
from services.nlu.base import NluEngine
from services.nlu.embedded import EmbeddedNlu, load_embedded
from services.settings import Settings

PG_ADMIN_DSN = os.environ.get("HOTLINE_TEST_PG_ADMIN", "host=127.0.0.1 port=5432 dbname=test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_KEY = Fernet.generate_key().decode()
START = datetime.fromisoformat("2026-11-23T09:00:00+07:00")


@pytest.fixture(scope="session")
def nlu(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedNlu:
    return load_embedded(tmp_path_factory.mktemp("nlu-cache"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test run's own on the local PostgreSQL, dropped at the end."""
    name = f"hotline_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://root@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "encryption_key": SecretStr(TEST_KEY),
    }
    values.update(overrides)
    return Settings.model_validate(values)


def _empty_postgres(app: App) -> None:
    with app.engine.begin() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                text("select tablename from pg_tables where schemaname = 'public' and tablename != 'alembic_version'")
            )
        ]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


AppFactory = Callable[..., App]


@pytest.fixture
def make_app(tmp_path: Path, database_url: str, nlu: EmbeddedNlu) -> Iterator[AppFactory]:
    apps: list[App] = []

    def factory(clock: FakeClock | None = None, nlu: NluEngine = nlu, **overrides: object) -> App:
        settings = make_settings(tmp_path, database_url, **overrides)
        app = build_app(settings, clock=clock or FakeClock(START), nlu=nlu)
        if app.engine.dialect.name == "postgresql" and not apps:
            _empty_postgres(app)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app: AppFactory) -> App:
    return make_app()


Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(
    app: App,
    database_url: str,
    nlu: EmbeddedNlu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    """`hotline …` in-process on the test's database, with its key, its clock and the already trained NLU.

    Returns (exit status, stdout, stderr).
    """
    from bot.cli.main import main

    monkeypatch.setenv("HOTLINE_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setattr("bot.cli.common.build_app", lambda settings: build_app(settings, nlu=nlu, clock=app.clock))

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main([*argv, "--db", database_url])
        out, err = capsys.readouterr()
        return status, out, err

    return run
