"""The console channel: an interactive chat on a terminal, or one message a line from piped stdin."""

from __future__ import annotations

import sys
import threading
import uuid
from typing import TextIO

from bot.channels.render import render, resolve_button
from services.bootstrap import App
from services.scheduler import start_background_scheduler
from services.types import Button, Inbound, MessageKind, Outbound

CHANNEL = "console"


class ConsoleChat:
    """Sends each line to the core and prints the replies the outbox delivers for this channel."""

    def __init__(self, app: App, user_id: str, out: TextIO) -> None:
        self._app = app
        self._user_id = user_id
        self._out = out
        self._run = uuid.uuid4().hex[:12]
        self._count = 0
        self._buttons: tuple[Button, ...] = ()
        self._lock = threading.Lock()  # the scheduler's wake-ups and the typed lines take turns

    def run_due(self) -> None:
        """Due work (check-ins, reminders), then print what it sent to this console."""
        with self._lock:
            self._app.run_due()
            self._app.outbox.drain(CHANNEL, self._show)

    def send(self, line: str) -> None:
        with self._lock:
            self._send(line)

    def _send(self, line: str) -> None:
        self._count += 1
        button = resolve_button(line, self._buttons)
        inbound = Inbound(
            channel=CHANNEL,
            user_id=self._user_id,
            message_id=f"{self._run}:{self._count}",
            received_at=self._app.clock.now(),
            text="" if button else line,
            payload=button.payload if button else None,
            kind=MessageKind.BUTTON if button else MessageKind.TEXT,
        )
        for direct in self._app.dialogue.handle(inbound):
            self._show(direct)
        self._app.outbox.drain(CHANNEL, self._show)

    def _show(self, message: Outbound) -> None:
        if message.recipient == self._user_id:
            if message.buttons:
                self._buttons = message.buttons
            print(render(message), file=self._out)
        else:
            print(f"[→ {message.recipient}] {render(message)}", file=self._out)
        print(file=self._out, flush=True)


def run_console(app: App, user_id: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    chat = ConsoleChat(app, user_id, out)
    interactive = stdin.isatty()
    # Interactive: scheduled messages (after-care check-ins) arrive on their own. Piped: none, so the
    # output depends only on the input.
    scheduler = start_background_scheduler(chat) if interactive else None
    if interactive:
        print("Gõ tin nhắn rồi nhấn Enter; Ctrl+D để thoát.\n", file=out, flush=True)
    try:
        while True:
            if interactive:
                print("> ", end="", file=out, flush=True)
            line = stdin.readline()
            if not line:
                return 0
            chat.send(line.rstrip("\n"))
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
