"""Installs voluntary treatment registration: the form, /status, the menu button, ticks, erasure, hooks."""

from __future__ import annotations

import re
from datetime import datetime

from services.context import FeatureContext
from services.dialogue.menus import MENU_REGISTER, main_menu_buttons
from services.dialogue.turn import Turn
from services.i18n import _
from services.nlu.text import fold
from services.privacy.erasure import ERASERS
from services.registration import prompts as p
from services.registration.codes import ALPHABET, find_code
from services.registration.flow import RegistrationFlow
from services.registration.service import (
    FLOW,
    erase_registrations,
    expire_drafts,
    purge_closed,
    repo,
)
from services.registration.staff import registration_summary
from services.registration.status import show_status, status_intent

SUMMARY_HOOK = "registration.summary"  # (uow, person_id) -> str | None, masked, for the counsellor's card
# A message that is only a reference code (optionally "kiểm tra hồ sơ …"): never a crisis, so safe to take early.
_BARE_CODE = re.compile(
    r"^\s*(?:(?:kiem tra|tra cuu|xem)\s+)?(?:(?:ho so|ma ho so|ma)\s+)?"
    rf"dk\s*[-–_ ]?\s*[{ALPHABET.lower()}]{{6}}\s*[?.!]*\s*$"
)


def install(ctx: FeatureContext) -> None:
    flow = RegistrationFlow(ctx.router)
    ctx.router.register_flow(flow)
    ctx.router.register_payload(MENU_REGISTER, flow.start)
    ctx.router.register_intent("register_treatment", flow.start)
    ctx.router.register_intent("check_registration_status", status_intent)
    ctx.router.register_command("status", show_status)

    def on_button(turn: Turn) -> None:
        """A registration button while the form is not open: resume, discard, or an old form's button."""
        if turn.payload == p.RESUME:
            flow.resume(turn)
        elif turn.payload == p.DISCARD:
            flow.discard(turn)
        elif repo(turn.uow).draft(turn.person.id) is not None:
            turn.say(*p.resume_offer())
        else:
            turn.say(_("That button belongs to a form that is finished or has expired."), main_menu_buttons())

    def intercept(turn: Turn) -> bool:
        """/start and /cancel around an open or kept form; a message that is only a reference code."""
        text = turn.text
        if turn.payload is not None or not text:
            return False
        if text.startswith("/"):
            words = text[1:].split()
            word = words[0].split("@", 1)[0].lower() if words else ""
            if turn.state.flow == FLOW and word == "cancel":
                flow.ask_cancel(turn)
                return True
            if word != "start" or len(words) > 1:
                return False
            if turn.state.flow == FLOW:
                flow.welcome_back(turn)
                return True
            if turn.state.flow is None and turn.has_consent and repo(turn.uow).draft(turn.person.id) is not None:
                turn.say(*p.resume_offer())
                return True
            return False
        if turn.state.flow is None and _BARE_CODE.match(fold(text)):
            show_status(turn, find_code(text))
            return True
        return False

    ctx.router.register_interceptor(intercept)
    ctx.router.register_payload(p.PREFIX, on_button)

    def tick(now: datetime) -> None:
        with ctx.uow_factory() as uow:
            expire_drafts(uow, now)
            purge_closed(uow, now)
            uow.commit()

    ctx.ticks.append(tick)
    if erase_registrations not in ERASERS:
        ERASERS.append(erase_registrations)
    ctx.extensions[SUMMARY_HOOK] = registration_summary
