"""The APScheduler helper: one interval job that wakes `app.run_due()`, in a thread or in an event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import datetime, timedelta

import pytest

from services.bootstrap import App
from services.scheduler import JOB_ID, run_due_safely, start_asyncio_scheduler, start_background_scheduler
from tests.aftercare_helpers import enrol
from tests.helpers import labels


class Counting:
    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail
        self.done = threading.Event()

    def run_due(self) -> None:
        self.calls += 1
        if self.calls >= 2:
            self.done.set()
        if self.fail:
            raise RuntimeError("database down")


def test_background_scheduler_wakes_run_due_repeatedly() -> None:
    app = Counting()
    scheduler = start_background_scheduler(app, interval_s=0.05)
    try:
        assert app.done.wait(timeout=10)
        [job] = scheduler.get_jobs()
        assert job.id == JOB_ID and job.max_instances == 1 and job.coalesce
    finally:
        scheduler.shutdown(wait=True)
    calls = app.calls
    time.sleep(0.2)
    assert app.calls == calls, "nothing runs after shutdown"


def test_asyncio_scheduler_runs_in_the_event_loop_without_blocking_it() -> None:
    app = Counting()

    async def main() -> int:
        scheduler = start_asyncio_scheduler(app, interval_s=0.05)
        beats = 0
        for _ in range(1000):
            await asyncio.sleep(0.01)  # the loop stays free while run_due runs in a worker thread
            beats += 1
            if app.calls >= 2:
                break
        scheduler.shutdown(wait=False)
        return beats

    beats = asyncio.run(main())
    assert app.calls >= 2 and beats < 1000


def test_a_failing_wake_up_is_logged_and_the_next_one_still_comes(caplog: pytest.LogCaptureFixture) -> None:
    app = Counting(fail=True)
    with caplog.at_level(logging.ERROR):
        run_due_safely(app)
    assert app.calls == 1
    assert any("due work failed" in r.getMessage() for r in caplog.records)
    scheduler = start_background_scheduler(app, interval_s=0.05)
    try:
        assert app.done.wait(timeout=10)
    finally:
        scheduler.shutdown(wait=True)


def test_a_failing_feature_tick_is_logged_and_the_others_still_run(app: App, caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    def broken(now: datetime) -> None:
        ran.append("broken")
        raise RuntimeError("a bug in one feature")

    app.ticks.insert(0, broken)
    app.ticks.append(lambda now: ran.append("last"))
    with caplog.at_level(logging.ERROR):
        app.run_due()
    assert ran == ["broken", "last"]
    assert [r.getMessage() for r in caplog.records] == ["due work failed; the next wake-up retries it"]


def test_the_scheduler_sends_a_due_checkin_without_anyone_writing(app: App) -> None:
    chat = enrol(app, at="08:00")
    clock = app.clock
    clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    scheduler = start_background_scheduler(app, interval_s=0.05)
    delivered: list = []  # type: ignore[type-arg]
    try:
        for _ in range(200):
            app.outbox.drain("test", delivered.append)
            if delivered:
                break
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert [m.recipient for m in delivered] == [chat.user]
    assert labels(delivered) == ["Ổn", "Đang thèm", "Đã dùng lại", "Cần nói chuyện"]


def test_the_console_chat_prints_what_a_wake_up_sent(app: App) -> None:
    from io import StringIO

    from bot.channels.console import ConsoleChat

    out = StringIO()
    chat = ConsoleChat(app, "console-user", out)
    for line in ("/start", "1", "/aftercare join", "1", "1"):  # agree, join, yes, 8:00 sáng
        chat.send(line)
    assert "từ giờ mình sẽ nhắn lúc 8:00 sáng" in out.getvalue()
    app.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    chat.run_due()
    assert out.getvalue().rstrip().endswith("[4] Cần nói chuyện")
