"""A free-text message of any length costs the matcher a bounded amount of work.

100,000 characters used to take 17–25 s of CPU in the FAQ matcher (the console accepts a message that
long). `understand` reads at most `MAX_CHARS` characters; the handler answers a longer message with a
request to ask briefly (tests/e2e/test_bad_input.py).
"""

from __future__ import annotations

from datetime import date

import pytest

from domain import questions
from domain.faq_index import FaqIndex
from tests.helpers import shared_knowledge


class Recording:
    """An FAQ index that notes how much text each call is given."""

    def __init__(self, index: FaqIndex) -> None:
        self.index = index
        self.lengths: list[int] = []

    def confident(self, text: str) -> object:
        self.lengths.append(len(text))
        return self.index.confident(text)

    def match(self, text: str, *, limit: int = 3) -> object:
        self.lengths.append(len(text))
        return self.index.match(text, limit=limit)

    def entry(self, entry_id: str) -> object:
        return self.index.entry(entry_id)


@pytest.mark.parametrize("length", [10, questions.MAX_CHARS, questions.MAX_CHARS + 1, 100_000])
def test_the_matcher_reads_a_bounded_prefix(length: int, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge = shared_knowledge()
    index = Recording(knowledge.faq["vi"])
    seen: list[int] = []

    def intents(text: str) -> object:
        seen.append(len(text))
        return None

    def facts(text: str, today: date) -> object:
        seen.append(len(text))
        return None

    monkeypatch.setattr(questions, "detect_intent", intents)
    text = ("hiến máu có hại không " * (length // 20 + 1))[:length]
    result = questions.understand(text, index=index, today=date(2026, 11, 23), facts_extractor=facts)  # type: ignore[arg-type]
    assert result.kind in (questions.Kind.FAQ, questions.Kind.UNSURE)
    assert index.lengths and seen
    assert max(index.lengths + seen) <= questions.MAX_CHARS
