"""A learned second opinion for the FAQ matcher: a naive Bayes classifier over the matcher's
features and character n-grams, trained at index build on the FAQ questions (and example lines).

BM25 (:mod:`domain.faq_index`) scores words of the message that an entry's questions have; the
classifier learns which words, bigrams and character 3–5-grams of the folded topic words (run
together, so typos, run-on words and partial overlaps still vote) go with which entry. Training
is counting (milliseconds at index build), it needs nothing but the standard library, and it is
deterministic (ties break by the entries' order). :class:`domain.faq_index.FaqIndex` adds its
posterior, weighted, to the BM25 scores (see its module doc for the figures).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.lexicon import topic_words

__all__ = ["FaqClassifier", "Guess", "load_examples", "model_features"]

GRAM_SIZES = (3, 4, 5)
ALPHA = 0.05
GRAM_WEIGHT = 0.3
TEMPERATURE = 3.0


def model_features(text: str, word_features: Iterable[str]) -> frozenset[str]:
    """The classifier's features of a message: its matcher features (words, bigrams, words with
    their marks) and the character n-grams (``#``-prefixed) of its topic words run together."""
    joined = f" {' '.join(topic_words(text))} "
    grams = {f"#{joined[i : i + n]}" for n in GRAM_SIZES for i in range(len(joined) - n + 1)}
    return frozenset(word_features) | {g for g in grams if g.strip("# ")}


@dataclass(frozen=True)
class Guess:
    entry_id: str
    probability: float
    """The classifier's posterior over the entries (uniform prior), 0..1."""


class FaqClassifier:
    """Multinomial naive Bayes over :func:`model_features`, with a uniform prior over the entries.

    ``gram_weight`` scales the character n-grams against the word features (there are many more
    of them); ``alpha`` is the additive smoothing; ``temperature`` flattens the posterior (naive
    Bayes is overconfident: its features are far from independent). The settings are the ones
    five-fold cross-validation on the tuning set chose (``bench/faq_cv.py``)."""

    def __init__(
        self,
        samples: Mapping[str, Sequence[frozenset[str]]],
        *,
        alpha: float = ALPHA,
        gram_weight: float = GRAM_WEIGHT,
        temperature: float = TEMPERATURE,
    ) -> None:
        self._order = list(samples)
        self._gram_weight = gram_weight
        self._temperature = temperature
        counts = {entry_id: Counter(f for feats in rows for f in feats) for entry_id, rows in samples.items()}
        vocab = {f for c in counts.values() for f in c}
        unseen: list[float] = []
        # per feature, the entries that have it: (position, log P(f|e) - log P(unseen|e))
        lift: dict[str, list[tuple[int, float]]] = {f: [] for f in sorted(vocab)}
        for i, entry_id in enumerate(self._order):
            c = counts[entry_id]
            denominator = sum(self._w(f) * n for f, n in c.items()) + alpha * len(vocab)
            unseen.append(math.log(alpha / denominator))
            for f, n in sorted(c.items()):
                lift[f].append((i, math.log((self._w(f) * n + alpha) / alpha)))
        self._unseen = unseen
        self._lift = lift

    def _w(self, feature: str) -> float:
        return self._gram_weight if feature[0] == "#" else 1.0

    def probabilities(self, feats: Iterable[str]) -> dict[str, float]:
        """The posterior of every entry for a message's :func:`model_features` (empty when none
        of them was seen in training)."""
        known = [f for f in feats if f in self._lift]
        if not known:
            return {}
        total_w = sum(self._w(f) for f in known)
        logits = [u * total_w for u in self._unseen]
        for f in known:
            w = self._w(f)
            for i, gain in self._lift[f]:
                logits[i] += w * gain
        top = max(logits)
        exp = [math.exp((v - top) / self._temperature) for v in logits]
        total = sum(exp)
        return {entry_id: exp[i] / total for i, entry_id in enumerate(self._order)}

    def guess(self, feats: Iterable[str], *, limit: int = 2) -> list[Guess]:
        """The ``limit`` likeliest entries, best first."""
        probs = self.probabilities(feats)
        position = {e: i for i, e in enumerate(self._order)}
        ranked = sorted(probs.items(), key=lambda kv: (-kv[1], position[kv[0]]))[:limit]
        return [Guess(e, p) for e, p in ranked]


def load_examples(path: Path) -> dict[str, list[str]]:
    """``entry id → lines`` from a file of ``text<TAB>entry id`` lines (``#`` starts a comment);
    an absent file is no examples."""
    out: dict[str, list[str]] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, entry_id = line.split("\t")
            out.setdefault(entry_id, []).append(text)
    return out
