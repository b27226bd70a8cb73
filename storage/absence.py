"""What a batch's people are not: read once per batch instead of once per turn.

Every turn asks a few questions whose answer is almost always "no": is this person a counsellor, a supporter,
in an open conversation? A batch of turns asks them for all its people at once, in the query that reads their
dialogue states once they are locked (not in the locking statement: a statement that waited for a row lock on
PostgreSQL sees that row anew but every other table as it was when it began), and each turn's look-up then
answers "no" from memory. The facts are trusted only while this session has not touched a row of
the probed model: as soon as it loads or adds one (a counsellor's turn, a request queued, an invitation
redeemed), that model's facts are forgotten and the look-ups query again, so a turn always sees what the
earlier turns of its batch wrote. The probed tables must therefore be written through the ORM in turns (a Core
UPDATE that changes a probed column would go unseen); their facts also end with the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Label, event, exists
from sqlalchemy.orm import Session, SessionTransaction

from storage.models import Person

FACTS_KEY = "absent_people"  # in Session.info: probe name → (model, person ids known to have no matching row)


@dataclass(frozen=True)
class AbsenceProbe:
    """People with no row of `model` (matching `criteria`) for them, e.g. no counsellor account."""

    name: str
    model: Any  # a mapped class with a `person_id` column
    criteria: tuple[ColumnElement[bool], ...] = ()

    def knows_absent(self, session: Session, person_id: int) -> bool:
        """True when the batch's probe found no such row for the person and nothing since could have added one."""
        facts = session.info.get(FACTS_KEY)
        if not facts or self.name not in facts:
            return False
        return person_id in facts[self.name][1]


def trusted_probes(session: Session, probes: Sequence[AbsenceProbe]) -> list[AbsenceProbe]:
    """The probes whose facts could hold: none of their rows is already held by the session (it could change)."""
    held = {type(obj) for obj in session.identity_map.values()} | {type(obj) for obj in session.new}
    return [probe for probe in probes if probe.model not in held]


def presence_columns(probes: Sequence[AbsenceProbe]) -> list[Label[bool]]:
    """One column per probe for a query of people: true when the person has such a row."""
    return [
        exists().where(probe.model.person_id == Person.id, *probe.criteria).label(f"has_{index}")
        for index, probe in enumerate(probes)
    ]


def remember_absences(session: Session, probes: Sequence[AbsenceProbe], present: dict[int, Sequence[bool]]) -> None:
    """Keep, per probe, the people whose `presence_columns` came back false."""
    facts = session.info.setdefault(FACTS_KEY, {})
    for index, probe in enumerate(probes):
        facts[probe.name] = (probe.model, {person_id for person_id, flags in present.items() if not flags[index]})


def _forget_model(session: Session, model: type) -> None:
    facts = session.info.get(FACTS_KEY)
    if facts:
        for name in [name for name, (probed, _ids) in facts.items() if probed is model]:
            del facts[name]


@event.listens_for(Session, "transient_to_pending")
def _on_added(session: Session, instance: object) -> None:
    _forget_model(session, type(instance))


@event.listens_for(Session, "loaded_as_persistent")
def _on_loaded(session: Session, instance: object) -> None:
    _forget_model(session, type(instance))


@event.listens_for(Session, "after_transaction_end")
def _on_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction itself, not a flush's inner one or a savepoint
        session.info.pop(FACTS_KEY, None)
