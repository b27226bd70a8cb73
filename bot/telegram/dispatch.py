"""Per-person serial work on the database threads, in batches: one person's messages in order, different people
in parallel (PostgreSQL) or together in one group transaction (any database)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

log = logging.getLogger(__name__)


class PersonQueues:
    """`kick(person)` asks for the person's pending messages to be handled.

    A person is in at most one running batch; a kick while their batch runs makes them go again afterwards, so
    a message stored meanwhile is never left behind. Up to `workers` batches run at once; people kicked while
    every worker is busy wait together and go as one batch of at most `batch` people when a worker is free. So a
    quiet bot handles each message at once on its own, and a busy one groups many turns in one transaction.
    The work itself (the core's `process_people`) takes the people's pending messages oldest first, under row
    locks, and returns how many it handled.
    """

    def __init__(
        self,
        work: Callable[[Sequence[int]], int],
        executor: Executor,
        after: Callable[[], None],
        *,
        workers: int = 1,
        batch: int = 64,
    ) -> None:
        self._work = work
        self._executor = executor
        self._after = after
        self._workers = workers
        self._batch = batch
        self._waiting: dict[int, None] = {}  # in kick order
        self._running: set[int] = set()
        self._again: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def kick(self, person_id: int) -> None:
        if person_id in self._running:
            self._again.add(person_id)
            return
        self._waiting[person_id] = None
        self._start()

    @property
    def busy(self) -> int:
        return len(self._running) + len(self._waiting)

    def _start(self) -> None:
        while self._waiting and len(self._tasks) < self._workers:
            people = list(self._waiting)[: self._batch]
            for person_id in people:
                del self._waiting[person_id]
            self._running.update(people)
            task = asyncio.get_running_loop().create_task(self._run(people))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, people: list[int]) -> None:
        loop = asyncio.get_running_loop()
        try:
            try:
                await loop.run_in_executor(self._executor, self._work, people)
            except Exception:
                # The messages stay pending in the inbox; the scheduler's sweep kicks these people again.
                log.exception("turns failed; left pending", extra={"people": len(people)})
            self._after()
        finally:
            current = asyncio.current_task()
            if current is not None:
                self._tasks.discard(current)  # this worker is free for the people waiting
            self._running.difference_update(people)
            for person_id in people:
                if person_id in self._again:
                    self._again.discard(person_id)
                    self._waiting[person_id] = None
            self._start()

    async def drain(self) -> None:
        """Wait until every kicked person has been handled (at shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
