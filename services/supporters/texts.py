"""What the supporters feature says: to the person, to the supporter, to the counsellor who assigns."""

from __future__ import annotations

from services.i18n import _
from services.types import Button
from storage.supporter_models import Supporter, SupporterAssignment

PERSON_PREFIX = "sup:"  # the person's buttons (router payload handler)
CONSENT = "sup:consent"  # sup:consent:<assignment id>:yes|no
STOP = "sup:stop"  # sup:stop:<assignment id>
DESK_PREFIX = "supdesk:"  # the supporter's buttons (the supporter interceptor)
ACK = "supdesk:ack"  # supdesk:ack:<alert id>
WRITE = "supdesk:msg"  # supdesk:msg:<assignment id>

REASON_RELAPSE = "aftercare_relapse"
REASON_CRAVING = "aftercare_craving"
REASON_TALK = "aftercare_talk"
REASON_MISSED = "aftercare_missed"
FORWARD_REASON = "supporter_no_contact"


def who(assignment: SupporterAssignment) -> str:
    """How the supporter knows a person: the label the counsellor gave and the reference, or the reference."""
    return f"{assignment.label} (#{assignment.id})" if assignment.label else f"#{assignment.id}"


def supporter_line(supporter: Supporter) -> str:
    return f"{supporter.name} ({supporter.org})"


# --- the person --------------------------------------------------------------------------------------
def consent_question(supporter: Supporter, proposer: str | None) -> str:
    head = (
        _("{counsellor} suggests that {name} ({org}) support you after treatment.").format(
            counsellor=proposer, name=supporter.name, org=supporter.org
        )
        if proposer
        else _("The hotline suggests that {name} ({org}) support you after treatment.").format(
            name=supporter.name, org=supporter.org
        )
    )
    return (
        head
        + " "
        + _(
            "If you agree, {name} gets a short weekly summary of your check-ins (how many you answered, your "
            "craving levels, days without using) and a message when you report using again, a strong craving, ask "
            "to talk, or miss two check-ins. {name} never sees what you write to the bot or to counsellors. You can "
            "stop sharing at any time with /supporter. Do you agree to share with {name}?"
        ).format(name=supporter.name)
    )


def consent_buttons(assignment_id: int) -> tuple[Button, ...]:
    return (
        Button(_("Agree to share"), f"{CONSENT}:{assignment_id}:yes"),
        Button(_("No, thank you"), f"{CONSENT}:{assignment_id}:no"),
    )


def stop_button(assignment_id: int) -> Button:
    return Button(_("Stop sharing"), f"{STOP}:{assignment_id}")


def agreed_text(supporter: Supporter) -> str:
    return _(
        "Thank you. {name} ({org}) is now your supporter and may get in touch with you. To see who your supporter "
        "is, or to stop sharing, type /supporter."
    ).format(name=supporter.name, org=supporter.org)


def declined_text(supporter: Supporter) -> str:
    return _("All right: nothing is shared with {name}. Counsellors are still here for you: /counsellor.").format(
        name=supporter.name
    )


def status_text(supporter: Supporter) -> str:
    return _(
        "Your supporter is {name} ({org}). They get a weekly summary of your check-ins and a message when you need "
        "help. You can stop sharing at any time."
    ).format(name=supporter.name, org=supporter.org)


def pending_text(supporter: Supporter) -> str:
    return _("You have not answered yet whether to share your check-in summary with {name} ({org}).").format(
        name=supporter.name, org=supporter.org
    )


def none_text() -> str:
    return _(
        "You have no supporter at the moment. A counsellor can suggest one when you are in after-care: /counsellor."
    )


def withdrawn_text(supporter: Supporter) -> str:
    return _(
        "Sharing has stopped: {name} will no longer get your summaries or alerts. Your check-ins go on as before, "
        "and counsellors are still here: /counsellor."
    ).format(name=supporter.name)


def stale_question_text() -> str:
    return _("That question is no longer open.")


def relayed_text(supporter: Supporter, text: str) -> str:
    return (
        _("{name} ({org}), your supporter:").format(name=supporter.name, org=supporter.org)
        + " "
        + text
        + "\n\n"
        + _("(Replies here are not passed on. /supporter shows your supporter or stops sharing.)")
    )


def supporter_gone_text(supporter: Supporter) -> str:
    return _(
        "{name} is no longer your supporter, so nothing is shared with them any more. Counsellors are still here: "
        "/counsellor."
    ).format(name=supporter.name)


# --- the supporter -----------------------------------------------------------------------------------
def help_text() -> str:
    return _(
        "Supporter commands: /people (the people assigned to you and their week) · /msg N text (a message to #N, "
        "sent with your name) · /ack N [note] (you have been in touch with #N). You only see the people assigned "
        "to you."
    )


def welcome_text(supporter: Supporter) -> str:
    return (
        _("Welcome, {name}: you are now a supporter for {org} on the hotline.").format(
            name=supporter.name, org=supporter.org
        )
        + "\n"
        + help_text()
    )


def invite_used_text() -> str:
    return _("This invitation code has expired or was already used. Please ask your supervisor for a new one.")


def new_person_text(assignment: SupporterAssignment) -> str:
    return _(
        "{who} agreed to share their check-in summary with you. You will get a message when they need help and a "
        "summary every week; /people lists the people assigned to you."
    ).format(who=who(assignment))


def withdrawn_notice(assignment: SupporterAssignment) -> str:
    return _("{who} stopped sharing with you: you will get no more alerts or summaries about them.").format(
        who=who(assignment)
    )


def ended_notice(assignment: SupporterAssignment) -> str:
    return _("{who} is no longer assigned to you: you will get no more alerts or summaries about them.").format(
        who=who(assignment)
    )


def reason_text(reason: str) -> str:
    return {
        REASON_RELAPSE: _("reported using again"),
        REASON_CRAVING: _("reported a strong craving"),
        REASON_TALK: _("asked to talk with someone"),
        REASON_MISSED: _("has not answered two check-ins in a row"),
    }.get(reason, _("needs help"))


def alert_text(assignment: SupporterAssignment, reason: str) -> str:
    return _(
        "🔔 {who} {what}. The counsellors have been told too. Please get in touch when you can, then press “Contacted”."
    ).format(who=who(assignment), what=reason_text(reason))


def alert_buttons(alert_id: int, assignment_id: int) -> tuple[Button, ...]:
    return (
        Button(_("Contacted"), f"{ACK}:{alert_id}"),
        Button(_("Write to them"), f"{WRITE}:{assignment_id}"),
    )


def ack_text(assignment: SupporterAssignment) -> str:
    return _(
        "Thank you: {who} is marked as contacted. Add a short note for the counsellors? Type it now, or /skip."
    ).format(who=who(assignment))


def acked_with_note_text(assignment: SupporterAssignment) -> str:
    return _("Thank you: {who} is marked as contacted, with your note.").format(who=who(assignment))


def nothing_open_text(assignment: SupporterAssignment) -> str:
    return _("There is no open alert about {who}.").format(who=who(assignment))


def note_saved_text() -> str:
    return _("Note saved.")


def no_note_text() -> str:
    return _("All right, no note.")


def reminder_text(assignment: SupporterAssignment, reason: str, hours: int) -> str:
    return _(
        "Reminder: the alert that {who} {what} is not marked as contacted yet. If you have been in touch, press "
        "“Contacted”; otherwise the counsellors take it over in about {hours} hours."
    ).format(who=who(assignment), what=reason_text(reason), hours=hours)


def forwarded_text(assignment: SupporterAssignment) -> str:
    return _(
        "The alert about {who} was not marked as contacted, so it has been passed to the counsellors. You can "
        "still get in touch."
    ).format(who=who(assignment))


def not_yours_text(ref: str) -> str:
    return _("#{ref} is not one of the people assigned to you; /people lists them.").format(ref=ref)


def msg_usage_text() -> str:
    return _("Write the number and then the message, for example: /msg 5 I will drop by this afternoon.")


def ack_usage_text() -> str:
    return _("Write the number of the person you have contacted, for example: /ack 5 we talked on the phone.")


def compose_text(assignment: SupporterAssignment) -> str:
    return _("Write your message to {who}; it is sent with your name. /cancel to stop.").format(who=who(assignment))


def sent_text(assignment: SupporterAssignment) -> str:
    return _("Sent to {who}.").format(who=who(assignment))


def too_long_text(limit: int) -> str:
    return _("That message is too long: at most {n} characters, please.").format(n=limit)


def text_only_text() -> str:
    return _("Only text can be passed on; please write it in words.")


def cancelled_text() -> str:
    return _("Cancelled.")


def nobody_text() -> str:
    return _("Nobody is assigned to you at the moment.")


def people_header(count: int, capacity: int) -> str:
    return _("The people assigned to you ({count} of {capacity}):").format(count=count, capacity=capacity)


def summary_header(date: str) -> str:
    return _("Weekly summary (the 7 days to {date}):").format(date=date)


def write_button(assignment: SupporterAssignment) -> Button:
    return Button(_("Write to #{ref}").format(ref=assignment.id), f"{WRITE}:{assignment.id}")


# --- the counsellor who assigns ----------------------------------------------------------------------
def assign_usage(lines: list[str]) -> str:
    if not lines:
        return _("No supporters are registered yet (hotline supporters add).")
    return (
        _("Supporters (number. name, organisation, commune: people / limit):")
        + "\n"
        + "\n".join(lines)
        + "\n"
        + _("Assign with /assign NUMBER [the name the supporter knows them by]; add --force beyond the limit.")
    )


def assign_sent_text(supporter: Supporter) -> str:
    return _(
        "The person was asked whether to share their check-in summary with {name} ({org}); the assignment starts "
        "only when they agree."
    ).format(name=supporter.name, org=supporter.org)


def assign_answer_text(assignment: SupporterAssignment, supporter: Supporter, agreed: bool) -> str:
    """To the counsellor who proposed it (their `#N` are conversations, so the label only)."""
    person = assignment.label or _("The person")
    if agreed:
        return _("{who} agreed to share with {name}.").format(who=person, name=supporter.name)
    return _("{who} did not agree to share with {name}.").format(who=person, name=supporter.name)


def forward_note(count: int) -> str:
    """A system note on the counsellors' card when alerts are forwarded."""
    return _(
        "After-care alerts not marked as contacted by the person's supporter: {count}. Please get in touch."
    ).format(count=count)


def over_capacity_text(supporter: Supporter, load: int, capacity: int) -> str:
    return _(
        "{name} already helps {load} people, their limit is {capacity}. Choose another supporter, or add --force "
        "to assign anyway."
    ).format(name=supporter.name, load=load, capacity=capacity)


def forced_text(supporter: Supporter, load: int, capacity: int) -> str:
    return _("Warning: {name} now has {count} people, above their limit of {capacity}.").format(
        name=supporter.name, count=load + 1, capacity=capacity
    )
