"""The router's interceptor: counsellor accounts go to the desk, invitation codes are redeemed, persons pass on.

A deactivated account, or anyone else typing a counsellor command, gets the ordinary bot: nothing tells them
that counsellor commands exist or who else is writing.
"""

from __future__ import annotations

from services.dialogue.turn import Turn
from services.handoff.accounts import normalise_code, redeem
from services.handoff.core import Handoff, Repos
from services.handoff.desk import Desk, help_text
from services.handoff.menu import counsellor_commands
from services.handoff.person import PersonSide
from services.i18n import _
from services.menus import show_menu


def invitation_code(text: str) -> str | None:
    """The code of `/start CODE` (a Telegram deep link sends the same), when it has the shape of one."""
    head, _sep, arg = text.partition(" ")
    if head.split("@", 1)[0].lower() != "/start" or not arg.strip():
        return None
    return normalise_code(arg)


class Gate:
    def __init__(self, h: Handoff, desk: Desk, person: PersonSide) -> None:
        self._h = h
        self._desk = desk
        self._person = person

    def __call__(self, turn: Turn) -> bool:
        counsellor = Repos(turn.uow).counsellors.by_person(turn.person.id)
        if counsellor is not None and counsellor.active:
            self._desk.handle(turn, counsellor)
            return True
        code = invitation_code(turn.text) if turn.text else None
        if code is not None and self._redeem(turn, code):
            return True
        return self._person.intercept(turn)

    def _redeem(self, turn: Turn, code: str) -> bool:
        redemption = redeem(turn.uow, turn.person, code, turn.now, self._h.settings.capacity)
        if redemption is None:
            return False  # no such code: an ordinary /start
        if redemption.counsellor is None:
            turn.say(
                _("This invitation code has expired or was already used. Please ask your supervisor for a new one.")
            )
            return True
        turn.leave_flow()
        counsellor = redemption.counsellor
        show_menu(
            turn.uow,
            self._h.extensions,
            counsellor.channel,
            counsellor.external_id,
            counsellor_commands(self._h.extensions),
        )
        welcome = _("Welcome to the hotline's counsellor desk.")
        if redemption.needs_name:
            turn.say(welcome + " " + _("What first name or pseudonym should people see? Type it here."))
            return True
        turn.say(
            welcome
            + " "
            + _("People will see you as “{name}”.").format(name=redemption.counsellor.name)
            + "\n"
            + help_text(self._h.extensions)
        )
        return True
