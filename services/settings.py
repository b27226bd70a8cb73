"""Application settings, read from the environment (prefix HOTLINE_) and a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Every knob of the hotline; names are part of the operators' contract."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    nlu_backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_ms: int = Field(default=300, ge=10)
    rasa_venv: Path | None = None  # Rasa's own virtualenv; default ~/.cache/hotline/rasa-venv
    encryption_key: SecretStr | None = None
    nlu_confidence_threshold: float = Field(default=0.35, ge=0.0, le=1.0)
    max_message_chars: int = Field(default=4000, ge=100)
    retention_days: int = Field(default=365, ge=1, le=365)  # the privacy notice promises at most 12 months
    log_level: str = "INFO"
    sqlite_busy_timeout_s: float = Field(default=5.0, gt=0)

    def resolved_database_url(self) -> str:
        """Return the configured database URL, or the default SQLite file under the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hotline.sqlite3').as_posix()}"
