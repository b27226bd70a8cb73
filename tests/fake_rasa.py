"""A stand-in for a Rasa server on a loopback port: canned /model/parse answers, slow or broken on demand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeRasaState:
    answer: dict[str, Any] = field(
        default_factory=lambda: {
            "intent": {"name": "greet", "confidence": 0.97},
            "intent_ranking": [{"name": "greet", "confidence": 0.97}, {"name": "thank", "confidence": 0.02}],
            "entities": [],
        }
    )
    delay_s: float = 0.0
    status: int = 200
    raw_body: bytes | None = None  # sent as-is instead of the JSON answer
    received: list[str] = field(default_factory=list)


@contextmanager
def fake_rasa() -> Iterator[tuple[str, FakeRasaState]]:
    """Yields (url, state); change the state to make the server slow, failing or odd."""
    state = FakeRasaState()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(200, json.dumps({"model_file": "fake.tar.gz"}).encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            text = json.loads(self.rfile.read(length))["text"]
            state.received.append(text)
            if state.delay_s:
                time.sleep(state.delay_s)
            body = state.raw_body if state.raw_body is not None else json.dumps({"text": text, **state.answer}).encode()
            try:
                self._send(state.status, body)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (timeout): nothing to answer to

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
