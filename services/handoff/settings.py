"""The handoff's knobs (environment, prefix HOTLINE_HANDOFF_, or .env): capacity and every timeout."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HandoffSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_HANDOFF_", env_file=".env", extra="ignore")

    capacity: int = Field(default=3, ge=1, le=20)  # concurrent conversations of a new counsellor
    renotify_after_s: int = Field(default=300, ge=10)  # nobody accepted: re-notify, tell the person again
    crisis_renotify_after_s: int = Field(default=60, ge=10)
    supervisors_after_s: int = Field(default=900, ge=30)  # still nobody: notify supervisors
    counsellor_reminder_after_s: int = Field(default=600, ge=30)  # the person waits for a reply: remind
    requeue_after_reminder_s: int = Field(default=300, ge=30)  # still no reply: back to the front of the queue
    person_silent_after_s: int = Field(default=1800, ge=60)  # the counsellor may close as unreachable
    crisis_reply_within_s: int = Field(default=60, ge=10)  # else the bot gives the person the crisis steps
    invite_valid_hours: int = Field(default=72, ge=1)
    default_handle_minutes: int = Field(default=20, ge=1)  # for estimates before there is any history
    position_update_every_s: int = Field(default=180, ge=0)  # at most one queue update per this interval

    @property
    def renotify_after(self) -> timedelta:
        return timedelta(seconds=self.renotify_after_s)

    @property
    def crisis_renotify_after(self) -> timedelta:
        return timedelta(seconds=self.crisis_renotify_after_s)

    @property
    def supervisors_after(self) -> timedelta:
        return timedelta(seconds=self.supervisors_after_s)

    @property
    def counsellor_reminder_after(self) -> timedelta:
        return timedelta(seconds=self.counsellor_reminder_after_s)

    @property
    def requeue_after_reminder(self) -> timedelta:
        return timedelta(seconds=self.requeue_after_reminder_s)

    @property
    def person_silent_after(self) -> timedelta:
        return timedelta(seconds=self.person_silent_after_s)

    @property
    def crisis_reply_within(self) -> timedelta:
        return timedelta(seconds=self.crisis_reply_within_s)
