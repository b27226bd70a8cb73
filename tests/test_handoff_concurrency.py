"""Two counsellors accepting at once: exactly one wins each person (PostgreSQL row locks; SQLite's one writer)."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from services.bootstrap import App, build_app
from services.clock import FakeClock
from services.handoff.assign import ClaimResult, claim
from services.handoff.core import Repos
from services.nlu.base import IntentScore, ParseResult
from services.nlu.embedded import EmbeddedNlu
from services.settings import Settings
from services.types import Inbound
from storage.handoff_models import HandoffEvent, HandoffEventKind
from storage.models import HandoffRequest, HandoffStatus
from tests.conftest import START, TEST_KEY, AppFactory, _empty_postgres, make_settings
from tests.handoff_support import CHANNEL, Party


@pytest.fixture
def pg_app(postgres_url: str, tmp_path: Path, nlu: EmbeddedNlu) -> Iterator[App]:
    """An application on the real PostgreSQL only (these tests are about its row locks)."""
    app = build_app(make_settings(tmp_path, postgres_url), clock=FakeClock(START), nlu=nlu)
    _empty_postgres(app)
    yield app
    app.close()


def _waiting(app: App, people: int, counsellors: int) -> Party:
    party = Party(app)
    for n in range(1, counsellors + 1):
        party.counsellor(f"c{n}", f"TV{n}")
    for n in range(1, people + 1):
        party.consent(f"u{n}")
        party.say(f"u{n}", "/counsellor")
    return party


def _accepted_by(app: App) -> Counter[int]:
    with app.uow() as uow:
        events = uow.session.scalars(select(HandoffEvent).where(HandoffEvent.kind == HandoffEventKind.ACCEPTED))
        return Counter(e.request_id for e in events)


@pytest.mark.postgres
def test_two_connections_claim_at_once_on_postgres_exactly_one_wins(pg_app: App) -> None:
    """Connection A holds its claim (not yet committed) while connection B tries: B cannot take the same person."""
    app = pg_app
    _waiting(app, people=1, counsellors=2)
    with app.uow() as first, app.uow() as second:
        a = claim(Repos(first))
        assert a.result is ClaimResult.OK and a.request is not None
        b = claim(Repos(second))  # SKIP LOCKED: the row A holds is not offered to B
        assert b.result is ClaimResult.BUSY and b.request is None
        a.request.status = HandoffStatus.ACTIVE
        first.commit()
        assert claim(Repos(second)).result is ClaimResult.EMPTY
    with app.uow() as late:
        assert claim(Repos(late), a.request.id).result is ClaimResult.TAKEN


@pytest.mark.postgres
def test_a_named_claim_waits_for_the_other_and_then_sees_it_taken(pg_app: App) -> None:
    app = pg_app
    _waiting(app, people=1, counsellors=2)
    outcome: list[ClaimResult] = []
    with app.uow() as first:
        held = claim(Repos(first), 1)
        assert held.result is ClaimResult.OK and held.request is not None

        def second_counsellor() -> None:
            with app.uow() as second:
                outcome.append(claim(Repos(second), 1).result)

        thread = threading.Thread(target=second_counsellor)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second claim waits for the first transaction"
        held.request.status = HandoffStatus.ACTIVE
        first.commit()
    thread.join(timeout=10)
    assert outcome == [ClaimResult.TAKEN]


def test_simultaneous_accepts_through_the_dialogue_give_each_person_one_counsellor(make_app: AppFactory) -> None:
    """Six counsellors press /accept at the same moment for three waiting people (threads, own connections)."""
    app = make_app()
    _waiting(app, people=3, counsellors=6)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def accept(counsellor: str) -> None:
        try:
            barrier.wait(timeout=10)
            app.dialogue.handle(Inbound(CHANNEL, counsellor, f"accept-{counsellor}", START, text="/accept"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=accept, args=(f"c{n}",)) for n in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert _accepted_by(app) == Counter({1: 1, 2: 1, 3: 1})
    with app.uow() as uow:
        requests = list(uow.session.scalars(select(HandoffRequest)))
        assert all(r.status == HandoffStatus.ACTIVE for r in requests)
        assert len({r.counsellor_id for r in requests}) == 3
        pending = uow.inbox.pending_ids()
    assert pending == [], "every /accept was handled (the losers were told, not dropped)"


class _NoNlu:
    """Counsellors' messages never reach the NLU; a child process needs no trained model."""

    def parse(self, text: str) -> ParseResult:
        return ParseResult(text, IntentScore("out_of_scope", 0.0))


def _accept_in_process(url: str, key: str, data_dir: str, counsellor: str, barrier: Any, results: Any) -> None:
    settings = Settings.model_validate(
        {"database_url": url, "encryption_key": SecretStr(key), "data_dir": Path(data_dir)}
    )
    app = build_app(settings, clock=FakeClock(START), nlu=_NoNlu(), migrate=False)
    try:
        barrier.wait(timeout=30)
        app.dialogue.handle(Inbound(CHANNEL, counsellor, f"proc-{counsellor}", START, text="/accept"))
        results.put(counsellor)
    finally:
        app.close()


@pytest.mark.postgres
def test_two_processes_accept_at_once_on_postgres(pg_app: App, postgres_url: str, tmp_path: Path) -> None:
    app = pg_app
    _waiting(app, people=1, counsellors=2)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(
            target=_accept_in_process,
            args=(postgres_url, TEST_KEY, str(tmp_path / "child"), f"c{n}", barrier, results),
        )
        for n in (1, 2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in processes) == ["c1", "c2"]
    assert _accepted_by(app) == Counter({1: 1})
    with app.uow() as uow:
        request = uow.session.get_one(HandoffRequest, 1)
        assert request.status == HandoffStatus.ACTIVE and request.counsellor_id is not None
