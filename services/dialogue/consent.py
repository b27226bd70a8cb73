"""The privacy notice and its explicit consent (a button or a clear typed yes/no; silence is not consent)."""

from __future__ import annotations

from services.dialogue.menus import (
    CONSENT_DETAILS,
    CONSENT_NO,
    CONSENT_YES,
    PRIVACY_VERSION,
    consent_buttons,
    greeting_text,
    main_menu_buttons,
    privacy_details,
    privacy_notice,
)
from services.dialogue.turn import Turn
from services.i18n import _

AFFIRM = "affirm"
DENY = "deny"


class ConsentFlow:
    name = "consent"

    def start(self, turn: Turn, *, greet: bool = True) -> None:
        turn.enter(self.name, "ask")
        if greet:
            turn.say(greeting_text())
        turn.say(privacy_notice(), consent_buttons())

    def accepts_payload(self, payload: str) -> bool:
        return payload in {CONSENT_YES, CONSENT_NO, CONSENT_DETAILS}

    def handle(self, turn: Turn) -> None:
        choice = turn.payload
        if choice is None and turn.text:
            intent = turn.parse.intent.name
            choice = {AFFIRM: CONSENT_YES, DENY: CONSENT_NO}.get(intent)
        if choice == CONSENT_YES:
            self.accept(turn)
        elif choice == CONSENT_NO:
            self.decline(turn)
        elif choice == CONSENT_DETAILS:
            turn.say(privacy_details(), consent_buttons())
        else:
            turn.say(_("To continue, please choose whether you agree with the note above."), consent_buttons())

    def accept(self, turn: Turn) -> None:
        turn.person.consent_at = turn.now
        turn.person.consent_version = PRIVACY_VERSION
        turn.person.consent_declined_at = None
        turn.person.deleted_at = None
        turn.leave_flow()
        turn.say(_("Thank you. How can I help you? Choose below or just type your question."), main_menu_buttons())

    def decline(self, turn: Turn) -> None:
        turn.person.consent_declined_at = turn.now
        turn.leave_flow()
        turn.say(
            _(
                "That is fine. You can still ask me general questions anonymously. To register or to talk "
                "with a counsellor I will ask for your agreement again. In an emergency call 115."
            ),
            main_menu_buttons(),
        )
