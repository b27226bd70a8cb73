"""Storage on SQLite and the real PostgreSQL: migrations, encryption at rest, unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select, text

from services.bootstrap import App
from storage.crypto import Cipher, parse_keys
from storage.migrate import current_revisions, downgrade, head_revisions, upgrade
from storage.models import Person
from tests.helpers import Chat


def test_migrations_reach_head_and_go_back(app: App) -> None:
    assert current_revisions(app.engine) == head_revisions()
    names = set(inspect(app.engine).get_table_names())
    assert {"people", "dialogue_states", "inbox", "outbox", "audit_log", "handoff_requests"} <= names
    downgrade(app.engine, "base")
    assert "people" not in set(inspect(app.engine).get_table_names())
    upgrade(app.engine)
    assert current_revisions(app.engine) == head_revisions()


def test_sensitive_columns_are_encrypted_at_rest(app: App) -> None:
    Chat(app, user="987654321").say("con trai tôi tên Minh, số 0912345678")
    with app.engine.connect() as conn:
        raw_inbox = conn.execute(text("select text from inbox")).scalar_one()
        raw_person = conn.execute(text("select external_id, external_id_hash from people")).one()
        raw_outbox = conn.execute(text("select text from outbox")).scalars().all()
    assert "Minh" not in raw_inbox and "0912345678" not in raw_inbox
    assert "987654321" not in raw_person[0] and "987654321" not in raw_person[1]
    assert all("đường dây nóng" not in row for row in raw_outbox)
    with app.uow() as uow:
        person = uow.people.find("test", "987654321")
        assert person is not None and person.external_id == "987654321"


def test_unit_of_work_rolls_back_unless_committed(app: App) -> None:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    with app.uow() as uow:
        uow.people.get_or_create("test", "rollback-me", now)
    with app.uow() as uow:
        assert uow.people.find("test", "rollback-me") is None
        uow.people.get_or_create("test", "keep-me", now)
        uow.commit()
    with app.uow() as uow:
        person = uow.people.find("test", "keep-me")
        assert person is not None and person.created_at == now


def test_naive_datetimes_are_refused(app: App) -> None:
    naive = datetime(2026, 1, 1)  # a naive datetime is the point of the test
    with app.uow() as uow:
        uow.session.add(
            Person(
                channel="t",
                external_id_hash="x",
                external_id="x",
                language="vi",
                anonymous=True,
                unreachable=False,
                created_at=naive,
                last_seen_at=naive,
            )
        )
        with pytest.raises(Exception, match="naive"):
            uow.session.flush()


def test_key_rotation_reads_old_values() -> None:
    old, new = (
        parse_keys("HuC3qVnmB1mR2r9wRz2tq0l7C9XyYwS6gqj4q8Y9m3U="),
        parse_keys("q1Z0vS6JmXo0cF4rWm4g0r9b8nT2YtU1lK7hQ3sD5eA="),
    )
    token = Cipher(old).encrypt("bí mật")
    assert Cipher(new + old).decrypt(token) == "bí mật"
    with pytest.raises(ValueError, match="decrypted"):
        Cipher(new).decrypt(token)


def test_people_are_found_by_blind_index(app: App) -> None:
    Chat(app, user="111").say("chào")
    Chat(app, user="222").say("chào")
    with app.uow() as uow:
        assert len(uow.session.scalars(select(Person)).all()) == 2
