"""`rasa run --enable-api` as a child process on a loopback port, ready once GET /status answers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

from services.nlu.rasa_env.environment import RasaEnv, RasaEnvError, tail

LOOPBACK = "127.0.0.1"
STOP_GRACE_S = 15.0


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def server_ready(url: str, timeout_s: float = 2.0) -> bool:
    """True when a Rasa server at `url` answers /status with a loaded model."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/status", timeout=timeout_s)
        return response.status_code == 200 and bool(response.json().get("model_file"))
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


class RasaServer:
    """One `rasa run` process serving one model; a context manager that stops it on exit."""

    def __init__(self, env: RasaEnv, model: Path, *, port: int, host: str = LOOPBACK, log_file: Path) -> None:
        self.env = env
        self.model = model.absolute()  # Rasa runs in the log's folder
        self.host = host
        self.port = port
        self.log_file = log_file.absolute()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        return [
            str(self.env.rasa),
            "run",
            "--enable-api",
            "-m",
            str(self.model),
            "-p",
            str(self.port),
            "-i",
            self.host,
        ]

    def start(self, wait_s: float = 180.0) -> str:
        """Start the server and wait until it answers; raises RasaEnvError with the log's tail otherwise."""
        if not self.model.exists():
            raise RasaEnvError(f"no Rasa model at {self.model}: run `hotline rasa train` first")
        if not port_free(self.host, self.port):
            # Another server's /status would pass for ours.
            raise RasaEnvError(f"{self.host}:{self.port} is already in use: stop that server or choose --port")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("w", encoding="utf-8") as log:
            try:
                # cwd: the log's folder, so Rasa finds no stray endpoints/credentials files of ours.
                self._process = subprocess.Popen(  # noqa: S603
                    self.command(),
                    cwd=self.log_file.parent,
                    env=self.env.environ(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # its own process group: stop() ends Rasa and any worker it forks
                )
            except OSError as exc:
                raise RasaEnvError(f"{self.env.rasa} failed to start: {exc.strerror}") from exc
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RasaEnvError(
                    f"`rasa run` exited with code {code}; the last lines of {self.log_file}:\n{tail(self.log_file)}"
                )
            if server_ready(self.url):
                return self.url
            time.sleep(0.5)
        self.stop()
        raise RasaEnvError(f"the Rasa server did not answer within {wait_s:.0f} s; see {self.log_file}")

    def wait(self) -> int:
        """Block until the server exits (the `hotline rasa serve` foreground)."""
        if self._process is None:
            return 0
        return self._process.wait()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=STOP_GRACE_S)

    def __enter__(self) -> RasaServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the server's own process group (created by start_new_session), i.e. only what we started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
