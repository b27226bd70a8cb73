"""Group transactions on the message's way: a batch of inbound messages stored at once, and the turns of many
people handled in one transaction with the same results, order and guarantees as one turn per transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from services.bootstrap import App
from services.clock import FakeClock
from services.dialogue.service import DialogueService
from services.types import Outbound
from storage.models import DialogueState, InboxMessage, InboxStatus, Person, TurnEvent
from tests.batch_support import READING_WAYS, app_reading, delivered, inbound
from tests.conftest import START, AppFactory
from tests.helpers import break_turns_on

SCRIPT = [
    "/start",
    "dong y",
    "chi phi cai nghien bao nhieu",
    "co so cai nghien o da nang",
    "dau hieu nhan biet",
    "cam on",
]


@pytest.fixture(params=READING_WAYS)
def app(make_app: AppFactory, request: pytest.FixtureRequest) -> App:
    return app_reading(make_app, request.param)


def by_user(messages: list[Outbound]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for message in messages:
        found.setdefault(message.recipient, []).append(message.text)
    return found


def test_a_batch_is_stored_in_one_go_and_repeats_are_dropped(app: App) -> None:
    first = inbound(app, "u1", "chào", message_id="same")
    stored = app.dialogue.receive_many(
        [first, inbound(app, "u2", "alo"), first, inbound(app, "u1", "có ai không")],
    )
    assert stored[0] is not None and stored[1] is not None and stored[3] is not None
    assert stored[2] is None, "a repeat within the batch is a duplicate"
    assert stored[0].person_id == stored[3].person_id != stored[1].person_id
    again = app.dialogue.receive_many([first, inbound(app, "u3", "hi")])
    assert again[0] is None and again[1] is not None
    assert app.dialogue.receive(inbound(app, "u1", "x")).person_id == stored[0].person_id  # type: ignore[union-attr]
    with app.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Person)) == 3
        texts = list(uow.session.scalars(select(InboxMessage.text).order_by(InboxMessage.id)))
    assert texts == ["chào", "alo", "có ai không", "hi", "x"]


def test_batched_turns_give_exactly_the_replies_of_one_turn_per_transaction(app: App) -> None:
    for text in SCRIPT:
        for i in range(6):
            app.dialogue.handle(inbound(app, f"serial{i}", text))
    for text in SCRIPT:
        stored = app.dialogue.receive_many([inbound(app, f"batch{i}", text) for i in range(6)])
        assert app.dialogue.process_people([s.person_id for s in stored if s is not None]) == 6
    replies = by_user(delivered(app))
    for i in range(6):
        assert replies[f"batch{i}"] == replies[f"serial{i}"]
    with app.uow() as uow:
        assert set(uow.session.scalars(select(DialogueState.turns))) == {len(SCRIPT)}
        events = uow.session.execute(select(TurnEvent.person_id, func.count()).group_by(TurnEvent.person_id)).all()
    assert len({count for _person, count in events}) == 1, "every person's turns recorded their readings alike"


def test_one_persons_messages_in_one_batch_are_handled_in_order(app: App) -> None:
    stored = app.dialogue.receive_many(
        [inbound(app, "u1", "/start"), inbound(app, "u2", "/start"), inbound(app, "u1", "dong y")]
    )
    handled = app.dialogue.process_people(sorted({s.person_id for s in stored if s is not None}, reverse=True))
    assert handled == 3
    replies = by_user(delivered(app))
    assert len(replies["u1"]) > len(replies["u2"]), "u1's consent was taken after the notice, in order"
    with app.uow() as uow:
        assert set(uow.session.scalars(select(InboxMessage.status))) == {InboxStatus.HANDLED}


def test_the_whole_batch_commits_once(app: App) -> None:
    commits: list[int] = []
    event.listen(app.engine, "commit", lambda _conn: commits.append(1))
    stored = app.dialogue.receive_many([inbound(app, f"u{i}", "/start") for i in range(10)])
    assert len(commits) == 1, "ten messages stored in one transaction"
    app.dialogue.process_people([s.person_id for s in stored if s is not None])
    assert len(commits) == 2, "ten turns committed together"


def test_a_turn_that_breaks_sets_only_its_message_aside(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    for user in ("u1", "u2", "u3"):
        app.dialogue.handle(inbound(app, user, "/start"))
        app.dialogue.handle(inbound(app, user, payload="consent:yes"))
    delivered(app)
    break_turns_on(app, monkeypatch)
    stored = app.dialogue.receive_many(
        [inbound(app, "u1", "methadone là gì"), inbound(app, "u2", "boom"), inbound(app, "u3", "chi phí bao nhiêu")]
    )
    assert app.dialogue.process_people([s.person_id for s in stored if s is not None]) == 3
    replies = by_user(delivered(app))
    assert "methadone" in " ".join(replies["u1"]).lower()
    assert "gửi lại" in " ".join(replies["u2"])
    assert replies["u3"]
    with app.uow() as uow:
        statuses = list(uow.session.scalars(select(InboxMessage.status).order_by(InboxMessage.id)))
    assert statuses[-3:] == [InboxStatus.HANDLED, InboxStatus.FAILED, InboxStatus.HANDLED]


def test_a_batch_the_database_refuses_leaves_the_messages_pending(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = app.dialogue.receive_many([inbound(app, "u1", "/start"), inbound(app, "u2", "/start")])
    people = [s.person_id for s in stored if s is not None]

    def locked(*_args: object) -> int:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    monkeypatch.setattr(DialogueService, "_turns", locked)
    monkeypatch.setattr(DialogueService, "_turn", locked)
    with pytest.raises(OperationalError):
        app.dialogue.process_people(people[:1])
    with pytest.raises(OperationalError):
        app.dialogue.process_people(people)  # tried one by one, still refused
    assert not delivered(app)
    assert sorted(app.dialogue.pending_people()) == sorted(people)
    monkeypatch.undo()
    assert app.dialogue.process_people(people) == 2
    assert app.dialogue.pending_people() == []
    assert set(by_user(delivered(app))) == {"u1", "u2"}


def test_a_message_handled_meanwhile_is_not_handled_again(app: App) -> None:
    stored = app.dialogue.receive_many([inbound(app, "u1", "/start")])
    person = stored[0].person_id  # type: ignore[union-attr]
    assert app.dialogue.process_person(person) == 1
    assert app.dialogue.process_people([person]) == 0
    assert len(delivered(app)) == 2, "the greeting and the notice, once"


def test_batch_bookkeeping_is_written(make_app: AppFactory) -> None:
    clock = FakeClock(START)
    app = make_app(clock=clock)
    stored = app.dialogue.receive_many([inbound(app, "u1", "/start")])
    clock.advance(timedelta(minutes=5))
    app.dialogue.process_people([stored[0].person_id])  # type: ignore[union-attr]
    with app.uow() as uow:
        person = uow.session.scalars(select(Person)).one()
        state = uow.session.get_one(DialogueState, person.id)
        handled_at = uow.session.scalars(select(InboxMessage.handled_at)).one()
        assert person.last_seen_at == START + timedelta(minutes=5)
        assert state.turns == 1 and state.updated_at == START + timedelta(minutes=5)
        assert handled_at == START + timedelta(minutes=5)


def test_last_seen_moves_in_steps_of_a_minute(make_app: AppFactory) -> None:
    clock = FakeClock(START)
    app = make_app(clock=clock)

    def last_seen_after(text: str, wait: timedelta) -> object:
        clock.advance(wait)
        app.dialogue.handle(inbound(app, "u1", text))
        with app.uow() as uow:
            return uow.session.scalars(select(Person.last_seen_at)).one()

    assert last_seen_after("/start", timedelta(0)) == START
    assert last_seen_after("dong y", timedelta(seconds=40)) == START, "within the minute: not written"
    assert last_seen_after("cam on", timedelta(seconds=30)) == START + timedelta(seconds=70)
