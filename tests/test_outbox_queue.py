"""What a channel sender is given to send: each person's oldest due row, in order, never two of one person."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from services.bootstrap import App
from services.outbox import OutboxQueue
from storage.models import OutboxMessage


def _queue(app: App, rows: list[tuple[str, str]]) -> dict[str, int]:
    """Write (person's chat id, text) rows in this order; returns each chat's person id."""
    now = app.clock.now()
    with app.uow() as uow:
        people = uow.people.get_or_create_many("telegram", [chat for chat, _ in rows], now)
        for chat, text in rows:
            uow.outbox.queue(people[chat], "telegram", text, (), now)
        uow.commit()
    return people


def _texts(app: App, queue: OutboxQueue, limit: int = 100, skip: frozenset[int] = frozenset()) -> list[str]:
    return [row.text for row in queue.due("telegram", limit, skip)]


def test_each_person_gives_their_oldest_due_row_and_the_rest_wait(app: App) -> None:
    people = _queue(
        app,
        [("1", "a1"), ("2", "b1"), ("1", "a2"), ("3", "c1"), ("2", "b2"), ("4", "d1"), ("3", "c2")],
    )
    queue = OutboxQueue(app.uow, app.clock)
    # Person 2's first row was refused a moment ago and waits: their second row must not overtake it.
    with app.uow() as uow:
        b1 = uow.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()[1]  # text is encrypted
        uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == b1)
            .values(next_attempt_at=app.clock.now() + timedelta(seconds=30))
        )
        uow.commit()

    assert _texts(app, queue) == ["a1", "c1", "d1"]
    assert _texts(app, queue, limit=2) == ["a1", "c1"]
    # People whose row is being sent are skipped, and so are their later rows.
    assert _texts(app, queue, skip=frozenset({people["1"], people["4"]})) == ["c1"]

    first = queue.due("telegram", 1)[0]
    assert first.recipient == "1" and first.person_id == people["1"]
    queue.sent(first)
    assert _texts(app, queue) == ["a2", "c1", "d1"]


def test_nothing_is_given_for_another_channel_or_once_everything_is_sent(app: App) -> None:
    _queue(app, [("1", "a1"), ("2", "b1")])
    queue = OutboxQueue(app.uow, app.clock)
    assert queue.due("zalo") == []
    queue.sent_many(queue.due("telegram"))
    assert queue.due("telegram") == []
    assert queue.next_due_in("telegram") is None
