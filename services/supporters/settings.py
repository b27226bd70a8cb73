"""Supporters' knobs (environment, prefix HOTLINE_SUPPORTERS_; a .env file is read too)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SupporterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_SUPPORTERS_", env_file=".env", extra="ignore")

    capacity: int = Field(default=2, ge=1, le=20)  # people per supporter (the plans' 1–2); --force goes beyond
    remind_after_hours: float = Field(default=24.0, gt=0)  # an unacknowledged alert: remind the supporter
    forward_after_hours: float = Field(default=48.0, gt=0)  # still unacknowledged: the counsellors' queue
    summary_weekday: str = "mon"  # the weekly summary's day (mon..sun) in Asia/Ho_Chi_Minh
    summary_hour: int = Field(default=9, ge=0, le=23)  # … and hour
    summary_catchup_hours: float = Field(default=12.0, gt=0)  # after downtime, a summary later than this waits
    invite_valid_hours: int = Field(default=72, ge=1)
    max_message_chars: int = Field(default=1000, ge=50)  # a supporter's message to a person

    @field_validator("summary_weekday")
    @classmethod
    def _weekday(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ValueError(f"use one of {', '.join(WEEKDAYS)}")
        return day

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.summary_weekday)

    @property
    def remind_after(self) -> timedelta:
        return timedelta(hours=self.remind_after_hours)

    @property
    def forward_after(self) -> timedelta:
        return timedelta(hours=self.forward_after_hours)
