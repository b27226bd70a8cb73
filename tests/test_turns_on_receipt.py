"""Turns run in the transaction that stores their messages (a quiet bot's way): the same replies and order as
storing, then handling; nothing of a breaking turn is kept, and its message still waits, stored."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from services.bootstrap import App
from services.dialogue.service import DialogueService
from storage.models import DialogueState, InboxMessage, InboxStatus
from tests.batch_support import app_reading, delivered, inbound
from tests.conftest import AppFactory
from tests.helpers import break_turns_on

SCRIPT = ["/start", "dong y", "chi phi cai nghien bao nhieu", "dau hieu nhan biet", "cam on"]


@pytest.fixture
def app(make_app: AppFactory) -> App:
    return app_reading(make_app, "read under the locks")


def statuses(app: App) -> list[InboxStatus]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(InboxMessage.status).order_by(InboxMessage.id)))


def texts_of(app: App, user: str) -> list[str]:
    return [message.text for message in delivered(app) if message.recipient == user]


def test_turns_on_receipt_give_the_replies_of_storing_then_handling(app: App) -> None:
    for text in SCRIPT:
        app.dialogue.handle(inbound(app, "apart", text))
    expected = texts_of(app, "apart")
    commits: list[int] = []
    event.listen(app.engine, "commit", lambda _conn: commits.append(1))
    for text in SCRIPT:
        [stored] = app.dialogue.receive_and_handle([inbound(app, "together", text)])
        assert stored is not None and stored.handled
    assert len(commits) == len(SCRIPT), "one transaction per message: stored and handled together"
    assert texts_of(app, "together") == expected
    assert statuses(app)[-len(SCRIPT) :] == [InboxStatus.HANDLED] * len(SCRIPT)


def test_a_persons_older_pending_messages_go_first(app: App) -> None:
    for text in ("/start", "dong y"):
        app.dialogue.handle(inbound(app, "apart", text))
    expected = texts_of(app, "apart")
    app.dialogue.receive_many([inbound(app, "u1", "/start")])  # stored, its turn not run yet
    [stored] = app.dialogue.receive_and_handle([inbound(app, "u1", "dong y")])
    assert stored is not None and stored.handled
    assert texts_of(app, "u1") == expected, "the notice first, then the consent"
    assert statuses(app)[-2:] == [InboxStatus.HANDLED, InboxStatus.HANDLED]
    assert app.dialogue.pending_people() == []


def test_a_repeated_update_is_neither_stored_nor_handled_again(app: App) -> None:
    first = inbound(app, "u1", "/start", message_id="same")
    assert app.dialogue.receive_and_handle([first])[0] is not None
    count = len(delivered(app))
    assert app.dialogue.receive_and_handle([first]) == [None]
    assert delivered(app) == [] and count == 2
    assert statuses(app) == [InboxStatus.HANDLED]


def test_a_breaking_turn_leaves_its_message_stored_and_pending(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    app.dialogue.handle(inbound(app, "u1", "/start"))
    delivered(app)
    break_turns_on(app, monkeypatch)
    stored = app.dialogue.receive_and_handle([inbound(app, "u2", "/start"), inbound(app, "u1", "boom")])
    assert all(result is not None and not result.handled for result in stored), "nothing of the turns was kept"
    assert delivered(app) == []
    assert statuses(app)[-2:] == [InboxStatus.PENDING, InboxStatus.PENDING]
    people = [result.person_id for result in stored if result is not None]
    assert app.dialogue.process_people(people) == 2, "the queues' way sets the breaking one aside"
    assert statuses(app)[-2:] == [InboxStatus.HANDLED, InboxStatus.FAILED]
    assert any("gửi lại" in text for text in texts_of(app, "u1"))


def test_turns_the_database_refuses_leave_the_messages_stored(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(*_args: object) -> None:
        raise OperationalError("SELECT … FOR UPDATE", {}, Exception("could not obtain lock"))

    monkeypatch.setattr(DialogueService, "_run_turns", locked)
    [stored] = app.dialogue.receive_and_handle([inbound(app, "u1", "/start")])
    assert stored is not None and not stored.handled
    assert statuses(app) == [InboxStatus.PENDING]
    monkeypatch.undo()
    assert app.dialogue.process_people([stored.person_id]) == 1
    assert len(delivered(app)) == 2


def test_a_remote_nlu_is_not_called_under_the_locks(make_app: AppFactory) -> None:
    app = app_reading(make_app, "read before the locks")
    [stored] = app.dialogue.receive_and_handle([inbound(app, "u1", "/start")])
    assert stored is not None and not stored.handled, "only stored: the queues read it before locking"
    assert statuses(app) == [InboxStatus.PENDING]
    assert app.dialogue.process_people([stored.person_id]) == 1


def test_turns_that_waited_for_a_persons_lock_read_what_the_holder_committed(app: App) -> None:
    """The person is locked as they are looked up; what the turns read comes after, in statements of their own."""
    first = app.dialogue.receive_and_handle([inbound(app, "u1", "/start")])[0]
    assert first is not None and first.handled
    outcome: list[object] = []
    with app.uow() as holder:
        holder.people.lock_many([first.person_id])
        holder.session.get_one(DialogueState, first.person_id).turns = 100
        holder.session.flush()
        waiting = threading.Thread(
            target=lambda: outcome.extend(app.dialogue.receive_and_handle([inbound(app, "u1", "chào")]))
        )
        waiting.start()
        time.sleep(0.5)  # on PostgreSQL the lookup now waits for the person's lock (SQLite: for the writer)
        holder.commit()
    waiting.join(10)
    [second] = outcome
    assert second is not None and second.handled
    with app.uow() as uow:
        assert uow.session.get_one(DialogueState, first.person_id).turns == 101


def test_messages_in_hand_are_neither_read_back_nor_marked_unless_older_ones_wait(app: App) -> None:
    reads: list[str] = []
    marks: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statement = statement.lstrip()
        if statement.startswith("SELECT inbox."):
            reads.append(statement)
        if statement.startswith("UPDATE inbox"):
            marks.append(statement)

    app.dialogue.receive_and_handle([inbound(app, "u1", "/start")])
    event.listen(app.engine, "before_cursor_execute", count)
    app.dialogue.receive_and_handle([inbound(app, "u1", "dong y"), inbound(app, "u2", "/start")])
    assert reads == [] and marks == [], "nothing older waited: the messages were stored handled, and the turns'"
    with app.uow() as uow:
        rows = uow.session.scalars(select(InboxMessage).order_by(InboxMessage.id)).all()
        assert [(row.status, row.attempts) for row in rows] == [(InboxStatus.HANDLED, 1)] * 3
        assert all(row.handled_at is not None for row in rows)
    reads.clear()
    app.dialogue.receive_many([inbound(app, "u1", "chi phi bao nhieu")])
    app.dialogue.receive_and_handle([inbound(app, "u1", "cam on")])
    assert len(reads) == 1, "an older message waited: the person's pending messages were read, in order"
    assert len(marks) == 1, "and marked handled after their turns"
    assert app.dialogue.pending_people() == []
    assert statuses(app) == [InboxStatus.HANDLED] * 5
