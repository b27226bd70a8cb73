"""Translations (Babel gettext; Vietnamese is the only locale now) and Vietnamese date formatting."""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DEFAULT_LOCALE = "vi"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DOMAIN = "messages"


@cache
def translations(locale: str = DEFAULT_LOCALE) -> Translations:
    """Compile the locale's .po catalog in memory (once per process) and return it."""
    po_file = resources.files("services.i18n").joinpath("locales", locale, "LC_MESSAGES", f"{DOMAIN}.po")
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def _(message: str) -> str:
    """Translate a message into the person's language (Vietnamese)."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations().ngettext(singular, plural, count)


def local_datetime(moment: datetime, pattern: str = "EEEE, d MMMM 'lúc' HH:mm") -> str:
    """Format an aware datetime in Asia/Ho_Chi_Minh, in Vietnamese."""
    return format_datetime(moment, pattern, tzinfo=LOCAL_TZ, locale=DEFAULT_LOCALE)
