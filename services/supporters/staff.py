"""Staff ways in: a counsellor's `/assign` in a conversation, and the simulator's setup and `do:` steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.clock import Clock
from services.dialogue.turn import Turn
from services.supporters import texts
from services.supporters.accounts import add_supporter
from services.supporters.assignments import assign, find_supporter
from services.supporters.core import SupporterError, Supporters
from services.supporters.repository import SupporterRepository
from storage.handoff_models import Counsellor
from storage.models import HandoffRequest
from storage.uow import UnitOfWork

FORCE = "--force"


def supporter_lines(sp: Supporters, repo: SupporterRepository) -> list[str]:
    load = repo.load()
    return [
        f"{s.id}. {s.name}, {s.org}{', ' + s.commune if s.commune else ''}: {load.get(s.id, 0)}/{sp.capacity_of(s)}"
        for s in repo.all()
        if s.active
    ]


def assign_command(sp: Supporters) -> Callable[[Turn, Counsellor, HandoffRequest, str], None]:
    """`/assign` (the list), `/assign 3 [name they know the person by] [--force]` for the person of the chat."""

    def handler(turn: Turn, counsellor: Counsellor, request: HandoffRequest, args: str) -> None:
        repo = SupporterRepository(turn.uow.session)
        words = args.split()
        force = FORCE in words
        words = [w for w in words if w != FORCE]
        if not words:
            turn.say(texts.assign_usage(supporter_lines(sp, repo)))
            return
        try:
            supporter = find_supporter(repo, words[0].lstrip("#"))
            _assignment, warning = assign(
                sp,
                turn.uow,
                request.person_id,
                supporter,
                turn.now,
                by=f"counsellor:{counsellor.person_id}",
                proposer=counsellor.name or None,
                label=" ".join(words[1:]) or None,
                force=force,
            )
        except SupporterError as exc:
            turn.say(str(exc))
            return
        turn.say(texts.assign_sent_text(supporter) + ("\n" + warning if warning else ""))

    return handler


def scenario_setup(sp: Supporters, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> Callable[[Any], None]:
    """`supporters: [{id, name, org, commune, capacity}]` at the top of a scenario."""

    def setup(value: Any) -> None:
        if not isinstance(value, list):
            raise ValueError("supporters: needs a list of {id, name, org}")
        with uow_factory() as uow:
            for entry in value:
                if not isinstance(entry, dict) or "id" not in entry:
                    raise ValueError("each supporter needs an id")
                add_supporter(
                    uow,
                    "scenario",
                    str(entry["id"]),
                    str(entry.get("name", entry["id"])),
                    str(entry.get("org", "Hội Phụ nữ xã")),
                    str(entry.get("commune", "")),
                    clock.now(),
                    capacity=int(entry["capacity"]) if "capacity" in entry else None,
                    actor="scenario",
                )
            uow.commit()

    return setup


def scenario_assign(sp: Supporters, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> Callable[[str, Any], None]:
    """`{do: supporters.assign, user: u1, supporter: s1, label: "Anh Tuấn", force: false}` (as the CLI does)."""

    def do(channel: str, step: dict[str, Any]) -> None:
        with uow_factory() as uow:
            person = uow.people.find(channel, str(step.get("user", "")))
            repo = SupporterRepository(uow.session)
            supporter = repo.find(channel, str(step.get("supporter", "")))
            if person is None or supporter is None:
                raise ValueError("supporters.assign needs a known user and supporter")
            try:
                assign(
                    sp,
                    uow,
                    person.id,
                    supporter,
                    clock.now(),
                    by="scenario",
                    label=step.get("label"),
                    force=bool(step.get("force", False)),
                )
            except SupporterError as exc:
                raise ValueError(str(exc)) from exc
            uow.commit()

    return do
