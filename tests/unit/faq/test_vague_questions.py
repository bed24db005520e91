"""A message that only says it is about blood ("tôi muốn hỏi về máu") names no question: it gets "not
sure", not the entry that happens to share "muốn" or "về" (the quit entry, the travel entry's "đi Lào
về"). Found by the e2e button test once the classifier re-ranked BM25's tie."""

from __future__ import annotations

from datetime import date

import pytest

from core.config import load_settings
from core.knowledge import Knowledge, load_knowledge
from domain.questions import Kind, understand

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge(load_settings(environ={}))  # as the app builds it, examples included


@pytest.mark.parametrize(
    "text", ["tôi muốn hỏi về máu", "toi muon hoi ve mau", "hỏi chút về máu nhé", "tôi muốn hỏi về hiến máu"]
)
def test_a_message_only_about_blood_is_not_sure(knowledge: Knowledge, text: str) -> None:
    understood = understand(text, index=knowledge.faq["vi"], today=TODAY)
    assert understood.kind is Kind.UNSURE, understood.entry


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("tôi không muốn dùng bot nữa", "quit"),
        ("mới đi Lào về có hiến được không", "travel_malaria"),
        ("cho hỏi về hiến tiểu cầu", "apheresis"),
    ],
)
def test_want_and_about_still_find_the_questions_that_have_them(
    knowledge: Knowledge, text: str, entry: str
) -> None:
    understood = understand(text, index=knowledge.faq["vi"], today=TODAY)
    assert understood.entry is not None and understood.entry.id == entry


@pytest.mark.parametrize(
    ("text", "entry"),
    [("is it safe to donate blood", "harmful"), ("how often is it safe to donate blood", "interval")],
)
def test_is_it_safe_asks_whether_it_harms_not_how_often(knowledge: Knowledge, text: str, entry: str) -> None:
    """ "How often is it safe to donate?" (the interval) shares "safe" with "is it safe to donate
    blood", which asks whether giving blood harms you (found by hand, 2026-12-03)."""
    understood = understand(text, index=knowledge.faq["en"], today=TODAY)
    assert understood.kind is Kind.FAQ and understood.entry is not None, understood
    assert understood.entry.id == entry
