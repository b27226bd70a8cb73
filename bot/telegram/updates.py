"""Telegram updates → the core's Inbound (private chats), or a note that a group/channel needs a polite refusal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import Chat, Message, Update

from services.types import Inbound, MessageKind

CHANNEL = "telegram"
# What the bot asks Telegram for; everything else is never delivered.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "channel_post", "my_chat_member")


@dataclass(frozen=True, slots=True)
class Incoming:
    """A private-chat update for the core; `callback_id`/`keyboard_message_id` when a button was pressed."""

    inbound: Inbound
    chat_id: int
    callback_id: str | None = None
    keyboard_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class NotPrivate:
    """Something from a group, supergroup or channel: refused politely, nothing stored."""

    chat_id: int


Converted = Incoming | NotPrivate | None


def convert(update: Update, now: datetime) -> Converted:
    """Map one update; None for what needs no answer (e.g. the bot's own membership changes in a private chat)."""
    if update.callback_query is not None:
        return _callback(update, now)
    if update.channel_post is not None or update.edited_channel_post is not None:
        post = update.channel_post or update.edited_channel_post
        return NotPrivate(post.chat.id) if post is not None else None
    if update.my_chat_member is not None:
        chat = update.my_chat_member.chat
        joined = update.my_chat_member.new_chat_member.status in ("member", "administrator")
        return NotPrivate(chat.id) if chat.type != Chat.PRIVATE and joined else None
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None
    if message.chat.type != Chat.PRIVATE:
        return NotPrivate(message.chat.id) if _addressed_to_bot(message) else None
    edited = update.edited_message is not None
    kind, text = (MessageKind.EDITED, message.text or message.caption or "") if edited else _content(message)
    suffix = f":e{int(message.edit_date.timestamp())}" if edited and message.edit_date else (":e" if edited else "")
    inbound = Inbound(
        channel=CHANNEL,
        user_id=str(message.from_user.id),
        message_id=message_key(message.chat.id, message.message_id) + suffix,
        received_at=now,
        text=text,
        kind=kind,
    )
    return Incoming(inbound, message.chat.id)


def message_key(chat_id: int, message_id: int) -> str:
    """The inbox's id of a message a user sent ("chat:message"); `from_message_key` reads it back (copies)."""
    return f"{chat_id}:{message_id}"


def from_message_key(key: str) -> tuple[int, int]:
    """(chat id, message id) of a key made by `message_key`."""
    chat_id, message_id = key.split(":")
    return int(chat_id), int(message_id)


def _callback(update: Update, now: datetime) -> Converted:
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is not None and message.chat.type != Chat.PRIVATE:
        return NotPrivate(message.chat.id)
    # One press per keyboard: a second press on the same message is a duplicate of the first.
    keyboard_id = message.message_id if message is not None else None
    chat_id = message.chat.id if message is not None else query.from_user.id
    message_id = f"{chat_id}:{keyboard_id}:press" if keyboard_id is not None else f"press:{query.id}"
    inbound = Inbound(
        channel=CHANNEL,
        user_id=str(query.from_user.id),
        message_id=message_id,
        received_at=now,
        payload=query.data or "",
        kind=MessageKind.BUTTON,
    )
    return Incoming(inbound, chat_id, callback_id=query.id, keyboard_message_id=keyboard_id)


def _content(message: Message) -> tuple[MessageKind, str]:
    caption = message.caption or ""
    if message.text is not None:
        return MessageKind.TEXT, message.text
    if message.sticker is not None:
        return MessageKind.STICKER, ""
    if message.photo:
        return MessageKind.PHOTO, caption
    if message.voice is not None or message.audio is not None or message.video_note is not None:
        return MessageKind.VOICE, caption
    if message.video is not None or message.animation is not None:
        return MessageKind.VIDEO, caption
    if message.document is not None:
        return MessageKind.DOCUMENT, caption
    if message.location is not None or message.venue is not None:
        return MessageKind.LOCATION, ""
    if message.contact is not None:
        own = message.from_user is not None and message.contact.user_id == message.from_user.id
        # Only the person's own number, shared on purpose, is kept (never a third person's).
        return MessageKind.CONTACT, message.contact.phone_number if own else ""
    return MessageKind.OTHER, caption


def _addressed_to_bot(message: Message) -> bool:
    """In a group, answer only what was meant for the bot (a command, a mention, a reply to it)."""
    text = message.text or ""
    if text.startswith("/"):
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.is_bot:
        return True
    return any(entity.type == "mention" for entity in message.entities)
