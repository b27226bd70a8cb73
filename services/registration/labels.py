"""How stored values are shown to people: who the registration is for, substances, forms, contact times."""

from __future__ import annotations

from services.i18n import _

FOR_WHOM = ("self", "child", "spouse", "sibling", "parent", "friend")
REPRESENTATIVES = ("mother", "father", "guardian", "grandparent", "sibling", "other")
SUBSTANCES = ("methamphetamine", "heroin", "ketamine", "cannabis", "mdma", "nitrous_oxide", "opium", "synthetic")
FORMS = ("home_community", "facility", "methadone", "undecided")
CONTACT_TIMES = ("morning", "afternoon", "evening", "anytime")


def for_whom_label(value: str) -> str:
    """As a button and in the summary: “For myself”, “For my child”…"""
    return {
        "self": _("For myself"),
        "child": _("For my child"),
        "spouse": _("For my husband or wife"),
        "sibling": _("For my brother or sister"),
        "parent": _("For my father or mother"),
        "friend": _("For a friend or someone else"),
    }.get(value, value)


def for_whom_note(value: str) -> str:
    """For staff and counsellors: who filled the form in, about whom."""
    return {
        "self": _("registers themself"),
        "child": _("registered by a parent for their child"),
        "spouse": _("registered by the husband or wife"),
        "sibling": _("registered by a brother or sister"),
        "parent": _("registered by their son or daughter"),
        "friend": _("registered by a friend or someone else"),
    }.get(value, value)


def representative_label(value: str) -> str:
    return {
        "mother": _("Mother"),
        "father": _("Father"),
        "guardian": _("Legal guardian"),
        "grandparent": _("Grandparent"),
        "sibling": _("Older brother or sister"),
        "other": _("Other relative"),
    }.get(value, value)


def substance_label(value: str) -> str:
    return {
        "methamphetamine": _("crystal meth (methamphetamine)"),
        "heroin": _("heroin (white powder)"),
        "ketamine": _("ketamine"),
        "cannabis": _("cannabis"),
        "mdma": _("ecstasy pills (MDMA)"),
        "nitrous_oxide": _("laughing gas (nitrous oxide)"),
        "opium": _("opium"),
        "synthetic": _("synthetic drugs (unspecified)"),
    }.get(value, value)


def substances_text(values: list[str]) -> str:
    return ", ".join(substance_label(v) for v in values) if values else _("not sure")


def form_label(value: str) -> str:
    return {
        "home_community": _("At home or in the community"),
        "facility": _("Voluntarily at a treatment facility"),
        "methadone": _("Methadone (substitution treatment)"),
        "undecided": _("Not sure yet: I need advice"),
    }.get(value, value)


def contact_time_label(value: str) -> str:
    return {
        "morning": _("Morning (8–11 h)"),
        "afternoon": _("Afternoon (13–17 h)"),
        "evening": _("Evening (18–21 h)"),
        "anytime": _("Any time"),
    }.get(value, value)
