"""The Rasa virtualenv: created once from the project's pinned freeze file, re-used while it matches."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

RASA_VERSION = "3.6.21"
REQUIREMENTS_FILE = "rasa-3.6.21-py311-constraints.txt"
MARKER_FILE = ".hotline-rasa.json"
INSTALLING_FILE = ".hotline-rasa-installing"  # written first: an unfinished install of ours may be removed
DEFAULT_VENV = Path("~/.cache/hotline/rasa-venv")
# What a child Rasa process must not inherit from us (our packages, our interpreter).
_DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "__PYVENV_LAUNCHER__")


class RasaEnvError(RuntimeError):
    """The Rasa environment could not be created, or a Rasa command failed; the message says what to do."""


def requirements_path() -> Path:
    """The pip freeze of a working Rasa 3.6.21 environment on Python 3.11, kept in the project."""
    return Path(str(resources.files(__package__).joinpath(REQUIREMENTS_FILE)))


def requirements_digest() -> str:
    return hashlib.sha256(requirements_path().read_bytes()).hexdigest()


def resolve_venv(configured: Path | None) -> Path:
    """HOTLINE_RASA_VENV when set, else ~/.cache/hotline/rasa-venv (outside the clone, so CI can cache it)."""
    return (configured or DEFAULT_VENV).expanduser().absolute()


@dataclass(frozen=True, slots=True)
class RasaEnv:
    """A ready Rasa virtualenv."""

    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def rasa(self) -> Path:
        return self.path / "bin" / "rasa"

    def environ(self) -> dict[str, str]:
        """The environment of a Rasa child process: its venv first, no telemetry, quiet TensorFlow."""
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env["VIRTUAL_ENV"] = str(self.path)
        env["PATH"] = f"{self.path / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["RASA_TELEMETRY_ENABLED"] = "false"  # nothing about this hotline leaves the machine
        env["TF_CPP_MIN_LOG_LEVEL"] = "2"
        env["RASA_MAX_CACHE_SIZE"] = "0"  # no component cache growing in the working directory
        env["PYTHONNOUSERSITE"] = "1"
        return env


def _marker(venv: Path) -> dict[str, str] | None:
    try:
        loaded = json.loads((venv / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def existing_env(venv: Path) -> RasaEnv | None:
    """The environment at `venv` when it was completed from the current freeze file, else None."""
    marker = _marker(venv)
    env = RasaEnv(venv)
    if marker is None or marker.get("requirements") != requirements_digest():
        return None
    if not env.rasa.exists() or not env.python.exists():
        return None
    return env


@contextmanager
def _locked(venv: Path) -> Iterator[None]:
    """One setup at a time per venv location (a test run and a CLI call may race)."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / f".{venv.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_logged(command: list[str], log_file: Path, env: dict[str, str] | None = None) -> None:
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        try:
            result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)  # noqa: S603
        except OSError as exc:
            raise RasaEnvError(f"`{command[0]}` failed to start: {exc.strerror}") from exc
    if result.returncode != 0:
        raise RasaEnvError(
            f"`{' '.join(command[:4])} …` failed with exit code {result.returncode}; "
            f"the last lines of {log_file}:\n{tail(log_file)}"
        )


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def ensure_env(venv: Path, *, python: str | None = None, force: bool = False) -> tuple[RasaEnv, bool]:
    """Return the Rasa environment at `venv`, creating it when missing or stale. The bool says it was created.

    The recipe of ../shared/rasa/README.md: a new virtualenv, then
    `pip install --no-deps --ignore-requires-python -r rasa-3.6.21-py311-constraints.txt`.
    """
    with _locked(venv):
        ready = None if force else existing_env(venv)
        if ready is not None:
            return ready, False
        if venv.exists():
            if not _ours(venv):
                raise RasaEnvError(
                    f"{venv} exists and was not made by `hotline rasa setup`: remove it or choose another --venv"
                )
            shutil.rmtree(venv)
        log_file = venv.parent / f"{venv.name}.install.log"
        log_file.write_text("", encoding="utf-8")
        venv.mkdir(parents=True)
        (venv / INSTALLING_FILE).write_text("", encoding="utf-8")
        _run_logged([python or sys.executable, "-m", "venv", str(venv)], log_file)
        env = RasaEnv(venv)
        _run_logged(
            [
                str(env.python),
                "-m",
                "pip",
                "install",
                "--no-deps",
                "--ignore-requires-python",
                "-r",
                str(requirements_path()),
            ],
            log_file,
            env.environ(),
        )
        version = rasa_version(env)
        if not version.startswith(RASA_VERSION):
            raise RasaEnvError(f"expected Rasa {RASA_VERSION} in {venv}, found {version!r}")
        marker = {"requirements": requirements_digest(), "rasa": version}
        (venv / MARKER_FILE).write_text(json.dumps(marker), encoding="utf-8")
        (venv / INSTALLING_FILE).unlink()
        return env, True


def _ours(venv: Path) -> bool:
    """Whether a folder is a (finished, stale or unfinished) Rasa environment made by this code, or empty."""
    return (venv / MARKER_FILE).exists() or (venv / INSTALLING_FILE).exists() or not any(venv.iterdir())


def rasa_version(env: RasaEnv) -> str:
    """The installed Rasa version, asked of the environment's own interpreter (Rasa is never imported here)."""
    result = subprocess.run(  # noqa: S603
        [str(env.python), "-c", "import importlib.metadata as m; print(m.version('rasa'))"],
        capture_output=True,
        text=True,
        env=env.environ(),
        check=False,
    )
    if result.returncode != 0:
        raise RasaEnvError(f"Rasa is not importable in {env.path}: {result.stderr.strip()[-500:]}")
    return result.stdout.strip()


def require_env(venv: Path) -> RasaEnv:
    env = existing_env(venv)
    if env is None:
        raise RasaEnvError(f"no Rasa environment at {venv}: run `hotline rasa setup` first")
    return env
