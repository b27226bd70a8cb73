"""The fast scorer computes exactly what scikit-learn computes, for any text."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from services.nlu.data import default_training_dir, load_paths
from services.nlu.scoring import LinearTextScorer
from services.nlu.text import normalise_for_model

PROBES = [
    "con toi nghien ma tuy phai lam sao",
    "Con tôi nghiện đá, phải làm sao ạ? Cháu 17 tuổi. Gia đình rất lo!",
    "ko bik dang ky cai nghien o dau",
    "",
    "😀😀😀",
    "12345",
    "<b>hello</b> **markdown** mixed English và tiếng Việt",
    "a " * 300,
    "xyzzy qwerty",  # nothing the vocabulary knows
]


@pytest.fixture(scope="module")
def fitted() -> tuple[TfidfVectorizer, TfidfVectorizer, LogisticRegression]:
    examples = load_paths([default_training_dir()]).examples
    wanted = sorted({e.intent for e in examples})[:6]
    chosen = [e for e in examples if e.intent in wanted]
    texts = [normalise_for_model(e.text) for e in chosen]
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\w+")
    features = hstack([char.fit_transform(texts), word.fit_transform(texts)]).tocsr()
    model = LogisticRegression(C=20.0, max_iter=3000).fit(features, [e.intent for e in chosen])
    return char, word, model


def test_probabilities_equal_scikit_learn(fitted: tuple[TfidfVectorizer, TfidfVectorizer, LogisticRegression]) -> None:
    char, word, model = fitted
    scorer = LinearTextScorer([char, word], model)
    texts = [normalise_for_model(t) for t in PROBES]
    expected = model.predict_proba(hstack([char.transform(texts), word.transform(texts)]).tocsr())
    for _ in range(2):  # the second pass reads the remembered words
        np.testing.assert_allclose(scorer.probabilities(texts), expected, rtol=1e-9, atol=1e-12)


def test_a_pickled_scorer_still_agrees(
    fitted: tuple[TfidfVectorizer, TfidfVectorizer, LogisticRegression],
) -> None:
    char, word, model = fitted
    scorer = LinearTextScorer([char, word], model)
    texts = [normalise_for_model(t) for t in PROBES]
    before = scorer.probabilities(texts)
    restored = pickle.loads(pickle.dumps(scorer))
    np.testing.assert_allclose(restored.probabilities(texts), before, rtol=1e-12)


def test_a_binary_model_is_refused() -> None:
    texts = ["mot hai", "ba bon", "mot ba", "hai bon"]
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))
    model = LogisticRegression().fit(char.fit_transform(texts), ["a", "b", "a", "b"])
    with pytest.raises(ValueError, match="multinomial"):
        LinearTextScorer([char], model)
