"""/delete: erase the person's data after an explicit confirmation."""

from __future__ import annotations

from services.dialogue.turn import Turn
from services.i18n import _
from services.privacy.erasure import erase_person
from services.types import Button

DELETE_YES = "delete:yes"
DELETE_NO = "delete:no"


class DeletionFlow:
    name = "delete"

    def start(self, turn: Turn) -> None:
        turn.enter(self.name, "confirm")
        turn.say(
            _(
                "Do you want me to delete your data? Your messages, form answers and notes about you will be "
                "erased for good; only anonymous counts remain. This cannot be undone."
            ),
            (Button(_("Yes, delete my data"), DELETE_YES), Button(_("No, keep it"), DELETE_NO)),
        )

    def accepts_payload(self, payload: str) -> bool:
        return payload in {DELETE_YES, DELETE_NO}

    def handle(self, turn: Turn) -> None:
        choice = turn.payload
        if choice is None and turn.text:
            choice = {"affirm": DELETE_YES, "deny": DELETE_NO}.get(turn.parse.intent.name)
        if choice == DELETE_YES:
            erase_person(turn.uow, turn.person, turn.now)
            turn.leave_flow()
            turn.say(
                _(
                    "Done: your data has been deleted. If you write again, I will greet you as someone new. "
                    "Take care of yourself."
                )
            )
        elif choice == DELETE_NO:
            turn.leave_flow()
            turn.say(_("All right, nothing was deleted."))
        else:
            turn.say(
                _("Please choose: delete your data, or keep it."),
                (Button(_("Yes, delete my data"), DELETE_YES), Button(_("No, keep it"), DELETE_NO)),
            )
