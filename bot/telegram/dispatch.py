"""Per-person serial work on a thread pool: one person's messages in order, different people in parallel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor

log = logging.getLogger(__name__)


class PersonQueues:
    """`kick(person)` asks for the person's pending messages to be handled.

    At most one worker runs per person; a kick during a run makes it run once more, so a message
    stored while the person's previous one was being handled is never left behind. The work itself
    (the core's `process_person`) takes the person's pending messages oldest first, under a row lock.
    """

    def __init__(self, work: Callable[[int], object], executor: Executor, after: Callable[[], None]) -> None:
        self._work = work
        self._executor = executor
        self._after = after
        self._running: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()

    def kick(self, person_id: int) -> None:
        if person_id in self._running:
            self._again.add(person_id)
            return
        self._running[person_id] = asyncio.get_running_loop().create_task(self._run(person_id))

    @property
    def busy(self) -> int:
        return len(self._running)

    async def _run(self, person_id: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                self._again.discard(person_id)
                try:
                    await loop.run_in_executor(self._executor, self._work, person_id)
                except Exception:
                    # The message stays pending in the inbox; the scheduler's sweep tries it again.
                    log.exception("turn failed; left pending", extra={"person": person_id})
                self._after()
                if person_id not in self._again:
                    return
        finally:
            self._running.pop(person_id, None)

    async def drain(self) -> None:
        """Wait for every running worker (at shutdown)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)
