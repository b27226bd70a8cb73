"""After-care knobs (environment, prefix HOTLINE_AFTERCARE_; a .env file is read too)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AftercareSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_AFTERCARE_", env_file=".env", extra="ignore")

    plans_file: Path | None = None  # default: services/aftercare/plans.yml
    max_per_tick: int = Field(default=400, ge=1)  # check-in rows handled per scheduler tick (spreads big cohorts)
    jitter_minutes: int = Field(default=10, ge=0)  # each check-in goes 0..N minutes after the chosen time
    catchup_max_age_hours: float = Field(default=12.0, gt=0)  # older due check-ins are skipped, not sent
    craving_alert_level: int = Field(default=7, ge=0, le=10)  # a craving at or above it alerts the counsellors
