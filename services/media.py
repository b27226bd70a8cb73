"""Media passed on in a relay: a photo, voice note, video, file, sticker, location or contact goes to the other side
as a copy when both are on a channel that can copy a message it received (Telegram's copyMessage, which shows
no "forwarded from"). Otherwise the other side is told what was sent, and the sender is asked to write it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.dialogue.turn import Turn
from services.types import MessageKind

# extensions[COPIES_MEDIA]: the names of the channels that can copy a message they received (set by the channel)
COPIES_MEDIA = "channel.copies_media"
COPYABLE = frozenset(
    {
        MessageKind.PHOTO,
        MessageKind.VOICE,
        MessageKind.VIDEO,
        MessageKind.DOCUMENT,
        MessageKind.STICKER,
        MessageKind.LOCATION,
        MessageKind.CONTACT,
    }
)


def allow_copies(extensions: dict[str, Any], channel: str) -> None:
    """Called by a channel that delivers an outbox row's `copy_of` as a copy of that message."""
    extensions.setdefault(COPIES_MEDIA, set()).add(channel)


def copy_for(turn: Turn, recipient_channel: str, extensions: Mapping[str, Any]) -> str | None:
    """The channel message to copy to a recipient on `recipient_channel`, or None when it cannot go as it is."""
    if turn.kind not in COPYABLE or not turn.message_id or recipient_channel != turn.person.channel:
        return None
    return turn.message_id if recipient_channel in extensions.get(COPIES_MEDIA, ()) else None
