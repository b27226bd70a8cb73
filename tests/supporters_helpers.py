"""Helpers for the supporters tests: chats that share what the outbox delivers (a person's turn often writes to
their supporter or counsellor too), a supporter account, a person in after-care who agreed to share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.bootstrap import App
from services.clock import FakeClock
from services.supporters.accounts import add_supporter
from services.supporters.assignments import assign
from services.supporters.feature import SUPPORTERS
from services.supporters.repository import SupporterRepository
from services.types import Inbound, Outbound
from storage.supporter_models import SupporterAssignment
from tests.helpers import Chat

ROOM = "test.room"  # app.extensions[ROOM]: every chat of the test, by user id


@dataclass
class RoomChat(Chat):
    """A Chat whose turns hand what they deliver to the other chats of the test as well."""

    def _send(self, inbound: Inbound) -> list[Outbound]:
        direct = self.app.dialogue.handle(inbound)
        delivered: list[Outbound] = list(direct)
        self.app.outbox.drain(self.channel, delivered.append)
        share(self.app, delivered)
        return [m for m in delivered if m.recipient == self.user]


def share(app: App, delivered: list[Outbound]) -> None:
    room: dict[str, Chat] = app.extensions.setdefault(ROOM, {})
    for message in delivered:
        chat = room.get(message.recipient)
        if chat is not None:
            chat.received.append(message)


def chat(app: App, user: str) -> RoomChat:
    room: dict[str, Chat] = app.extensions.setdefault(ROOM, {})
    new = RoomChat(app, user=user)
    room[user] = new
    return new


def later(app: App, delta: timedelta) -> list[Outbound]:
    """Move the clock, run the due work, deliver the outbox to the chats."""
    clock = app.clock
    assert isinstance(clock, FakeClock)
    clock.advance(delta)
    app.run_due()
    return deliver(app)


def deliver(app: App) -> list[Outbound]:
    delivered: list[Outbound] = []
    app.outbox.drain("test", delivered.append, limit=100_000)
    share(app, delivered)
    return delivered


def enrol(app: App, user: str = "p1", at: str = "08:00") -> RoomChat:
    person = chat(app, user)
    person.consent()
    person.say("/aftercare join")
    person.press("ac:yes")
    person.press(f"ac:time:{at}")
    return person


def supporter(app: App, user: str = "s1", name: str = "Chị Hoa", org: str = "Hội Phụ nữ xã Tân Phú") -> RoomChat:
    with app.uow() as uow:
        add_supporter(uow, "test", user, name, org, "Xã Tân Phú", app.clock.now(), actor="test")
        uow.commit()
    return chat(app, user)


def propose(app: App, person: Chat, helper: Chat, *, label: str | None = "Anh Tuấn", force: bool = False) -> int:
    """The hotline proposes the supporter; returns the pending assignment's id (the question is delivered)."""
    with app.uow() as uow:
        found = uow.people.find("test", person.user)
        account = SupporterRepository(uow.session).find("test", helper.user)
        assert found is not None and account is not None
        assignment, _warning = assign(
            app.extensions[SUPPORTERS], uow, found.id, account, app.clock.now(), by="test", label=label, force=force
        )
        uow.commit()
        assignment_id = assignment.id
    deliver(app)
    return assignment_id


def assigned(app: App, person_user: str = "p1", helper_user: str = "s1") -> tuple[RoomChat, RoomChat, int]:
    """A person in after-care (check-ins at 08:00) who agreed to share with a supporter."""
    helper = supporter(app, helper_user)
    person = enrol(app, user=person_user)
    assignment_id = propose(app, person, helper)
    person.press(f"sup:consent:{assignment_id}:yes")
    return person, helper, assignment_id


def assignment(app: App, assignment_id: int) -> SupporterAssignment:
    with app.uow() as uow:
        row = uow.session.get_one(SupporterAssignment, assignment_id)
        uow.session.expunge_all()
        return row
