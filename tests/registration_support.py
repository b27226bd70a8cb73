"""Filling the registration form through the core, as a channel would (shared by the registration tests)."""

from __future__ import annotations

from services.registration.codes import find_code
from tests.helpers import Chat, texts

ADULT = {
    "name": "Nguyễn Văn Minh",
    "birth": "12/05/1990",
    "phone": "0912 345 678",
    "province": "ho chi minh",
    "ward": "ben thanh",
    "cccd": "079 090 001 234",
    "note": "Cần hỏi thêm về chi phí",
}


def register(chat: Chat, *, consent: bool = True, **answers: str) -> str:
    """Go through the whole form with these answers (ADULT by default); returns the reference code."""
    values = {**ADULT, **answers}
    if consent:
        chat.consent()
    chat.press("menu:register")
    chat.press("reg:consent:yes")
    chat.press("reg:who:self" if "rep_name" not in values else "reg:who:child")
    chat.say(values["name"])
    chat.say(values["birth"])
    if "rep_name" in values:
        chat.say(values["rep_name"])
        chat.press("reg:rel:mother")
    chat.say(values["phone"])
    chat.say(values["province"])
    chat.say(values["ward"])
    chat.press("reg:sub:heroin")
    chat.press("reg:sub:done")
    chat.press("reg:form:home_community")
    chat.press("reg:time:morning")
    chat.say(values["cccd"])
    chat.say(values["note"])
    done = chat.press("reg:confirm")
    code = find_code(texts(done))
    assert code is not None, texts(done)
    return code
