"""Where a person is: the province and commune of the latest registration sent from their chat.

Registrations are the only rows that store a place (after-care enrolments, handoff requests, crisis events
and messages do not). The commune (ward) is encrypted and erased by /delete and 12 months after a closed
registration; the province stays. A place filter therefore counts people who registered in that place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.directory.places import Place, resolve_commune, resolve_province
from storage.registration_models import Registration


@dataclass(frozen=True, slots=True)
class PlaceFilter:
    province: Place | None = None
    commune: Place | None = None

    @property
    def active(self) -> bool:
        return self.province is not None

    @property
    def label(self) -> str:
        if self.province is None:
            return "all provinces"
        return f"{self.commune.name}, {self.province.name}" if self.commune else self.province.name


def place_filter(province: str | None, commune: str | None) -> PlaceFilter:
    """Official names typed any way (with or without diacritics); PlaceError says what to write instead."""
    if province is None:
        if commune is not None:
            raise ValueError("--commune needs --province")
        return PlaceFilter()
    found = resolve_province(province)
    return PlaceFilter(found, resolve_commune(found, commune) if commune is not None else None)


@dataclass(frozen=True, slots=True)
class RegisteredPlace:
    province: str
    commune_code: int | None
    commune_name: str | None  # None: not given, or erased


def ward_of(value: str | None) -> tuple[int | None, str | None]:
    if not value:
        return None, None
    try:
        data = json.loads(value)
        return int(data["code"]), str(data["name"])
    except (ValueError, KeyError, TypeError):
        return None, None


def matches(place: RegisteredPlace | None, where: PlaceFilter) -> bool:
    if not where.active:
        return True
    if place is None or where.province is None or place.province != where.province.name:
        return False
    return where.commune is None or place.commune_code == where.commune.code


def person_places(session: Session, before: datetime) -> dict[int, RegisteredPlace]:
    """person id → the place of their latest registration sent before `before`."""
    places: dict[int, RegisteredPlace] = {}
    rows = session.execute(
        select(Registration.person_id, Registration.province, Registration.ward)
        .where(Registration.created_at < before)
        .order_by(Registration.created_at, Registration.id)
    )
    for person_id, province, ward in rows:
        code, name = ward_of(ward)
        places[int(person_id)] = RegisteredPlace(province, code, name)
    return places


def people_in(session: Session, where: PlaceFilter, before: datetime) -> set[int] | None:
    """The people a place filter keeps (None: no filter, everyone)."""
    if not where.active:
        return None
    return {person for person, place in person_places(session, before).items() if matches(place, where)}


def kept(person_id: int, people: set[int] | None) -> bool:
    return people is None or person_id in people
