"""Encryption of sensitive columns at rest (Fernet) and keyed blind indexes for lookups."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

DEV_KEY_FILE = "encryption.key"


class Cipher:
    """Encrypts and decrypts text; the first key encrypts, every key decrypts (rotation)."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self._index_key = hashlib.sha256(b"hotline-blind-index:" + keys[0]).digest()

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("a stored value cannot be decrypted with the configured keys") from exc

    def blind_index(self, value: str) -> str:
        """Return a keyed hash that finds a row by an encrypted value without revealing it."""
        return hmac.new(self._index_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_keys(raw: str) -> list[bytes]:
    """Split a comma-separated list of Fernet keys, newest first."""
    keys = [part.strip().encode("ascii") for part in raw.split(",") if part.strip()]
    for key in keys:
        Fernet(key)  # raises ValueError on a malformed key
    return keys


def load_or_create_dev_key(data_dir: Path) -> bytes:
    """Read the development key under data_dir, creating it (mode 0600) when missing."""
    path = data_dir / DEV_KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    log.warning(
        "no HOTLINE_ENCRYPTION_KEY set: generated a development key file; "
        "set HOTLINE_ENCRYPTION_KEY in production and keep it with your backups",
        extra={"key_file": str(path)},
    )
    return key


class _CipherHolder:
    cipher: Cipher | None = None


_holder = _CipherHolder()


def install_cipher(cipher: Cipher) -> None:
    """Make this cipher the one the encrypted column type uses (called once by the bootstrap)."""
    _holder.cipher = cipher


def active_cipher() -> Cipher:
    if _holder.cipher is None:
        raise RuntimeError("no cipher installed: build the application through services.bootstrap")
    return _holder.cipher


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; Python sees plain text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_cipher().encrypt(value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return active_cipher().decrypt(str(value))
