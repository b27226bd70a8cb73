"""The channel's batching parts on their own: per-person batches of turns, and grouped "sent" marks."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from bot.telegram.dispatch import PersonQueues
from bot.telegram.marks import SentMarks
from services.outbox import PendingDelivery


def test_people_kicked_while_the_worker_is_busy_go_together_and_nobody_runs_twice() -> None:
    release = threading.Event()
    batches: list[list[int]] = []

    def work(people: Sequence[int]) -> int:
        batches.append(list(people))
        if len(batches) == 1:
            release.wait(5)
        return len(people)

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as executor:
            queues = PersonQueues(work, executor, lambda: None, workers=1, batch=3)
            queues.kick(1)
            await asyncio.sleep(0.05)
            for person in (2, 3, 1, 4, 5, 2):  # 1 is running: it goes again after; 2 is asked twice
                queues.kick(person)
            release.set()
            await queues.drain()

    asyncio.run(scenario())
    assert batches[0] == [1]
    assert batches[1] == [2, 3, 4], "at most three people per batch, in the order they were kicked"
    assert sorted(p for b in batches[2:] for p in b) == [1, 5]
    for batch in batches:
        assert len(batch) == len(set(batch))


def test_several_workers_never_share_a_person() -> None:
    running: set[int] = set()
    clashes: list[int] = []
    lock = threading.Lock()

    def work(people: Sequence[int]) -> int:
        with lock:
            clashes.extend(p for p in people if p in running)
            running.update(people)
        threading.Event().wait(0.01)
        with lock:
            running.difference_update(people)
        return len(people)

    async def scenario() -> None:
        with ThreadPoolExecutor(4) as executor:
            queues = PersonQueues(work, executor, lambda: None, workers=4, batch=2)
            for round_ in range(20):
                for person in range(6):
                    queues.kick(person)
                if round_ % 3 == 0:
                    await asyncio.sleep(0.005)
            await queues.drain()

    asyncio.run(scenario())
    assert clashes == []


def test_a_failed_batch_does_not_stop_the_queue() -> None:
    seen: list[list[int]] = []

    def work(people: Sequence[int]) -> int:
        seen.append(list(people))
        if len(seen) == 1:
            raise RuntimeError("database away")
        return len(people)

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as executor:
            queues = PersonQueues(work, executor, lambda: None)
            queues.kick(1)
            await queues.drain()
            queues.kick(1)
            await queues.drain()

    asyncio.run(scenario())
    assert seen == [[1], [1]]


def _row(n: int) -> PendingDelivery:
    return PendingDelivery(n, n, str(n), "text", (), 0, 0, False)


def test_marks_arriving_together_are_written_in_one_group_and_retried_until_taken() -> None:
    writes: list[list[int]] = []
    failures = [1]

    async def write(rows: Sequence[PendingDelivery]) -> None:
        await asyncio.sleep(0.01)
        if failures:
            failures.pop()
            raise RuntimeError("database is locked")
        writes.append([r.id for r in rows])

    async def scenario() -> SentMarks:
        marks = SentMarks(write)
        await asyncio.gather(*(marks.sent(_row(n)) for n in range(5)))
        await marks.sent(_row(9))
        return marks

    marks = asyncio.run(scenario())
    assert writes == [[0, 1, 2, 3, 4], [9]], "every mark recorded once; a failed write is retried whole"
    assert marks.groups == 2
