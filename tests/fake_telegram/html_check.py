"""Telegram's HTML parse mode, checked like the server does: known tags, balanced, entities escaped."""

from __future__ import annotations

import html
import re

TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_TOKEN = re.compile(r"<(/?)([a-zA-Z-]+)(?:\s[^<>]*)?>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]")
_NAMED = {"lt", "gt", "amp", "quot"}


class EntityError(ValueError):
    pass


def parse_html(text: str) -> str:
    """The visible text of an HTML message; EntityError where Telegram answers "can't parse entities"."""
    out: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if match.group(2):
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in TAGS:
                raise EntityError(f'unsupported start tag "{name}"')
            if closing:
                if not stack or stack.pop() != name:
                    raise EntityError(f'unexpected end tag "{name}"')
            else:
                stack.append(name)
        elif match.group(3):
            entity = match.group(3)
            if not entity.startswith("#") and entity not in _NAMED:
                raise EntityError(f'unsupported entity "{entity}"')
            out.append(html.unescape(token))
        else:
            raise EntityError(f'unescaped "{token}"')
    out.append(text[position:])
    if stack:
        raise EntityError(f'can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)
