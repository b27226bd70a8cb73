"""The check-in texts and coping tips from the content files, and which variant a person gets when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

CHECKINS_FILE = "checkins.yml"
TIPS_FILE = "coping_tips.yml"


@dataclass(frozen=True, slots=True)
class CheckinContent:
    reviewed: date
    checkin: tuple[str, ...]
    first: str
    welcome_back: str
    last: str
    followup: tuple[str, ...]
    ok_replies: tuple[str, ...]
    relapse_replies: tuple[str, ...]
    milestones: dict[int, str]
    tips: tuple[str, ...]

    def checkin_text(self, seq: int, salt: int, day: int) -> str:
        """A different text from the previous check-in (the variant turns with the slot number)."""
        return pick(self.checkin, seq + salt).format(day=day)

    def milestone(self, days: int) -> str | None:
        return self.milestones.get(days)


def pick(variants: tuple[str, ...], turn: int) -> str:
    return variants[turn % len(variants)]


def content_dir() -> Path:
    return Path(str(resources.files("services.aftercare").joinpath("content")))


def _texts(doc: dict[str, Any], key: str) -> tuple[str, ...]:
    items = tuple(str(item).strip() for item in doc.get(key) or [])
    if not items or any(not item for item in items):
        raise ValueError(f"{key}: needs a list of non-empty texts")
    return items


def load_content(folder: Path | None = None) -> CheckinContent:
    folder = folder or content_dir()
    doc = yaml.safe_load((folder / CHECKINS_FILE).read_text(encoding="utf-8"))
    tips = yaml.safe_load((folder / TIPS_FILE).read_text(encoding="utf-8"))
    reviewed = doc["reviewed"]
    return CheckinContent(
        reviewed=reviewed if isinstance(reviewed, date) else date.fromisoformat(str(reviewed)),
        checkin=_texts(doc, "checkin"),
        first=str(doc["first"]).strip(),
        welcome_back=str(doc["welcome_back"]).strip(),
        last=str(doc["last"]).strip(),
        followup=_texts(doc, "followup"),
        ok_replies=_texts(doc, "ok_replies"),
        relapse_replies=_texts(doc, "relapse_replies"),
        milestones={int(days): str(text).strip() for days, text in (doc.get("milestones") or {}).items()},
        tips=_texts(tips, "tips"),
    )


@cache
def default_content() -> CheckinContent:
    return load_content()
