"""Embedded engine vs Rasa DIET, side by side on the same split.

Train: nlu_data/nlu. Test: nlu_data/tests, and the same messages with their diacritics stripped.
Prints accuracy (with/without diacritics), macro F1, crisis recall, entity F1, train time, parse p50/p99
(Rasa over loopback HTTP, through the same RasaNlu client the bot uses) and memory.

    ./run hotline rasa setup            # once: Rasa's own virtualenv
    .venv/bin/python bench/nlu.py       # trains both engines (Rasa with nlu_data/config.yml: ~100 epochs)
    .venv/bin/python bench/nlu.py --rasa-epochs 20      # a quicker Rasa
    .venv/bin/python bench/nlu.py --skip-rasa           # the embedded engine only
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.nlu.base import CRISIS_INTENTS, NluEngine, ParseResult  # noqa: E402
from services.nlu.data import Example, load_paths  # noqa: E402
from services.nlu.embedded import EmbeddedNlu  # noqa: E402
from services.nlu.evaluate import Report, evaluate  # noqa: E402
from services.nlu.rasa import RasaNlu  # noqa: E402
from services.nlu.rasa_env.environment import ensure_env, resolve_venv  # noqa: E402
from services.nlu.rasa_env.server import RasaServer, free_port  # noqa: E402
from services.nlu.rasa_env.training import RasaData, train  # noqa: E402
from services.nlu.text import strip_diacritics  # noqa: E402

TRAIN = ROOT / "nlu_data" / "nlu"
TEST = ROOT / "nlu_data" / "tests"


@dataclass
class Column:
    name: str
    rows: dict[str, str] = field(default_factory=dict)


def stripped(examples: list[Example]) -> list[Example]:
    """The same messages without diacritics (same length, so the entity spans still hold)."""
    return [Example(strip_diacritics(e.text), e.intent, e.entities) for e in examples]


def crisis_recall(report: Report) -> float:
    stats = [report.intents[i] for i in CRISIS_INTENTS if i in report.intents]
    hits = sum(s.recall * s.support for s in stats)
    total = sum(s.support for s in stats)
    return hits / total if total else 0.0


def percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.99))]


def latencies_ms(parse: Callable[[str], object], texts: list[str], rounds: int) -> tuple[float, float]:
    return wall_and_cpu_ms(parse, texts, rounds)[0]


def wall_and_cpu_ms(
    parse: Callable[[str], object], texts: list[str], rounds: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(p50, p99) of wall-clock time and of this thread's CPU time per parse. On a shared machine the wall clock
    also counts the time other processes held the CPU; the CPU time is the engine's own cost."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for text in texts:
            started, started_cpu = time.perf_counter(), time.thread_time()
            parse(text)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    return percentiles(wall), percentiles(cpu)


def quality(column: Column, engine: NluEngine, test: list[Example], test_plain: list[Example]) -> None:
    with_marks = evaluate(engine, test)
    without = evaluate(engine, test_plain)
    column.rows["intent accuracy (diacritics)"] = f"{with_marks.accuracy:.3f}"
    column.rows["intent accuracy (no diacritics)"] = f"{without.accuracy:.3f}"
    column.rows["macro F1 (diacritics)"] = f"{with_marks.macro_f1:.3f}"
    column.rows["macro F1 (no diacritics)"] = f"{without.macro_f1:.3f}"
    column.rows["crisis recall (diacritics)"] = f"{crisis_recall(with_marks):.3f}"
    column.rows["crisis recall (no diacritics)"] = f"{crisis_recall(without):.3f}"
    column.rows["entity F1 (diacritics)"] = f"{with_marks.entity_f1:.3f}"
    column.rows["entity F1 (no diacritics)"] = f"{without.entity_f1:.3f}"


def bench_embedded(test: list[Example], test_plain: list[Example], rounds: int) -> tuple[Column, EmbeddedNlu]:
    column = Column("embedded")
    data = load_paths([TRAIN])
    started = time.perf_counter()
    engine = EmbeddedNlu(data)
    column.rows["train time"] = f"{time.perf_counter() - started:.1f} s"
    quality(column, engine, test, test_plain)
    texts = [e.text for e in test + test_plain]
    for text in texts:  # warm the caches (the diacritics table) as a running bot would have
        engine.parse(text)
    (p50, p99), (cpu50, cpu99) = wall_and_cpu_ms(engine.parse, texts, rounds)
    column.rows["parse p50"] = f"{p50:.2f} ms"
    column.rows["parse p99"] = f"{p99:.2f} ms"
    column.rows["parse p50 / p99 (CPU time)"] = f"{cpu50:.2f} / {cpu99:.2f} ms"
    # Memory the trained model keeps (a second training under tracemalloc; numpy/scipy buffers are traced).
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    traced = EmbeddedNlu(data)
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    column.rows["model memory"] = f"{retained / 1e6:.1f} MB (pickled {len(pickle.dumps(traced)) / 1e6:.1f} MB)"
    return column, engine


class Counting:
    """The embedded engine as RasaNlu's helper, counted: it normalises entity spans DIET could not map to a
    contract value, and would answer a message Rasa failed on (the bench asserts that never happens)."""

    def __init__(self, engine: EmbeddedNlu) -> None:
        self.engine = engine
        self.calls = 0

    def parse(self, text: str) -> ParseResult:
        self.calls += 1
        return self.engine.parse(text)


def _rss_mb(pid: int | None) -> str:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except (OSError, TypeError):
        return "?"
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return f"{kb / 1000:.0f} MB (server process RSS)"


def bench_rasa(args: argparse.Namespace, test: list[Example], test_plain: list[Example], local: EmbeddedNlu) -> Column:
    epochs = args.rasa_epochs or next(
        c["epochs"] for c in yaml.safe_load(RasaData.default().config.read_text())["pipeline"] if "epochs" in c
    )
    column = Column(f"Rasa DIET ({epochs} epochs)")
    configured = os.environ.get("HOTLINE_RASA_VENV")
    env, _ = ensure_env(resolve_venv(Path(configured) if configured else None))
    models = ROOT / "data" / "rasa-models"  # the model stays for `--reuse-model` and `hotline rasa serve`
    if args.rasa_model:
        model_file = Path(args.rasa_model)
        column.rows["train time"] = "(given model)"
    else:
        print("training Rasa (rasa train nlu)…", file=sys.stderr, flush=True)
        model = train(env, models, epochs=args.rasa_epochs, force=not args.reuse_model)
        model_file = model.path
        trained = f"{model.seconds:.1f} s (rasa train nlu, incl. ~10 s start-up)"
        column.rows["train time"] = trained if model.trained else "(re-used the cached model)"
    with tempfile.TemporaryDirectory(prefix="bench-rasa-") as work:
        server = RasaServer(env, model_file, port=free_port(), log_file=Path(work) / "server.log")
        print("starting the Rasa server…", file=sys.stderr, flush=True)
        server.start(wait_s=600)
        try:
            # Quality: a generous timeout, and no message answered by the fallback.
            helper = Counting(local)
            engine = RasaNlu(server.url, helper, timeout_ms=30_000)
            quality(column, engine, test, test_plain)
            if engine.fallbacks:
                raise SystemExit(f"Rasa failed on some messages, the figures would be wrong: {engine.fallbacks}")
            column.rows["embedded help (entity values)"] = f"{helper.calls} of {2 * len(test)} messages"
            texts = [e.text for e in test + test_plain]
            p50, p99 = latencies_ms(engine.parse, texts, args.rounds)
            column.rows["parse p50"] = f"{p50:.2f} ms"
            column.rows["parse p99"] = f"{p99:.2f} ms"
            column.rows["model memory"] = _rss_mb(server.pid)
            engine.close()
        finally:
            server.stop()
    return column


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-rasa", action="store_true", help="the embedded engine only")
    parser.add_argument("--rasa-epochs", type=int, help="override DIETClassifier epochs (default: config.yml)")
    parser.add_argument("--rasa-model", help="serve this trained model instead of training one")
    parser.add_argument("--reuse-model", action="store_true", help="re-use the cached model of the same data")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the test messages for latency")
    args = parser.parse_args()

    test = load_paths([TEST]).examples
    test_plain = stripped(test)
    train_size = len(load_paths([TRAIN]).examples)
    print(
        f"train: {TRAIN.relative_to(ROOT)} ({train_size} examples); test: {TEST.relative_to(ROOT)} "
        f"({len(test)} examples) + the same without diacritics; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    embedded, local = bench_embedded(test, test_plain, args.rounds)
    columns = [embedded]
    if not args.skip_rasa:
        columns.append(bench_rasa(args, test, test_plain, local))
    labels = list(dict.fromkeys(label for c in columns for label in c.rows))
    width = max(len(label) for label in labels) + 2
    col_width = max(28, *(len(c.name) + 2 for c in columns))
    print("".ljust(width) + "".join(c.name.ljust(col_width) for c in columns))
    for label in labels:
        print(label.ljust(width) + "".join(c.rows.get(label, "-").ljust(col_width) for c in columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
