"""Fast inference for the embedded engine: the fitted TF-IDF + logistic regression, without scikit-learn's overhead.

scikit-learn's `transform`/`predict_proba` validate their input on every call (about 1.5 ms of checks for a
one-message batch); at parse time we already know the input is a list of strings. This module keeps only what the
fitted models need — vocabularies, idf weights, the coefficient matrix — and computes the same numbers directly.
`tests/test_nlu_scoring.py` checks that the probabilities equal scikit-learn's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

Analyzer = Callable[[str], list[str]]


TOKEN_CACHE_SIZE = 50_000  # distinct words remembered by a character n-gram block (Vietnamese has few syllables)


class _Block:
    """One fitted TF-IDF vectoriser: its analyzer, vocabulary and idf, and where its columns start.

    Character n-grams within word boundaries (`char_wb`) never cross a space, so a word's known columns are
    computed once and remembered: most of a message's cost is then a few dictionary look-ups.
    """

    def __init__(self, vectoriser: TfidfVectorizer, offset: int) -> None:
        if vectoriser.norm != "l2" or not vectoriser.use_idf:
            raise ValueError("the fast scorer supports l2-normalised tf-idf only")
        self._analyzer: Analyzer = vectoriser.build_analyzer()
        self._preprocessor: Callable[[str], str] = vectoriser.build_preprocessor()
        self._per_word = vectoriser.analyzer == "char_wb"
        self._vocabulary = {str(term): int(column) for term, column in vectoriser.vocabulary_.items()}
        self._idf = np.asarray(vectoriser.idf_, dtype=np.float64).copy()
        self._offset = offset
        self._sublinear_tf = bool(vectoriser.sublinear_tf)
        self._words: dict[str, list[int]] = {}

    def _columns(self, text: str) -> list[int]:
        """The vocabulary columns of every term of the text, repeated as often as the term occurs."""
        vocabulary = self._vocabulary
        if not self._per_word:
            return [vocabulary[term] for term in self._analyzer(text) if term in vocabulary]
        columns: list[int] = []
        for word in self._preprocessor(text).split():
            known = self._words.get(word)
            if known is None:
                known = [vocabulary[term] for term in self._analyzer(word) if term in vocabulary]
                if len(self._words) >= TOKEN_CACHE_SIZE:
                    self._words.clear()
                self._words[word] = known
            columns.extend(known)
        return columns

    def features(self, text: str) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        counts = Counter(self._columns(text))
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self._sublinear_tf:
            tf = np.log(tf) + 1.0
        weights = tf * self._idf[columns]
        weights /= np.sqrt(weights @ weights)
        return columns + self._offset, weights

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_words": {}}  # the word cache is rebuilt as messages come


class LinearTextScorer:
    """Class probabilities of a multinomial logistic regression over concatenated tf-idf blocks."""

    def __init__(self, vectorisers: Sequence[TfidfVectorizer], model: LogisticRegression) -> None:
        blocks: list[_Block] = []
        offset = 0
        for vectoriser in vectorisers:
            blocks.append(_Block(vectoriser, offset))
            offset += len(vectoriser.vocabulary_)
        coef = np.asarray(model.coef_, dtype=np.float64)
        if coef.shape[0] < 3 or coef.shape[1] != offset:
            raise ValueError("the fast scorer needs a multinomial model over the vectorisers' columns")
        self._blocks = tuple(blocks)
        self._weights = np.ascontiguousarray(coef.T)  # one row per feature: a gather reads contiguous memory
        self._intercept = np.asarray(model.intercept_, dtype=np.float64).copy()

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """One row of class probabilities per text (texts already normalised for the model)."""
        starts: list[int] = []  # where each non-empty text's features begin
        nonempty: list[int] = []
        columns: list[NDArray[np.intp]] = []
        weights: list[NDArray[np.float64]] = []
        size = 0
        for index, text in enumerate(texts):
            parts = [block.features(text) for block in self._blocks]
            found = sum(len(part[0]) for part in parts)
            if found:
                starts.append(size)
                nonempty.append(index)
                size += found
                columns.extend(part[0] for part in parts)
                weights.extend(part[1] for part in parts)
        logits = np.tile(self._intercept, (len(texts), 1))
        if nonempty:
            contributions = self._weights[np.concatenate(columns)] * np.concatenate(weights)[:, None]
            logits[nonempty] += np.add.reduceat(contributions, starts, axis=0)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return result
