"""What the person sees of their registrations: /status, “kiểm tra hồ sơ DK-…”, and a bare code."""

from __future__ import annotations

from services.dialogue.menus import main_menu_buttons
from services.dialogue.turn import Turn
from services.i18n import LOCAL_TZ, _
from services.registration.codes import find_code
from services.registration.service import FLOW, repo, status_lines
from services.registration.statuses import Status, status_explanation, status_label


def show_status(turn: Turn, code: str | None = None) -> None:
    """The status of one registration (by its code) or of all of the person's own."""
    registrations = repo(turn.uow)
    if code is not None:
        found = registrations.by_code(code)
        if found is None:
            turn.say(
                _(
                    "I found no registration with the code {code}. Please check it: DK- followed by 6 letters "
                    "and digits. Or type /status to see your own."
                ).format(code=code)
            )
            return
        turn.say(
            _("Registration {code}: {status} (last change on {date}).").format(
                code=found.code,
                status=status_label(found.status),
                date=found.updated_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y"),
            )
            + "\n"
            + status_explanation(Status(found.status))
        )
        return
    own = [r for r in registrations.for_person(turn.person.id) if r.erased_at is None]
    unfinished = registrations.draft(turn.person.id) is not None and turn.state.flow != FLOW
    if not own and not unfinished:
        turn.say(
            _("You have no registration with us yet. To register, choose “Register for voluntary treatment”."),
            main_menu_buttons(),
        )
        return
    lines = []
    if own:
        lines.append(_("Your registrations:"))
        lines += status_lines(own)
        lines.append(status_explanation(Status(own[0].status)))
    if unfinished:
        lines.append(_("You also have an unfinished registration form: type /start to continue it."))
    turn.say("\n".join(lines))
    if turn.state.flow == FLOW:
        turn.say(_("We are still in the middle of your registration: answer the question above, or type /cancel."))


def status_intent(turn: Turn) -> None:
    """check_registration_status: with a code in the message, that registration; else the person's own."""
    show_status(turn, find_code(turn.text))
