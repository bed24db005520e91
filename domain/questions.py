"""The one entry point for a free-text message: what does the person want?

Order of the checks (the first that applies wins):

1. a request to act (:func:`domain.intents.detect_intent`: register, drives, my data…);
2. personal facts ("tôi 17 tuổi", "nặng 43kg", "mới xăm 2 tháng"): the injected
   ``facts_extractor`` returns something → a personal eligibility verdict is due;
3. a confident FAQ answer (:meth:`domain.faq.FaqIndex.confident`);
4. otherwise "not sure", with the three closest FAQ entries as suggestions.

The facts extractor is injected (``domain.facts.extract_facts`` with the rules bound, in the
application) so that this module does not depend on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.faq import FaqEntry, FaqIndex
from domain.intents import Intent, detect_intent

FactsExtractor = Callable[[str, date], object | None]


class Kind(StrEnum):
    VERDICT = "verdict"
    INTENT = "intent"
    FAQ = "faq"
    UNSURE = "unsure"


@dataclass(frozen=True)
class Understanding:
    kind: Kind
    intent: Intent | None = None
    entry: FaqEntry | None = None
    facts: object | None = None
    suggestions: tuple[FaqEntry, ...] = ()


SUGGESTIONS = 3


def understand(
    text: str,
    *,
    index: FaqIndex,
    today: date,
    facts_extractor: FactsExtractor | None = None,
) -> Understanding:
    """Decides how to answer one free-text message."""
    intent = detect_intent(text)
    if intent is not None:
        return Understanding(Kind.INTENT, intent=intent)
    if facts_extractor is not None:
        facts = facts_extractor(text, today)
        if facts is not None:
            return Understanding(Kind.VERDICT, facts=facts)
    entry = index.confident(text)
    if entry is not None:
        return Understanding(Kind.FAQ, entry=entry)
    closest = tuple(index.entry(m.entry_id) for m in index.match(text, limit=SUGGESTIONS))
    return Understanding(Kind.UNSURE, suggestions=closest)
