"""The two FAQ scorers kept only to measure the production one against (``bench/faq.py --method``).

:class:`domain.faq_index.FaqIndex` scores with BM25; its module doc gives the figures of all three
on ``tests/data/faq_eval.tsv``. :class:`ScorerIndex` is the same index with the scorer chosen:

* ``fuzzy`` — rapidfuzz ``max(token_set_ratio, ratio)`` between the topic words of the message and
  of each question, the best question per entry;
* ``combined`` — 0.7 × bm25 + 0.3 × fuzzy;
* ``chargram`` — 0.8 × bm25 + 0.2 × the best Dice overlap of character 3-grams between the topic
  words of the message and of one question of the entry (issue 19: typos such as "hien mua");
* ``bm25`` — the production scorer, unchanged.

Same thresholds, margin and confidence rules as production, so only the scorer differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from rapidfuzz import fuzz

from domain.faq_file import FaqEntry
from domain.faq_index import FaqIndex
from domain.lexicon import topic_words

Method = Literal["bm25", "fuzzy", "combined", "chargram"]
PRODUCTION: Method = "bm25"  # what FaqIndex uses


class ScorerIndex(FaqIndex):
    """A :class:`FaqIndex` scoring with :attr:`method`; build with :meth:`with_method`."""

    method: Method = PRODUCTION

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        questions: Mapping[str, Sequence[str]],
        *,
        threshold: float | None = None,
        margin: float | None = None,
        examples: Mapping[str, Sequence[str]] | None = None,
        rerank: float | None = None,
    ) -> None:
        super().__init__(
            entries, questions, threshold=threshold, margin=margin, examples=examples, rerank=rerank
        )
        # (entry id, topic words of one question), in the order of the entries
        self._phrasings = [(e.id, " ".join(topic_words(q))) for e in entries for q in questions[e.id]]
        self._grams = [(eid, _grams(phrase)) for eid, phrase in self._phrasings]

    @classmethod
    def with_method(
        cls,
        entries: Sequence[FaqEntry],
        *,
        also: Sequence[FaqEntry],
        method: Method,
        threshold: float | None = None,
        margin: float | None = None,
        examples: Mapping[str, Sequence[str]] | None = None,
        rerank: float | None = None,
    ) -> ScorerIndex:
        index = cls.build(
            entries, also=also, threshold=threshold, margin=margin, examples=examples, rerank=rerank
        )
        index.method = method
        return index

    def _fuzzy(self, text: str) -> dict[str, float]:
        query = " ".join(topic_words(text))
        if not query:
            return {}
        scores: dict[str, float] = {}
        for eid, phrase in self._phrasings:
            s = max(fuzz.token_set_ratio(query, phrase), fuzz.ratio(query, phrase)) / 100
            if s > scores.get(eid, 0.0):
                scores[eid] = s
        return scores

    def _chargrams(self, text: str) -> dict[str, float]:
        query = _grams(" ".join(topic_words(text)))
        if not query:
            return {}
        scores: dict[str, float] = {}
        for eid, grams in self._grams:
            if grams:
                s = 2 * len(query & grams) / (len(query) + len(grams))
                if s > scores.get(eid, 0.0):
                    scores[eid] = s
        return scores

    def _scores(self, text: str) -> dict[str, float]:
        if self.method == "chargram":
            bm, cg = super()._scores(text), self._chargrams(text)
            return {k: 0.8 * bm.get(k, 0.0) + 0.2 * cg.get(k, 0.0) for k in bm.keys() | cg.keys()}
        if self.method == "bm25":
            return super()._scores(text)
        if self.method == "fuzzy":
            return self._fuzzy(text)
        bm, fz = super()._scores(text), self._fuzzy(text)
        return {k: 0.7 * bm.get(k, 0.0) + 0.3 * fz.get(k, 0.0) for k in bm.keys() | fz.keys()}


def _grams(phrase: str) -> frozenset[str]:
    """Character 3-grams of each word (with its boundaries: "#hi", "hie", …)."""
    out: set[str] = set()
    for word in phrase.split():
        padded = f"#{word}#"
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(out)
