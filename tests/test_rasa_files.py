"""Rasa's files in the project (domain, config, freeze) and the setup/train orchestration, without Rasa itself."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import yaml

from bot.cli.main import main
from services.nlu.data import load_paths
from services.nlu.rasa_env.environment import (
    MARKER_FILE,
    RASA_VERSION,
    RasaEnv,
    RasaEnvError,
    ensure_env,
    existing_env,
    requirements_digest,
    requirements_path,
    resolve_venv,
)
from services.nlu.rasa_env.server import RasaServer, free_port
from services.nlu.rasa_env.training import RasaData, cached_model, effective_config, model_key, train
from tests.fake_rasa import fake_rasa

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_ENTITIES = ["substance", "relation", "location", "phone"]


def test_domain_lists_every_intent_and_entity_of_the_data() -> None:
    domain = yaml.safe_load((ROOT / "nlu_data" / "domain.yml").read_text(encoding="utf-8"))
    data = load_paths([ROOT / "nlu_data" / "nlu"])
    assert sorted(domain["intents"]) == data.intents, "nlu_data/domain.yml must list exactly the data's intents"
    assert sorted(domain["entities"]) == sorted(CONTRACT_ENTITIES)
    used = {e.entity for example in data.examples for e in example.entities}
    assert used <= set(domain["entities"])


def test_config_is_the_documented_pipeline() -> None:
    config = yaml.safe_load((ROOT / "nlu_data" / "config.yml").read_text(encoding="utf-8"))
    names = [c["name"] for c in config["pipeline"]]
    assert names == [
        "WhitespaceTokenizer",
        "CountVectorsFeaturizer",
        "CountVectorsFeaturizer",
        "DIETClassifier",
        "EntitySynonymMapper",
    ]
    char = config["pipeline"][2]
    assert (char["analyzer"], char["min_ngram"], char["max_ngram"]) == ("char_wb", 1, 4)
    assert config["pipeline"][3]["epochs"] == 100


def test_the_freeze_file_pins_rasa_and_is_packaged() -> None:
    lines = requirements_path().read_text(encoding="utf-8").splitlines()
    assert f"rasa=={RASA_VERSION}" in lines and "rasa-sdk==3.6.2" in lines
    pins = [line for line in lines if line and not line.startswith("#")]
    assert all("==" in line for line in pins), "every requirement is pinned exactly"
    assert "SQLAlchemy==1.4.54" in lines, "Rasa's own SQLAlchemy: why it lives in its own virtualenv"


def test_venv_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_venv(None) == tmp_path / ".cache" / "hotline" / "rasa-venv"
    assert resolve_venv(Path("/opt/rasa")) == Path("/opt/rasa")


def _fake_venv(venv: Path, marker: dict[str, str] | None) -> None:
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "rasa"):
        (venv / "bin" / name).write_text("#!/bin/sh\n", encoding="utf-8")
    if marker is not None:
        (venv / MARKER_FILE).write_text(json.dumps(marker), encoding="utf-8")


def test_an_environment_is_reused_only_when_its_marker_matches_the_freeze(tmp_path: Path) -> None:
    good, stale, unmarked = tmp_path / "good", tmp_path / "stale", tmp_path / "unmarked"
    _fake_venv(good, {"requirements": requirements_digest()})
    _fake_venv(stale, {"requirements": "0" * 64})
    _fake_venv(unmarked, None)
    assert existing_env(good) == RasaEnv(good)
    assert existing_env(stale) is None
    assert existing_env(unmarked) is None
    assert existing_env(tmp_path / "missing") is None


def test_epochs_override_changes_the_config_and_the_model_key() -> None:
    data = RasaData.default()
    plain = effective_config(data.config, None)
    quick = effective_config(data.config, 5)
    diet = next(c for c in yaml.safe_load(quick)["pipeline"] if c["name"] == "DIETClassifier")
    assert diet["epochs"] == 5
    assert model_key(data, plain) != model_key(data, quick)
    assert model_key(data, plain) == model_key(RasaData.default(), plain)


def _fake_rasa_env(tmp_path: Path) -> tuple[RasaEnv, Path]:
    """A venv whose `rasa` writes the model file where `--out` says, and counts its calls."""
    venv = tmp_path / "venv"
    _fake_venv(venv, {"requirements": requirements_digest()})
    calls = tmp_path / "calls.txt"
    script = venv / "bin" / "rasa"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {calls}\n'
        'while [ "$#" -gt 0 ]; do if [ "$1" = "--out" ]; then out="$2"; fi; shift; done\n'
        'mkdir -p "$out" && echo model > "$out/model.tar.gz"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return RasaEnv(venv), calls


def test_train_runs_rasa_once_per_data_and_config(tmp_path: Path) -> None:
    env, calls = _fake_rasa_env(tmp_path)
    models = tmp_path / "models"
    first = train(env, models, epochs=3)
    second = train(env, models, epochs=3)
    assert first.trained and not second.trained
    assert first.path == second.path == cached_model(models, epochs=3)
    assert first.path.read_text(encoding="utf-8").strip() == "model"
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 1
    arguments = calls.read_text(encoding="utf-8").split()
    assert arguments[:2] == ["train", "nlu"]
    assert arguments[arguments.index("--nlu") + 1] == str(ROOT / "nlu_data" / "nlu")
    assert train(env, models, epochs=3, force=True).trained
    assert cached_model(models) is None, "another config (the file's epochs) is another model"


def test_a_failing_rasa_train_says_what_happened(tmp_path: Path) -> None:
    env, _ = _fake_rasa_env(tmp_path)
    env.rasa.write_text("#!/bin/sh\necho 'YamlValidationException: bad example'\nexit 1\n", encoding="utf-8")
    with pytest.raises(RasaEnvError, match="YamlValidationException"):
        train(env, tmp_path / "models")


def test_cli_train_without_environment_explains_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOTLINE_RASA_VENV", str(tmp_path / "none"))
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "data"))
    assert main(["rasa", "train"]) == 1
    assert "hotline rasa setup" in capsys.readouterr().err
    assert main(["rasa", "serve"]) == 1
    assert "hotline rasa setup" in capsys.readouterr().err


def test_cli_train_json_with_a_fake_rasa(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env, _ = _fake_rasa_env(tmp_path)
    monkeypatch.setenv("HOTLINE_RASA_VENV", str(env.path))
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "data"))
    assert main(["rasa", "train", "--epochs", "2", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["rasa", "train", "--epochs", "2", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["trained"] is True and second["trained"] is False
    assert first["model"] == second["model"]
    assert Path(first["model"]).parent == tmp_path / "data" / "rasa-models"
    assert os.path.basename(first["model"]).startswith("nlu-")


def test_setup_reuses_a_matching_environment_without_running_anything(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _fake_venv(venv, {"requirements": requirements_digest()})
    env, created = ensure_env(venv, python="/nonexistent/python")
    assert (env, created) == (RasaEnv(venv), False)


def test_setup_never_deletes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    foreign = tmp_path / "someone-elses-venv"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(RasaEnvError, match="not made by"):
        ensure_env(foreign, python="/nonexistent/python")
    assert (foreign / "precious.txt").exists()


def test_a_failed_install_is_reported_with_its_log(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _fake_venv(venv, {"requirements": "0" * 64})  # stale: ours, so it is replaced
    with pytest.raises(RasaEnvError, match="failed"):
        ensure_env(venv, python=str(tmp_path / "no-such-python"))
    assert not (venv / MARKER_FILE).exists()


def test_serve_refuses_a_port_another_server_holds(tmp_path: Path) -> None:
    env, _ = _fake_rasa_env(tmp_path)
    model = tmp_path / "nlu-x.tar.gz"
    model.write_text("model", encoding="utf-8")
    with fake_rasa() as (url, _):
        port = int(url.rsplit(":", 1)[1])
        server = RasaServer(env, model, port=port, log_file=tmp_path / "server.log")
        with pytest.raises(RasaEnvError, match="already in use"):
            server.start(wait_s=5)
    assert server.pid is None


def test_serve_reports_a_server_that_exits(tmp_path: Path) -> None:
    env, _ = _fake_rasa_env(tmp_path)
    env.rasa.write_text("#!/bin/sh\necho 'OSError: model unreadable'\nexit 3\n", encoding="utf-8")
    model = tmp_path / "nlu-x.tar.gz"
    model.write_text("model", encoding="utf-8")
    server = RasaServer(env, model, port=free_port(), log_file=tmp_path / "server.log")
    with pytest.raises(RasaEnvError, match="exited with code 3"):
        server.start(wait_s=30)
    assert "model unreadable" in (tmp_path / "server.log").read_text(encoding="utf-8")
