"""The embedded engine: character and word n-grams on diacritics-folded text, logistic regression."""

from __future__ import annotations

import logging
import pickle
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from services.nlu.base import OUT_OF_SCOPE, IntentScore, ParseResult
from services.nlu.data import TrainingData, default_training_dir, fingerprint, load_paths
from services.nlu.entities import EntityExtractor
from services.nlu.scoring import LinearTextScorer
from services.nlu.text import clean, normalise_for_model

log = logging.getLogger(__name__)

MAX_NLU_CHARS = 600  # long messages are cut for understanding, never for storage
MODEL_VERSION = "embedded-4"
MIN_SEGMENT_WORDS = 3
MAX_SEGMENTS = 8  # a long message is read whole and by its first sentences (each one once)
_SENTENCE = re.compile(r"[.?!;\n]+|,\s+(?=(?:cho|xin|vay|thi|gio|nhu vay|em muon|toi muon|minh muon)\b)")
RANKING_SIZE = 10


class EmbeddedNlu:
    """In-process intent classifier and entity extractor trained from nlu_data/."""

    def __init__(self, data: TrainingData) -> None:
        started = time.perf_counter()
        # Features are computed on the folded text, so a message with and without diacritics reads the same.
        texts = [example.text for example in data.examples]
        labels = [example.intent for example in data.examples]
        if len(set(labels)) < 2:
            raise ValueError("the embedded NLU needs examples of at least two intents")
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1)
        word_regex = r"\w+"
        word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=word_regex)
        normalised = [normalise_for_model(t) for t in texts]
        features = hstack(
            [
                char.fit_transform(normalised),
                word.fit_transform(normalised),
            ]
        ).tocsr()
        model = LogisticRegression(C=20.0, max_iter=3000)
        model.fit(features, labels)
        self._classes: list[str] = [str(c) for c in model.classes_]
        # Parsing uses the fitted numbers directly: scikit-learn's per-call input checks cost more than the maths.
        self._scorer = LinearTextScorer([char, word], model)
        self._entities = EntityExtractor(data)
        self.train_seconds = time.perf_counter() - started

    def _probabilities(self, cleaned: str, normalised: str) -> Any:
        """Read the whole message and, for a long one, each sentence; keep the most confident reading."""
        segments = _segments(cleaned)
        sentences = [normalise_for_model(s) for s in segments] if len(segments) > 1 else []
        rows = self._scorer.probabilities([normalised, *sentences])
        return rows[int(np.argmax(rows.max(axis=1)))]

    @property
    def intents(self) -> list[str]:
        return list(self._classes)

    def parse(self, text: str) -> ParseResult:
        cleaned = clean(text[: 2 * MAX_NLU_CHARS])[:MAX_NLU_CHARS]  # cut before cleaning: 10,000 chars cost nothing
        normalised = normalise_for_model(cleaned)
        if not normalised.strip() or not any(ch.isalpha() for ch in normalised):
            return ParseResult(text=text, intent=IntentScore(OUT_OF_SCOPE, 1.0 if not cleaned else 0.0))
        probabilities = self._probabilities(cleaned, normalised)
        order = np.argsort(probabilities)[::-1][:RANKING_SIZE]
        ranking = tuple(IntentScore(self._classes[i], float(probabilities[i])) for i in order)
        entities = tuple(self._entities.extract(cleaned))
        return ParseResult(text=text, intent=ranking[0], intent_ranking=ranking, entities=entities)


def _segments(text: str) -> list[str]:
    """Sentences of a long message that say enough on their own to be read separately."""
    parts = [p.strip() for p in _SENTENCE.split(text)]
    unique = dict.fromkeys(p for p in parts if len(p.split()) >= MIN_SEGMENT_WORDS)
    return list(unique)[:MAX_SEGMENTS]


def load_embedded(cache_dir: Path | None, training_paths: list[Path] | None = None) -> EmbeddedNlu:
    """Train from the data (or load the cached model trained from the very same data)."""
    paths = training_paths or [default_training_dir()]
    key = fingerprint(paths, MODEL_VERSION)
    cache_file = cache_dir / f"embedded-{key}.pkl" if cache_dir else None
    if cache_file and cache_file.exists():
        try:
            with cache_file.open("rb") as handle:
                engine = pickle.load(handle)  # noqa: S301 - our own file, keyed by the data's hash
            if isinstance(engine, EmbeddedNlu):
                return engine
        except Exception:
            log.warning("nlu cache unreadable; retraining", extra={"cache_key": key})
    engine = EmbeddedNlu(load_paths(paths))
    log.info("nlu trained", extra={"seconds": round(engine.train_seconds, 2), "intents": len(engine.intents)})
    if cache_file:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(engine, handle)
        tmp.replace(cache_file)
    return engine
