"""HOTLINE_RETENTION_DAYS: handled messages older than it lose their text (the row stays, counted by the
indicators) and finished replies are deleted, pending ones never; the purge runs at most once an hour, as one of
the scheduler's ticks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select

from services.bootstrap import App
from services.clock import FakeClock
from services.privacy.retention import Purged, purge_old_messages
from storage.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from tests.conftest import AppFactory


def _inbox(app: App, person_id: int, name: str, status: str, at: datetime) -> None:
    with app.uow() as uow:
        uow.session.add(
            InboxMessage(
                channel="test", message_id=name, person_id=person_id, kind="text", text=name,
                received_at=at, status=status, attempts=0,
            )
        )  # fmt: skip
        uow.commit()


def _outbox(app: App, person_id: int, name: str, status: str, at: datetime) -> None:
    with app.uow() as uow:
        row = uow.outbox.queue(person_id, "test", name, [], at)
        row.status = status
        uow.commit()


def _left(app: App) -> tuple[list[str], list[str]]:
    """The inbox texts still readable (erased rows stay, without text) and the outbox rows left."""
    with app.uow() as uow:
        inbox = sorted(m.text for m in uow.session.scalars(select(InboxMessage)) if m.erased_at is None)
        assert all(m.text == "" for m in uow.session.scalars(select(InboxMessage)) if m.erased_at is not None)
        outbox = sorted(m.text for m in uow.session.scalars(select(OutboxMessage)))
    return inbox, outbox


def _person(app: App) -> int:
    with app.uow() as uow:
        person_id = uow.people.get_or_create("test", "u1", app.clock.now()).id
        uow.commit()
    return person_id


def test_old_finished_messages_go_and_pending_or_recent_ones_stay(app: App) -> None:
    now = app.clock.now()
    old, recent = now - timedelta(days=366), now - timedelta(days=364)
    person_id = _person(app)
    for index in range(5):  # more than a batch: the purge goes on until nothing old is left
        _inbox(app, person_id, f"old handled {index}", InboxStatus.HANDLED, old)
        _outbox(app, person_id, f"old sent {index}", OutboxStatus.SENT, old)
    _inbox(app, person_id, "old failed", InboxStatus.FAILED, old)
    _inbox(app, person_id, "old pending", InboxStatus.PENDING, old)
    _inbox(app, person_id, "recent", InboxStatus.HANDLED, recent)
    _outbox(app, person_id, "old refused", OutboxStatus.FAILED, old)
    _outbox(app, person_id, "old waiting", OutboxStatus.PENDING, old)
    _outbox(app, person_id, "recent", OutboxStatus.SENT, recent)

    purged = purge_old_messages(app.uow, now, 365, batch=2)

    assert purged == Purged(inbox_texts_erased=6, replies_deleted=6)
    assert _left(app) == (["old pending", "recent"], ["old waiting", "recent"])
    with app.uow() as uow:
        assert len(uow.session.scalars(select(InboxMessage)).all()) == 8, "the rows stay, as counts"
    assert purge_old_messages(app.uow, now, 365) == Purged(0, 0), "an erased text is not erased again"


def test_the_scheduler_purges_with_the_setting_at_most_once_an_hour(make_app: AppFactory) -> None:
    app = make_app(retention_days=30)
    clock = cast(FakeClock, app.clock)
    person_id = _person(app)
    _inbox(app, person_id, "first", InboxStatus.HANDLED, clock.now() - timedelta(days=31))
    app.run_due()
    assert _left(app) == ([], [])
    _inbox(app, person_id, "second", InboxStatus.HANDLED, clock.now() - timedelta(days=31))
    clock.advance(timedelta(minutes=59))
    app.run_due()
    assert _left(app) == (["second"], []), "not again within the hour"
    clock.advance(timedelta(minutes=1))
    app.run_due()
    assert _left(app) == ([], [])
