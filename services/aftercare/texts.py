"""What after-care says and the buttons it shows (gettext, English msgids; dates by Babel in Vietnamese)."""

from __future__ import annotations

from datetime import date, datetime, time

from services.aftercare.plan import AftercareConfig, Phase, Plan, at_local, clock_text
from services.dialogue.menus import HOTLINE_NUMBER
from services.i18n import _, local_datetime
from services.types import Button

PREFIX = "ac:"
JOIN = "ac:join"
YES = "ac:yes"
NO = "ac:no"
MENU = "ac:menu"
TIME = "ac:time"
PAUSE = "ac:pause"
RESUME = "ac:resume"
STOP = "ac:stop"
WHY = "ac:why"
ANSWER = "ac:a"
LEVEL = "ac:lvl"

OK, CRAVING, RELAPSE, TALK, CRISIS = "ok", "craving", "relapse", "talk", "crisis"
ANSWERS = (OK, CRAVING, RELAPSE, TALK)
STOP_REASONS = ("better", "too_many", "other")
_REFERENCE_DAY = date(2026, 1, 5)


# --- dates and times ---------------------------------------------------------------------------
def day_text(moment: datetime) -> str:
    """E.g. "thứ Hai, 30 tháng 11", in Asia/Ho_Chi_Minh."""
    shown = local_datetime(moment, "EEEE, d MMMM")
    return "thứ" + shown[3:] if shown.startswith("Thứ") else shown


def clock_label(moment: datetime) -> str:
    """E.g. "8:00 sáng", in Asia/Ho_Chi_Minh (Babel; 21:xx is "tối" as people say it, where CLDR has "đêm")."""
    label = local_datetime(moment, "h:mm BBBB")
    return label.replace("đêm", "tối") if local_datetime(moment, "H") == "21" else label


def time_label(clock: time, config: AftercareConfig) -> str:
    return clock_label(at_local(_REFERENCE_DAY, clock, config.zone))


def when_text(moment: datetime) -> str:
    """E.g. "thứ Hai, 30 tháng 11 lúc 8:00 sáng"."""
    return _("{day} at {clock}").format(day=day_text(moment), clock=clock_label(moment))


# --- the plan in words -------------------------------------------------------------------------
def _every(days: int) -> str:
    if days == 1:
        return _("every day")
    if days == 7:
        return _("once a week")
    if days % 7 == 0:
        return _("once every {n} weeks").format(n=days // 7)
    return _("once every {n} days").format(n=days)


def _span(phase: Phase) -> str:
    if phase.until_months and not phase.until_days:
        return _("{n} months").format(n=phase.until_months)
    if phase.until_days % 7 == 0 and not phase.until_months:
        weeks = phase.until_days // 7
        return _("{n} weeks").format(n=weeks)
    return _("{n} days").format(n=phase.until_days)


def cadence(plan: Plan) -> str:
    """The plan in words ("every day for the first 2 weeks, then once a week until month 3, …")."""
    parts = [
        _("{every} for the first {span}").format(every=_every(plan.phases[0].every_days), span=_span(plan.phases[0]))
    ]
    for phase in plan.phases[1:]:
        if phase.until_months and not phase.until_days:
            parts.append(
                _("then {every} until the end of month {n}").format(
                    every=_every(phase.every_days), n=phase.until_months
                )
            )
        else:
            parts.append(_("then {every} until day {n}").format(every=_every(phase.every_days), n=phase.until_days))
    return ", ".join(parts)


# --- enrolment ---------------------------------------------------------------------------------
def offer_text(config: AftercareConfig, counsellor_name: str | None) -> str:
    plan = config.plan(config.default_plan)
    intro = (
        _("Counsellor {name} suggests that the hotline keeps in touch with you after treatment.").format(
            name=counsellor_name
        )
        if counsellor_name
        else _("The hotline can keep in touch with you after treatment.")
    )
    details = _(
        "If you agree:\n"
        "• What: a short message asking how you are, with buttons to answer (OK, craving, used again, need to talk).\n"
        "• How often: {cadence}, at a time you choose between {start} and {end}.\n"
        "• If you report a strong craving or using again, ask to talk, or do not answer twice in a row, "
        "a counsellor will contact you.\n"
        "• Your answers are stored encrypted; only the hotline's counsellors see them.\n"
        "• You can change the time, pause or stop at any time: type “dừng nhắc” or /aftercare.\n"
        "Would you like to join?"
    ).format(
        cadence=cadence(plan),
        start=time_label(config.hours.start, config),
        end=time_label(config.hours.end, config),
    )
    return intro + "\n" + details


def offer_buttons() -> tuple[Button, ...]:
    return (Button(_("Yes, check in on me"), YES), Button(_("No, thank you"), NO))


def join_button() -> Button:
    return Button(_("Join the after-care check-ins"), JOIN)


def time_buttons(config: AftercareConfig) -> tuple[Button, ...]:
    return tuple(Button(time_label(t, config), f"{TIME}:{clock_text(t)}") for t in config.time_choices)


def enrolled_text(first: datetime, clock: time, config: AftercareConfig) -> str:
    return _(
        "Thank you! You are in the after-care check-ins. I will write at {clock}; the first check-in is on {when}. "
        "Which time of day suits you best? Choose below or type a time, e.g. “7 giờ tối”."
    ).format(clock=time_label(clock, config), when=when_text(first))


def declined_text() -> str:
    return _(
        "That is fine, I will not send you check-ins. If you change your mind, type /aftercare. "
        "Whenever you need support, write here or call {hotline} (24/7)."
    ).format(hotline=HOTLINE_NUMBER)


def already_enrolled_text(clock: time, config: AftercareConfig) -> str:
    return _("You are already in the after-care check-ins; I write at {clock}.").format(clock=time_label(clock, config))


def not_enrolled_text() -> str:
    return _("You are not in the after-care check-ins. Would you like to join?")


def consent_needed_text() -> str:
    return _(
        "To send you check-ins I first need your agreement to store your answers. "
        "After you agree, press “Yes, check in on me” again."
    )


# --- settings ----------------------------------------------------------------------------------
def settings_text(status: str, clock: time, next_due: datetime | None, config: AftercareConfig) -> str:
    lines = [_("Your after-care check-ins: I write at {clock}.").format(clock=time_label(clock, config))]
    if status == "paused":
        lines.append(_("They are paused now."))
    if next_due is not None:
        lines.append(_("Next check-in: {when}.").format(when=when_text(next_due)))
    lines.append(_("What would you like to change?"))
    return "\n".join(lines)


def settings_buttons(paused: bool) -> tuple[Button, ...]:
    buttons = [Button(_("Change the time"), TIME)]
    buttons.append(Button(_("Resume"), RESUME) if paused else Button(_("Pause"), PAUSE))
    buttons.append(Button(_("Stop the check-ins"), STOP))
    return tuple(buttons)


def ask_time_text(config: AftercareConfig) -> str:
    return _("What time would you like me to write? Choose below or type a time between {start} and {end}.").format(
        start=time_label(config.hours.start, config), end=time_label(config.hours.end, config)
    )


def time_outside_text(config: AftercareConfig) -> str:
    return _(
        "I only write between {start} and {end}, so that messages never wake you or come at a bad moment. "
        "Please choose a time in those hours."
    ).format(start=time_label(config.hours.start, config), end=time_label(config.hours.end, config))


def time_unclear_text() -> str:
    return _("Sorry, I did not catch the time. Please choose below or type it like “19h” or “7 giờ tối”.")


def time_set_text(clock: time, next_due: datetime | None, config: AftercareConfig) -> str:
    text = _("Done: from now on I will write at {clock}.").format(clock=time_label(clock, config))
    if next_due is not None:
        text += " " + _("Next check-in: {when}.").format(when=when_text(next_due))
    return text


def ask_pause_text() -> str:
    return _("For how many days should I pause the check-ins? Choose below or type a number of days.")


def pause_buttons(config: AftercareConfig) -> tuple[Button, ...]:
    return tuple(Button(_("{n} days").format(n=days), f"{PAUSE}:{days}") for days in config.pause_choices_days)


def pause_unclear_text(max_days: int) -> str:
    return _("Please give a number of days from 1 to {max_days}, for example “3 ngày”.").format(max_days=max_days)


def paused_text(next_due: datetime | None) -> str:
    if next_due is None:
        return _("Paused. The programme ends during the pause, so this was the last check-in. Take care!")
    return _(
        "Paused. I will write again on {when}. To resume earlier, type “tiếp tục nhắc”. "
        "If you need support meanwhile, write here or call {hotline}."
    ).format(when=when_text(next_due), hotline=HOTLINE_NUMBER)


def resumed_text(next_due: datetime | None) -> str:
    if next_due is None:
        return _("The check-in programme has no more check-ins planned.")
    return _("Welcome back! The check-ins are on again; the next one is on {when}.").format(when=when_text(next_due))


def not_paused_text() -> str:
    return _("The check-ins are not paused; they go on as planned.")


def stopped_text() -> str:
    return _(
        "Done: I will not send you any more check-ins. Thank you for the time we shared.\n"
        "Whenever you need support: write here to talk with a counsellor (/counsellor), call the national line "
        "{hotline} (24/7), or 115 in an emergency. To join again later, type /aftercare.\n"
        "If you like, tell me why you stopped (this is optional):"
    ).format(hotline=HOTLINE_NUMBER)


def stop_reason_buttons() -> tuple[Button, ...]:
    return (
        Button(_("I am doing well now"), f"{WHY}:better"),
        Button(_("Too many messages"), f"{WHY}:too_many"),
        Button(_("Another reason"), f"{WHY}:other"),
        Button(_("Skip"), f"{WHY}:skip"),
    )


def reason_thanks_text() -> str:
    return _("Thank you for telling me. Take good care of yourself.")


def stopped_already_text() -> str:
    return _("You are not receiving check-ins now. To join again, type /aftercare.")


# --- check-ins ---------------------------------------------------------------------------------
def checkin_buttons(checkin_id: int) -> tuple[Button, ...]:
    return (
        Button(_("I'm OK"), f"{ANSWER}:{checkin_id}:{OK}"),
        Button(_("Craving"), f"{ANSWER}:{checkin_id}:{CRAVING}"),
        Button(_("I used again"), f"{ANSWER}:{checkin_id}:{RELAPSE}"),
        Button(_("I need to talk"), f"{ANSWER}:{checkin_id}:{TALK}"),
    )


def late_note() -> str:
    return _("(This message comes later than planned, sorry.)")


def settings_hint() -> str:
    return _("To change the time, pause or stop the check-ins, type /aftercare or “dừng nhắc”.")


def level_question() -> str:
    return _(
        "Thank you for telling me honestly. How strong is the craving right now, from 0 (none) to 10 (very strong)?"
    )


def level_buttons(checkin_id: int) -> tuple[Button, ...]:
    return tuple(Button(str(n), f"{LEVEL}:{checkin_id}:{n}") for n in range(11))


def level_unclear_text() -> str:
    return _("Please choose a number from 0 to 10.")


def tip_text(tip: str) -> str:
    return _("A craving rises and then passes. One thing that may help now:\n{tip}").format(tip=tip)


def craving_alert_text(position: int) -> str:
    return _(
        "That is a strong craving. I have asked a counsellor to contact you soon (you are number {position} in the "
        "queue). Stay with me here; if you need someone right away, call {hotline} (24/7)."
    ).format(position=position, hotline=HOTLINE_NUMBER)


def craving_offer_text() -> str:
    return _("If you would like to talk it through with someone, press “I need to talk”.")


def relapse_followup_text(position: int) -> str:
    return _(
        "I have asked a counsellor to contact you, to talk about what would help now (you are number {position} "
        "in the queue). The check-ins go on as before. If you need someone right away, call {hotline} (24/7)."
    ).format(position=position, hotline=HOTLINE_NUMBER)


def talk_text(position: int) -> str:
    return _(
        "I have asked a counsellor to contact you; you are number {position} in the queue. Meanwhile you can "
        "write here. If it is urgent, call {hotline} (24/7) or 115 in an emergency."
    ).format(position=position, hotline=HOTLINE_NUMBER)


def already_with_counsellor_text() -> str:
    return _("You are already talking with a counsellor; just write your message here.")


def missed_escalation_text() -> str:
    return _(
        "I have not heard from you for a while, so I asked a counsellor to get in touch, just to see how you are. "
        "No need to worry: whenever you can, simply answer here."
    )


def answer_recorded_text() -> str:
    return _("Thank you, I have noted it.")


def talk_button(checkin_id: int) -> Button:
    return Button(_("I need to talk"), f"{ANSWER}:{checkin_id}:{TALK}")


def outside_programme_craving_text() -> str:
    return _(
        "Thank you for telling me. If you would like, a counsellor can talk with you now, or call {hotline} (24/7)."
    ).format(hotline=HOTLINE_NUMBER)


def outside_programme_relapse_text() -> str:
    return _(
        "Thank you for telling me honestly; using again does not undo what you have achieved, and help is here. "
        "A counsellor can talk with you about the next step, or call {hotline} (24/7)."
    ).format(hotline=HOTLINE_NUMBER)


def not_ok_text() -> str:
    return _("Thank you for telling me that today is not a good day. What is going on? Choose below, or just write.")


def outside_programme_ok_text() -> str:
    return _("Glad to hear it! How can I help you?")
