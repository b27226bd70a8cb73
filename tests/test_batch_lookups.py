"""The look-ups every turn makes (is this person a counsellor, a supporter, in a conversation?) are read once per
batch of turns, yet a turn still sees what the earlier turns of its batch changed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Connection

from services.bootstrap import App
from services.handoff.accounts import create_invite as counsellor_invite
from services.handoff.repository import ACTIVE_CONVERSATION, COUNSELLOR_ACCOUNT
from services.supporters.accounts import create_invite as supporter_invite
from storage.absence import AbsenceProbe
from storage.handoff_models import Counsellor
from storage.models import DialogueState, HandoffRequest, HandoffStatus
from storage.uow import UnitOfWork
from tests.batch_support import READING_WAYS, app_reading, delivered, inbound
from tests.conftest import START, AppFactory
from tests.handoff_support import Party


@pytest.fixture(params=READING_WAYS)
def app(make_app: AppFactory, request: pytest.FixtureRequest) -> App:
    return app_reading(make_app, request.param)


def one_by_one(app: App, user: str, texts: list[str]) -> list[str]:
    for text in texts:
        app.dialogue.handle(inbound(app, user, text))
    return [m.text for m in delivered(app) if m.recipient == user]


def in_one_batch(app: App, user: str, texts: list[str]) -> list[str]:
    stored = app.dialogue.receive_many([inbound(app, user, text) for text in texts])
    assert app.dialogue.process_people([s.person_id for s in stored if s is not None]) == len(texts)
    return [m.text for m in delivered(app) if m.recipient == user]


def test_an_invitation_redeemed_earlier_in_the_batch_makes_the_later_turns_a_counsellors(app: App) -> None:
    with app.uow() as uow:
        codes = [counsellor_invite(uow, app.clock.now(), valid_for=timedelta(hours=1), name="Hoa") for _ in "ab"]
        uow.commit()
    serial = one_by_one(app, "x1", [f"/start {codes[0]}", "/on", "/off"])
    batched = in_one_batch(app, "x2", [f"/start {codes[1]}", "/on", "/off"])
    assert batched == serial
    assert "Bạn đã vào ca trực" in serial[1]


def test_a_supporter_invitation_redeemed_earlier_in_the_batch_opens_the_desk_to_the_later_turns(app: App) -> None:
    with app.uow() as uow:
        codes = [
            supporter_invite(
                uow, app.clock.now(), name="Chị Hoa", org="Hội Phụ nữ", commune="Tân Phú", valid_for=timedelta(hours=1)
            )
            for _ in "ab"
        ]
        uow.commit()
    serial = one_by_one(app, "s1", [f"/start {codes[0]}", "/people"])
    batched = in_one_batch(app, "s2", [f"/start {codes[1]}", "/people"])
    assert batched == serial and len(serial) == 2


def test_a_conversation_opened_earlier_in_the_batch_carries_the_persons_later_message(app: App) -> None:
    party = Party(app)
    party.counsellor("c1", "Lan")
    party.consent("u1")
    party.say("u1", "/counsellor")
    stored = app.dialogue.receive_many([inbound(app, "c1", "/accept"), inbound(app, "u1", "con tôi không chịu ăn")])
    app.dialogue.process_people([s.person_id for s in stored if s is not None])
    to_counsellor = " ".join(m.text for m in delivered(app) if m.recipient == "c1")
    assert "con tôi không chịu ăn" in to_counsellor


def test_ordinary_turns_of_a_batch_ask_each_question_once(app: App) -> None:
    party = Party(app)
    for i in range(5):
        party.consent(f"u{i}")
    asked: list[str] = []

    def count(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        asked.extend(
            table for table in ("counsellors", "supporters", "handoff_requests") if f"FROM {table}" in statement
        )

    event.listen(app.engine, "before_cursor_execute", count)
    stored = app.dialogue.receive_many(
        [inbound(app, f"u{i}", text) for text in ("chi phi cai nghien", "dau hieu nhan biet") for i in range(5)]
    )
    app.dialogue.process_people([s.person_id for s in stored if s is not None])
    event.remove(app.engine, "before_cursor_execute", count)
    assert sorted(asked) == ["counsellors", "handoff_requests", "supporters"], "one query for the batch's ten turns"
    assert len({m.recipient for m in delivered(app)}) == 5


def a_counsellor_and_a_person(app: App) -> None:
    party = Party(app)
    party.counsellor("c1", "Lan")
    party.consent("u1")


def read_absences(uow: UnitOfWork, probes: list[AbsenceProbe], person_ids: list[int]) -> None:
    uow.states.for_turns(person_ids, probes, START)  # as a batch of turns does, after its locks


def test_facts_are_forgotten_once_the_session_touches_the_probed_table(app: App) -> None:
    a_counsellor_and_a_person(app)
    with app.uow() as uow:
        c1 = uow.people.find("test", "c1")
        u1 = uow.people.find("test", "u1")
        assert c1 is not None and u1 is not None
        read_absences(uow, [COUNSELLOR_ACCOUNT, ACTIVE_CONVERSATION], [c1.id, u1.id])
        assert COUNSELLOR_ACCOUNT.knows_absent(uow.session, u1.id)
        assert not COUNSELLOR_ACCOUNT.knows_absent(uow.session, c1.id), "c1 has an account"
        person_id = u1.id
        u1.last_seen_at = app.clock.now()
        uow.session.flush()
        assert COUNSELLOR_ACCOUNT.knows_absent(uow.session, person_id), "a flush inside the transaction keeps them"
        assert ACTIVE_CONVERSATION.knows_absent(uow.session, u1.id)
        uow.session.scalars(select(Counsellor)).all()  # a counsellor's row loaded: it could now change
        assert not COUNSELLOR_ACCOUNT.knows_absent(uow.session, u1.id)
        assert ACTIVE_CONVERSATION.knows_absent(uow.session, u1.id), "other probes keep their facts"
        uow.session.add(HandoffRequest(person_id=u1.id, reason="request", priority=2, status=HandoffStatus.ACTIVE))
        assert not ACTIVE_CONVERSATION.knows_absent(uow.session, u1.id), "a row added, even before its flush"
        uow.rollback()
    with app.uow() as uow:
        read_absences(uow, [COUNSELLOR_ACCOUNT], [person_id])
        assert COUNSELLOR_ACCOUNT.knows_absent(uow.session, person_id)
        uow.commit()
        assert not COUNSELLOR_ACCOUNT.knows_absent(uow.session, person_id), "facts end with their transaction"


def test_a_probe_is_not_trusted_when_its_rows_were_loaded_before_it_was_read(app: App) -> None:
    a_counsellor_and_a_person(app)
    with app.uow() as uow:
        u1 = uow.people.find("test", "u1")
        assert u1 is not None
        held = uow.session.scalars(select(Counsellor)).all()  # and kept: it could be changed without a new load
        read_absences(uow, [COUNSELLOR_ACCOUNT], [u1.id])
        assert held and not COUNSELLOR_ACCOUNT.knows_absent(uow.session, u1.id)


def test_a_batch_that_waited_for_a_persons_lock_reads_what_the_holder_committed(make_app: AppFactory) -> None:
    """PostgreSQL re-reads a row it waited to lock, but not the other tables of that statement: the state is
    read after the lock, in a statement of its own, so a turn never acts on what another one just changed."""
    app = make_app()
    first = app.dialogue.receive_many([inbound(app, "u1", "/start")])[0]
    assert first is not None
    app.dialogue.process_people([first.person_id])
    app.dialogue.receive_many([inbound(app, "u1", "chào")])
    with app.uow() as holder:
        holder.people.lock_many([first.person_id])
        holder.session.get_one(DialogueState, first.person_id).turns = 100
        holder.session.flush()
        waiting = threading.Thread(target=app.dialogue.process_people, args=([first.person_id],))
        waiting.start()
        time.sleep(0.5)  # the batch now waits for the person's lock
        holder.commit()
    waiting.join(10)
    with app.uow() as uow:
        assert uow.session.get_one(DialogueState, first.person_id).turns == 101
