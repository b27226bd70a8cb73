"""What every part of after-care shares: the plans, the knobs, the timetable, the texts and the event bus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.aftercare.content import CheckinContent, default_content
from services.aftercare.plan import AftercareConfig, load_config
from services.aftercare.settings import AftercareSettings
from services.aftercare.timetable import Timetable
from services.events import Events


@dataclass(frozen=True, slots=True)
class AftercareContext:
    config: AftercareConfig
    settings: AftercareSettings
    timetable: Timetable
    content: CheckinContent
    events: Events

    @property
    def max_age(self) -> timedelta:
        return timedelta(hours=self.settings.catchup_max_age_hours)


def build_context(events: Events, settings: AftercareSettings | None = None) -> AftercareContext:
    settings = settings or AftercareSettings()
    config = load_config(settings.plans_file)
    shortest = min(plan.min_interval for plan in config.plans.values())
    if timedelta(hours=settings.catchup_max_age_hours) >= shortest:
        raise ValueError("HOTLINE_AFTERCARE_CATCHUP_MAX_AGE_HOURS must be shorter than the shortest plan interval")
    timetable = Timetable(config, timedelta(minutes=settings.jitter_minutes))
    return AftercareContext(config, settings, timetable, default_content(), events)
