"""Rate limits that hold at the server: at most `limit` requests in any `period`, counted generously.

A request counts from the moment it starts until `period` after it completed (an in-flight request
always counts). Since the server sees each request somewhere between its start and its completion,
no window of `period` at the server can then hold more than `limit` of them, whatever the network does.

With `paced`, starts are also spread at least `period / limit` apart: a backlog then goes out evenly
instead of as a burst of `limit` requests at the top of every period (each burst held the event loop
and the database thread, and every message arriving meanwhile waited).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class WindowLimiter:
    def __init__(
        self, limit: int, period: float, clock: Callable[[], float] = time.monotonic, *, paced: bool = False
    ) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._spacing = period / limit if paced else 0.0
        self._last_start = -float("inf")
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()

    def wait_time(self) -> float:
        """Seconds until one more request may start (0 when it may start now)."""
        now = self._clock()
        while self._done and self._done[0] <= now - self.period:
            self._done.popleft()
        wait = max(0.0, self._blocked_until - now, self._last_start + self._spacing - now)
        if self._in_flight + len(self._done) < self.limit:
            return wait
        if self._in_flight >= self.limit or not self._done:
            return max(wait, self.period / 10)  # wait for an in-flight request to finish
        excess = self._in_flight + len(self._done) - self.limit
        return max(wait, self._done[excess] + self.period - now)

    @property
    def idle(self) -> bool:
        return self._in_flight == 0 and self.wait_time() == 0.0

    def block(self, seconds: float) -> None:
        """The server asked us to wait (429 retry_after)."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    async def acquire(self) -> None:
        async with self._lock:
            while (wait := self.wait_time()) > 0:
                await asyncio.sleep(wait)
            self._in_flight += 1
            self._last_start = self._clock()

    def release(self) -> None:
        self._in_flight -= 1
        self._done.append(self._clock())

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()


class ChatLimiters:
    """One limiter per chat, forgotten once idle."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._period = 1.0 / rate
        self._clock = clock
        self._limiters: dict[int, WindowLimiter] = {}

    def get(self, chat_id: int) -> WindowLimiter:
        limiter = self._limiters.get(chat_id)
        if limiter is None:
            if len(self._limiters) > 10_000:
                self._limiters = {k: v for k, v in self._limiters.items() if not v.idle}
            limiter = self._limiters[chat_id] = WindowLimiter(1, self._period, self._clock)
        return limiter
