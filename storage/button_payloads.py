"""Button payloads too long for a channel's limit (Telegram: 64 bytes), kept under a short key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.crypto import EncryptedText, active_cipher
from storage.models import Base, UtcDateTime

KEY_PREFIX = "#"
KEY_CHARS = 22


class ButtonPayload(Base):
    """A long payload and its short key (a keyed hash, so the same payload always gets the same key)."""

    __tablename__ = "button_payloads"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def key_for(payload: str) -> str:
    return KEY_PREFIX + active_cipher().blind_index("button:" + payload)[:KEY_CHARS]


def shorten(session: Session, payload: str, now: datetime) -> str:
    """Store the payload (once) and return its short key; flushes, the caller commits."""
    key = key_for(payload)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(ButtonPayload)
        .values(key=key, payload=payload, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return key


def resolve(session: Session, key: str) -> str | None:
    """The payload stored under a short key, or None (unknown or erased: the press is then stale)."""
    return session.scalars(select(ButtonPayload.payload).where(ButtonPayload.key == key)).one_or_none()
