"""What the registration says: the notice, each question, the kind re-asks, the summary and next steps."""

from __future__ import annotations

from services.dialogue.menus import HOTLINE_NUMBER
from services.i18n import _
from services.registration.form import Form, summary_lines
from services.registration.labels import (
    CONTACT_TIMES,
    FOR_WHOM,
    FORMS,
    REPRESENTATIVES,
    SUBSTANCES,
    contact_time_label,
    for_whom_label,
    form_label,
    representative_label,
    substance_label,
    substances_text,
)
from services.registration.parsers import Invalid, Reason, display_phone
from services.registration.places import Place
from services.types import Button

PREFIX = "reg:"
CONSENT_YES = "reg:consent:yes"
CONSENT_NO = "reg:consent:no"
YES = "reg:yes"
NO = "reg:no"
WHO = "reg:who:"
REL = "reg:rel:"
PICK = "reg:pick:"
PICK_NONE = "reg:pick:none"
WARD_UNKNOWN = "reg:ward:unknown"
SUB = "reg:sub:"
SUB_DONE = "reg:sub:done"
SUB_UNKNOWN = "reg:sub:unknown"
FORM = "reg:form:"
TIME = "reg:time:"
SKIP = "reg:skip"
CONFIRM = "reg:confirm"
EDIT = "reg:edit"
FIELD = "reg:field:"
CANCEL = "reg:cancel"
CANCEL_KEEP = "reg:cancel:keep"
CANCEL_DROP = "reg:cancel:drop"
CANCEL_BACK = "reg:cancel:back"
RESUME = "reg:resume"
DISCARD = "reg:discard"

Prompt = tuple[str, tuple[Button, ...]]


def notice() -> Prompt:
    text = _(
        "Thank you for taking this step. Before I ask anything personal, please read this:\n"
        "• I will ask, one at a time: the full name, date of birth (or age), a phone number, the province and "
        "commune/ward of residence, the substances used, the preferred form of treatment and a good time to call; "
        "a citizen ID and a note are optional.\n"
        "• Why: so that hotline staff can call you and help with the registration at the commune People's "
        "Committee.\n"
        "• Who sees it: only the hotline staff who follow up your request; every access is recorded. "
        "Everything is stored encrypted.\n"
        "• How long: while your request is followed up, then at most 12 months after it is closed. A half-filled "
        "form is kept for 7 days.\n"
        "• You can stop at any time (/cancel), withdraw your consent and have everything deleted (/delete).\n"
        "Do you agree to give this information for the registration?"
    )
    return text, (Button(_("I agree, let us start"), CONSENT_YES), Button(_("No, not now"), CONSENT_NO))


def consent_by_button_only() -> Prompt:
    buttons = notice()[1]
    return _("To start, please press one of the buttons below: I only begin when you agree by button."), buttons


def declined() -> str:
    return _(
        "That is fine: nothing was saved for a registration. You can keep asking me questions anonymously, "
        "and register later whenever you want."
    )


def question(form: Form, key: str, province: Place | None = None) -> Prompt:
    """The question for a field (phrased for oneself or for a relative), with its buttons."""
    own = form.for_self
    name = form.values.get("full_name", "")
    if key == "for_whom":
        return _("Who are you registering?"), tuple(Button(for_whom_label(v), WHO + v) for v in FOR_WHOM)
    if key == "full_name":
        if own:
            return _("What is your full name (as on your ID papers)?"), ()
        return _("What is the full name of the person who will be treated (as on their ID papers)?"), ()
    if key == "birth":
        if own:
            return _("What is your date of birth (e.g. 12/05/1990)? You can also just tell me your age."), ()
        return _("What is {name}'s date of birth (e.g. 12/05/2010)? Or just their age.").format(name=name), ()
    if key == "rep_name":
        text = _(
            "{name} is under 18, so by law a parent or legal representative files the request. "
            "What is the representative's full name?"
        ).format(name=name)
        if form.values.get("for_whom") == "child":
            text += " " + _("If that is you, type your own full name.")
        return text, ()
    if key == "rep_relation":
        return (
            _("What is the representative's relation to {name}?").format(name=name),
            tuple(Button(representative_label(v), REL + v) for v in REPRESENTATIVES),
        )
    if key == "phone":
        return _("Which phone number can staff call you on? (e.g. 0912 345 678)"), ()
    if key == "province":
        text = (
            _("Which province or city do you live in now?")
            if own
            else _("Which province or city does {name} live in now?").format(name=name)
        )
        return text + " " + _("(one of the 34 provinces since 2025, e.g. Hà Nội, Hồ Chí Minh, Đà Nẵng)"), ()
    if key == "ward":
        return (
            _(
                "And which commune or ward in {province}? Please use the new name (since July 2025), "
                "e.g. “Phường Bến Thành”. If you are not sure, press the button."
            ).format(province=province.name if province else ""),
            (Button(_("Not sure: staff will help"), WARD_UNKNOWN),),
        )
    if key == "substances":
        text = _("Which substances have you used?") if own else _("Which substances has {name} used?").format(name=name)
        text += " " + _("Press one or more, then “Done, that is all”, or type them in your own words.")
        return text, substance_buttons([])
    if key == "treatment_form":
        return _("Which form of treatment would you prefer?"), tuple(Button(form_label(v), FORM + v) for v in FORMS)
    if key == "contact_time":
        return (
            _("When is the best time for staff to call?"),
            tuple(Button(contact_time_label(v), TIME + v) for v in CONTACT_TIMES),
        )
    if key == "citizen_id":
        return (
            _(
                "If you wish, type the 12-digit citizen ID (CCCD) number of the person who will be treated: it "
                "helps the commune find the record. This is optional."
            ),
            (Button(_("Skip this question"), SKIP),),
        )
    return (
        _("Is there anything else staff should know (health, urgent needs, a safe time or way to call)? Optional."),
        (Button(_("Skip this question"), SKIP),),
    )


def substance_buttons(chosen: list[str]) -> tuple[Button, ...]:
    buttons = [Button(substance_label(v), SUB + v) for v in SUBSTANCES if v not in chosen]
    if chosen:
        buttons.append(Button(_("Done, that is all"), SUB_DONE))
    else:
        buttons.append(Button(_("I am not sure"), SUB_UNKNOWN))
    return tuple(buttons)


def substances_so_far(chosen: list[str]) -> Prompt:
    return (
        _("Noted: {substances}. Anything else? Press another one, or “Done, that is all”.").format(
            substances=substances_text(chosen)
        ),
        substance_buttons(chosen),
    )


def suggestion(form: Form, key: str, value: object) -> Prompt:
    """A value said earlier in the conversation, offered for confirmation instead of asking again."""
    buttons = (Button(_("Yes, that is right"), YES), Button(_("No, something else"), NO))
    if key == "for_whom":
        texts = {
            "self": _("Are you registering yourself?"),
            "child": _("Are you registering your child?"),
            "spouse": _("Are you registering your husband or wife?"),
            "sibling": _("Are you registering your brother or sister?"),
            "parent": _("Are you registering your father or mother?"),
            "friend": _("Are you registering a friend?"),
        }
        return texts.get(str(value), _("Who are you registering?")), buttons
    if key == "phone":
        return (
            _("Earlier you mentioned the number {phone}. Can staff call you on it?").format(
                phone=display_phone(str(value))
            ),
            buttons,
        )
    if key == "province":
        return _("Earlier you mentioned {province}. Is that the province of residence?").format(province=value), buttons
    values = [str(v) for v in value] if isinstance(value, list) else []
    return (
        _("Earlier you mentioned {substances}. Is that what was used?").format(substances=substances_text(values)),
        buttons,
    )


def reask(key: str, problem: Invalid | None, province: Place | None = None) -> str:
    """A kind explanation of what was wrong and how to answer (the question's buttons are shown again)."""
    reason = problem.reason if problem else None
    if key in ("full_name", "rep_name"):
        if reason is Reason.DIGITS:
            return _("A name should not contain numbers. Please type the full name in letters, e.g. Nguyễn Văn An.")
        if reason is Reason.ONE_WORD:
            return _("Please type the full name: family name, middle name and given name, e.g. Nguyễn Văn An.")
        return _("Sorry, I could not read that as a name. Please type the full name in letters, e.g. Nguyễn Văn An.")
    if key == "birth":
        if reason is Reason.TOO_YOUNG:
            return _(
                "Voluntary treatment registration is for people aged 12 or older. Please check the date of birth or "
                "age. If a child under 12 is using drugs, please talk with a counsellor (/counsellor) or call "
                "{hotline}."
            ).format(hotline=HOTLINE_NUMBER)
        if reason is Reason.TOO_OLD:
            return _("That age seems too high. Please check the date of birth (e.g. 12/05/1960) or the age.")
        if reason is Reason.FUTURE:
            return _("That date is in the future. Please check the date of birth (day/month/year), e.g. 12/05/1990.")
        if reason is Reason.BAD_DATE:
            return _("That date does not exist. Please check it (day/month/year), e.g. 12/05/1990.")
        return _(
            "I could not read a date or an age. Please type the date of birth like 12/05/1990, the year like 1990, "
            "or the age like 25."
        )
    if key == "phone":
        return _(
            "Sorry, that does not look like a phone number staff can call. Please type it like 0912 345 678 "
            "or +84 912 345 678."
        )
    if key == "province":
        return _(
            "Sorry, I could not find a province or city with that name. Please type it like Hà Nội, Hồ Chí Minh, "
            "Đà Nẵng or Nghệ An (no need for diacritics)."
        )
    if key == "ward":
        return _(
            "I could not find that commune or ward in {province}. Please check the new name (since July 2025), "
            "or press “Not sure: staff will help”."
        ).format(province=province.name if province else "")
    if key == "substances":
        return _("I did not recognise that. Please choose from the buttons, or press “I am not sure”.")
    if key == "citizen_id":
        return _("A citizen ID (CCCD) number has exactly 12 digits. Please check it, or skip this question.")
    if key == "note":
        return _("The note is a bit long (500 characters at most). Please shorten it, or skip this question.")
    return _("Please choose one of the options below.")


def choose_place(places: tuple[Place, ...]) -> Prompt:
    text = _("Did you mean {place}?").format(place=places[0].name) if len(places) == 1 else _("Which one do you mean?")
    buttons = [Button(p.name, f"{PICK}{p.code}") for p in places]
    buttons.append(Button(_("None of these"), PICK_NONE))
    return text, tuple(buttons)


def summary(form: Form) -> Prompt:
    text = _("Please check your answers:") + "\n" + "\n".join(summary_lines(form)) + "\n" + _("Is everything right?")
    return text, (
        Button(_("Confirm and send"), CONFIRM),
        Button(_("Edit an answer"), EDIT),
        Button(_("Stop for now"), CANCEL),
    )


def edit_choices(form: Form) -> Prompt:
    labels = {
        "for_whom": _("Who is registered"),
        "full_name": _("Full name"),
        "birth": _("Date of birth / age"),
        "rep_name": _("Legal representative"),
        "phone": _("Phone number"),
        "province": _("Province/city"),
        "ward": _("Commune/ward"),
        "substances": _("Substances"),
        "treatment_form": _("Form of treatment"),
        "contact_time": _("Time to call"),
        "citizen_id": _("Citizen ID (CCCD)"),
        "note": _("Note for staff"),
    }
    keys = [k for k in labels if k != "rep_name" or form.minor]
    return _("Which answer would you like to change?"), tuple(Button(labels[k], FIELD + k) for k in keys)


def cancel_question() -> Prompt:
    return (
        _(
            "Do you want to stop the registration? I can keep your answers for 7 days so you can continue later "
            "with /start, or delete them now."
        ),
        (
            Button(_("Stop, keep my answers"), CANCEL_KEEP),
            Button(_("Stop and delete my answers"), CANCEL_DROP),
            Button(_("Continue the registration"), CANCEL_BACK),
        ),
    )


def resume_offer() -> Prompt:
    return (
        _("Welcome back! You have a registration you started and did not finish. Would you like to continue it?"),
        (
            Button(_("Continue the registration"), RESUME),
            Button(_("Delete the unfinished form"), DISCARD),
        ),
    )


def next_steps(code: str, form: Form) -> str:
    """The reference code, what happens next, and how to check the status."""
    v = form.values
    ward = (v.get("ward") or {}).get("name")
    place = ward or _("the commune/ward where the person lives")
    lines = [
        _("Thank you. Your registration has been received. Your reference code is {code}.").format(code=code),
        _("What happens next:"),
        _("• Hotline staff will call {phone} to guide you, at the time you chose: {time}. The call is free.").format(
            phone=display_phone(v.get("phone", "")), time=contact_time_label(v.get("contact_time", "")).lower()
        ),
        _(
            "• The registration itself is filed at the People's Committee of {place}: in person, online or by post. "
            "It is free of charge, and the decision normally comes within 3 working days of a complete file."
        ).format(place=place),
    ]
    if form.minor:
        lines.append(
            _(
                "• Because the person is under 18, the parent or legal representative files it; bring the original "
                "ID papers of both, and the birth certificate."
            )
        )
    else:
        lines.append(_("• Bring the original citizen ID (CCCD) to show."))
    if v.get("treatment_form") == "facility":
        lines.append(
            _(
                "• For treatment at a facility you will also need the application form (Form 22, Decree "
                "116/2021), a copy of the ID and a service contract with the facility; staff will explain the costs "
                "and the support available."
            )
        )
    if v.get("treatment_form") == "methadone":
        lines.append(_("• For methadone, staff will tell you the nearest substitution treatment facility."))
    lines.append(
        _("To check the status at any time: type /status, or write “kiểm tra hồ sơ {code}”.").format(code=code)
    )
    return "\n".join(lines)
