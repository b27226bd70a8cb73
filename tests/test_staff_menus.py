"""Counsellors' own command menus: who gets which, through the channel's hook (here a recorder)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.bootstrap import App
from services.handoff.accounts import add_counsellor, create_invite
from services.handoff.admin import deactivate
from services.handoff.feature import HANDOFF
from services.menus import CHAT_COMMANDS_HOOK, CommandList, staff_menus
from services.supporters.accounts import add_supporter
from services.supporters.accounts import create_invite as supporter_invite
from services.supporters.accounts import deactivate as deactivate_supporter
from services.supporters.feature import SUPPORTERS
from storage.handoff_models import Counsellor
from tests.batch_support import delivered, inbound
from tests.conftest import AppFactory
from tests.helpers import break_turns_on


def recorder(app: App) -> dict[tuple[str, str], list[str]]:
    shown: dict[tuple[str, str], list[str]] = {}

    def hook(channel: str, external_id: str, commands: CommandList) -> None:
        shown[(channel, external_id)] = [word for word, _description in commands]

    app.extensions[CHAT_COMMANDS_HOOK] = hook
    return shown


def test_redeeming_an_invitation_gives_the_chat_the_counsellors_menu(make_app: AppFactory) -> None:
    app = make_app()
    shown = recorder(app)
    with app.uow() as uow:
        code = create_invite(uow, app.clock.now(), valid_for=timedelta(hours=1), name="Hoa")
        uow.commit()
    app.dialogue.handle(inbound(app, "c1", "/start"))
    assert shown == {}, "an ordinary /start sets no menu"
    app.dialogue.handle(inbound(app, "c1", f"/start {code}"))
    assert shown[("test", "c1")][:3] == ["on", "off", "accept"]
    assert "assign" in shown[("test", "c1")], "a feature's desk command is in the menu"
    welcome = delivered(app)[-1].text
    assert "/assign (đề xuất người hỗ trợ sau cai)" in welcome, "and in the help text"


def test_the_menu_is_shown_once_the_redemption_is_committed_and_never_for_a_turn_undone(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    committed: list[bool] = []

    def hook(channel: str, external_id: str, _commands: CommandList) -> None:
        with app.uow() as uow:  # another transaction: it sees only what was committed
            counsellors = uow.session.scalars(select(Counsellor).where(Counsellor.channel == channel)).all()
            committed.append([counsellor.external_id for counsellor in counsellors] == [external_id])

    app.extensions[CHAT_COMMANDS_HOOK] = hook
    with app.uow() as uow:
        code = create_invite(uow, app.clock.now(), valid_for=timedelta(hours=1), name="Hoa")
        uow.commit()
    break_turns_on(app, monkeypatch)
    stored = app.dialogue.receive_many([inbound(app, "c1", f"/start {code}"), inbound(app, "u1", "boom")])
    people = [result.person_id for result in stored if result is not None]
    # One group transaction: the redemption's turn runs, the next one breaks, and the batch is undone; then each
    # message is handled on its own and the redemption commits.
    assert app.dialogue.process_people(people) == 2
    assert committed == [True], "shown once, after the commit that made the counsellor"


def test_a_channel_that_fails_to_show_the_menu_undoes_nothing(make_app: AppFactory) -> None:
    app = make_app()

    def broken(*_args: object) -> None:
        raise RuntimeError("the event loop is closed")

    app.extensions[CHAT_COMMANDS_HOOK] = broken
    with app.uow() as uow:
        code = create_invite(uow, app.clock.now(), valid_for=timedelta(hours=1), name="Hoa")
        uow.commit()
    app.dialogue.handle(inbound(app, "c1", f"/start {code}"))
    assert "Hoa" in delivered(app)[-1].text
    with app.uow() as uow:
        assert [c.name for c in uow.session.scalars(select(Counsellor))] == ["Hoa"]
    assert app.dialogue.pending_people() == []


def test_every_account_has_its_menu_at_start_and_a_closed_one_loses_it(make_app: AppFactory) -> None:
    app = make_app()
    with app.uow() as uow:
        add_counsellor(uow, "test", "c1", "Hoa", app.clock.now())
        gone = add_counsellor(uow, "test", "c2", "Lan", app.clock.now())
        deactivate(app.extensions[HANDOFF], uow, gone, app.clock.now())
        uow.commit()
    found = staff_menus(app.uow, app.extensions)
    menus = {(channel, external_id): commands for channel, external_id, commands in found}
    assert [word for word, _description in menus[("test", "c1")]][:2] == ["on", "off"]
    assert all(description for _word, description in menus[("test", "c1")]), "every command is described"
    assert menus[("test", "c2")] == []


def test_without_a_channel_that_shows_menus_nothing_breaks(make_app: AppFactory) -> None:
    app = make_app()
    with app.uow() as uow:
        code = create_invite(uow, app.clock.now(), valid_for=timedelta(hours=1), name="Hoa")
        uow.commit()
    app.dialogue.handle(inbound(app, "c1", f"/start {code}"))
    assert "Hoa" in delivered(app)[-1].text


def test_a_supporter_gets_their_menu_on_redeeming_and_at_start(make_app: AppFactory) -> None:
    app = make_app()
    shown = recorder(app)
    now = app.clock.now()
    with app.uow() as uow:
        code = supporter_invite(uow, now, name="Bà Tư", org="Hội Phụ nữ xã", commune="", valid_for=timedelta(days=1))
        gone = add_supporter(uow, "test", "s2", "Chú Năm", "Đoàn Thanh niên", "", now)
        deactivate_supporter(app.extensions[SUPPORTERS], uow, gone, now, actor="test")
        uow.commit()
    app.dialogue.handle(inbound(app, "s1", f"/start {code}"))
    assert shown[("test", "s1")] == ["people", "msg", "ack"]
    found = staff_menus(app.uow, app.extensions)
    menus = {(channel, external_id): commands for channel, external_id, commands in found}
    assert [word for word, _description in menus[("test", "s1")]] == ["people", "msg", "ack"]
    assert menus[("test", "s2")] == []
