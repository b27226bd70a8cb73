"""Group commit for "sent" marks: the deliveries that finish together are recorded in one transaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from services.outbox import PendingDelivery

log = logging.getLogger(__name__)
MAX_RETRY_DELAY_S = 5.0


class SentMarks:
    """`await marks.sent(row)` returns once the row is recorded as sent.

    Each delivery waits for its own mark, so a person's next row is never sent before this one is recorded
    (after a crash, at most the message in flight goes again). Marks that arrive while a group is being
    written go together in the next group. A mark is retried until the database takes it: a message Telegram
    accepted must not stay pending, or it would go twice.
    """

    def __init__(self, write: Callable[[Sequence[PendingDelivery]], Awaitable[object]]) -> None:
        self._write = write
        self._queued: list[tuple[PendingDelivery, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.groups = 0

    async def sent(self, row: PendingDelivery) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await asyncio.shield(done)

    async def _write_all(self) -> None:
        while self._queued:
            group, self._queued = self._queued, []
            delay = 0.05
            while True:
                try:
                    await self._write([row for row, _ in group])
                    break
                except Exception:
                    log.warning("deliveries not recorded yet; retrying", extra={"rows": len(group), "delay_s": delay})
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_RETRY_DELAY_S)
            self.groups += 1
            for _, done in group:
                if not done.done():
                    done.set_result(None)
