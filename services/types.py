"""Channel-agnostic message types that flow between the channels and the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class MessageKind(StrEnum):
    """What a channel received; anything but text and button presses gets a kind explanation."""

    TEXT = "text"
    BUTTON = "button"
    STICKER = "sticker"
    PHOTO = "photo"
    VOICE = "voice"
    VIDEO = "video"
    DOCUMENT = "document"
    LOCATION = "location"
    CONTACT = "contact"  # text: the sender's own phone number when they shared it, else empty
    EDITED = "edited"  # a message changed after it was sent; text: its new text
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a person, as a channel saw it."""

    channel: str
    user_id: str
    message_id: str
    received_at: datetime
    text: str = ""
    payload: str | None = None
    kind: MessageKind = MessageKind.TEXT


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered to the person: a label to show and a payload the core understands."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to send."""

    channel: str
    recipient: str
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
