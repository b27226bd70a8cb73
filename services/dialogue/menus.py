"""The fixed screens of the dialogue: greeting, privacy notice, main menu, topics, fallback."""

from __future__ import annotations

from services.i18n import _
from services.knowledge.base import KnowledgeBase
from services.types import Button

PRIVACY_VERSION = "2026-11"
HOTLINE_NUMBER = "0769.04.04.04"

MENU_FAQ = "menu:faq"
MENU_REGISTER = "menu:register"
MENU_COUNSELLOR = "menu:counsellor"
MENU_AFTERCARE = "menu:aftercare"
MENU_MAIN = "menu:main"
CONSENT_YES = "consent:yes"
CONSENT_NO = "consent:no"
CONSENT_DETAILS = "consent:details"
TOPIC_PREFIX = "topic:"
MORE_PREFIX = "more:"

FAQ_TOPICS = (
    "ask_treatment_options",
    "ask_registration_procedure",
    "ask_cost",
    "ask_methadone",
    "ask_signs_of_use",
    "ask_family_support",
    "ask_withdrawal",
    "ask_confidentiality",
    "ask_aftercare",
    "ask_legal",
)


def main_menu_buttons() -> tuple[Button, ...]:
    return (
        Button(_("Questions about treatment"), MENU_FAQ),
        Button(_("Register for voluntary treatment"), MENU_REGISTER),
        Button(_("Talk to a counsellor"), MENU_COUNSELLOR),
        Button(_("After-care support"), MENU_AFTERCARE),
    )


def greeting_text() -> str:
    return _(
        "Hello, this is the assistant of the drug-treatment counselling hotline. "
        "I can answer questions about treatment, help you register for voluntary treatment, "
        "or connect you with a counsellor."
    )


def privacy_notice() -> str:
    return _(
        "Before we start, a short note on privacy:\n"
        "• We store your messages and what you choose to tell us, only to help you and to follow up.\n"
        "• Only the hotline's counsellors see them; they are kept for at most 12 months after your last message.\n"
        "• You can stay anonymous: no real name is needed.\n"
        "• You can ask us to delete your data at any time with /delete.\n"
        "Do you agree?"
    )


def privacy_details() -> str:
    return _(
        "Details: messages and form answers are encrypted in our database. Counsellors see a conversation only "
        "when you ask for one, and every access is recorded. We do not pass your information to anyone else "
        "without your consent, except where the law requires it to protect a life. "
        "Legal basis: Decree 13/2023/ND-CP and the Personal Data Protection Law 2025."
    )


def consent_buttons() -> tuple[Button, ...]:
    return (
        Button(_("I agree"), CONSENT_YES),
        Button(_("I do not agree"), CONSENT_NO),
        Button(_("More details"), CONSENT_DETAILS),
    )


def topic_buttons(knowledge: KnowledgeBase, intents: tuple[str, ...]) -> tuple[Button, ...]:
    buttons = []
    for intent in intents:
        answer = knowledge.get(intent)
        if answer is not None:
            buttons.append(Button(answer.title, TOPIC_PREFIX + intent))
    return tuple(buttons)


def fallback_buttons() -> tuple[Button, ...]:
    return (
        Button(_("Talk to a counsellor"), MENU_COUNSELLOR),
        Button(_("Main menu"), MENU_MAIN),
    )
