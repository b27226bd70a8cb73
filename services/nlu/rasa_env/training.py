"""`rasa train nlu` on nlu_data/, the model cached by the hash of the data, the config and the Rasa version."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from services.nlu.data import fingerprint
from services.nlu.rasa_env.environment import RASA_VERSION, RasaEnv, RasaEnvError, tail

MODEL_PREFIX = "nlu-"
MODEL_SUFFIX = ".tar.gz"


@dataclass(frozen=True, slots=True)
class RasaData:
    """The files Rasa trains from: nlu_data/nlu (examples), nlu_data/config.yml, nlu_data/domain.yml."""

    nlu: Path
    config: Path
    domain: Path

    @classmethod
    def default(cls) -> RasaData:
        root = Path(str(resources.files("nlu_data")))
        return cls(root / "nlu", root / "config.yml", root / "domain.yml")


@dataclass(frozen=True, slots=True)
class TrainedModel:
    path: Path
    trained: bool  # False when the cached model of the same data was re-used
    seconds: float


def effective_config(config: Path, epochs: int | None) -> str:
    """The config text Rasa gets: the file as it is, or with DIETClassifier's epochs overridden."""
    text = config.read_text(encoding="utf-8")
    if epochs is None:
        return text
    document: dict[str, Any] = yaml.safe_load(text)
    components = [c for c in document.get("pipeline", []) if c.get("name") == "DIETClassifier"]
    if not components:
        raise RasaEnvError(f"{config} has no DIETClassifier whose epochs could be set")
    for component in components:
        component["epochs"] = epochs
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def model_key(data: RasaData, config_text: str) -> str:
    return fingerprint([data.nlu, data.domain], f"rasa-{RASA_VERSION}\n{config_text}")


def model_path(models_dir: Path, key: str) -> Path:
    return models_dir / f"{MODEL_PREFIX}{key}{MODEL_SUFFIX}"


def cached_model(models_dir: Path, data: RasaData | None = None, epochs: int | None = None) -> Path | None:
    """The trained model of the current data and config, when it exists."""
    data = data or RasaData.default()
    path = model_path(models_dir, model_key(data, effective_config(data.config, epochs)))
    return path if path.exists() else None


def train(
    env: RasaEnv,
    models_dir: Path,
    *,
    data: RasaData | None = None,
    epochs: int | None = None,
    force: bool = False,
) -> TrainedModel:
    """Train (or re-use) the Rasa NLU model of nlu_data/; the model file name carries the data hash."""
    data = data or RasaData.default()
    config_text = effective_config(data.config, epochs)
    key = model_key(data, config_text)
    models_dir = models_dir.absolute()  # Rasa runs in a working folder of its own
    target = model_path(models_dir, key)
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / ".train.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and not force:
            return TrainedModel(target, False, 0.0)
        with tempfile.TemporaryDirectory(prefix="train-", dir=models_dir) as work_name:
            work = Path(work_name)
            config_file = work / "config.yml"
            config_file.write_text(config_text, encoding="utf-8")
            log_file = models_dir / "rasa-train.log"
            command = [
                str(env.rasa),
                "train",
                "nlu",
                "--config",
                str(config_file),
                "--nlu",
                str(data.nlu.absolute()),
                "--domain",
                str(data.domain.absolute()),
                "--out",
                str(work / "out"),
                "--fixed-model-name",
                "model",
            ]
            started = time.perf_counter()
            with log_file.open("w", encoding="utf-8") as log:
                try:
                    result = subprocess.run(  # noqa: S603
                        command, cwd=work, env=env.environ(), stdout=log, stderr=subprocess.STDOUT, check=False
                    )
                except OSError as exc:
                    raise RasaEnvError(f"{env.rasa} failed to start: {exc.strerror}") from exc
            seconds = time.perf_counter() - started
            produced = work / "out" / f"model{MODEL_SUFFIX}"
            if result.returncode != 0 or not produced.exists():
                raise RasaEnvError(
                    f"`rasa train nlu` failed (exit code {result.returncode}); the last lines of {log_file}:\n"
                    f"{tail(log_file)}"
                )
            shutil.move(produced, target)
        return TrainedModel(target, True, seconds)
