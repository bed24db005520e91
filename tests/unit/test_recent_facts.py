"""The facts kept for a follow-up question: per dispatcher, fresh for ten minutes, forgotten on /xoa."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.eligibility import Person
from handlers.recent_facts import RecentFacts

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_fresh_facts_are_given_back_once_and_stale_ones_never() -> None:
    kept = RecentFacts()
    facts = Person(weight_kg=48.0)
    kept.keep("telegram", "1", NOW, facts)
    assert kept.take("telegram", "1", NOW + timedelta(minutes=10)) == facts
    assert kept.take("telegram", "1", NOW + timedelta(minutes=10)) is None  # taken: `keep` puts it back
    kept.keep("telegram", "1", NOW, facts)
    assert kept.take("telegram", "1", NOW + timedelta(minutes=10, seconds=1)) is None


def test_two_dispatchers_share_nothing_and_forget_removes_the_chats_given() -> None:
    one, other = RecentFacts(), RecentFacts()
    one.keep("telegram", "1", NOW, Person(weight_kg=48.0))
    one.keep("zalo", "1", NOW, Person(weight_kg=50.0))
    assert other.take("telegram", "1", NOW) is None
    one.forget([("telegram", "1")])
    assert one.take("telegram", "1", NOW) is None
    assert one.take("zalo", "1", NOW) == Person(weight_kg=50.0)


def test_the_oldest_chats_go_first_past_the_cap() -> None:
    kept = RecentFacts(max_chats=2)
    for chat in ("1", "2", "3"):
        kept.keep("telegram", chat, NOW, Person(weight_kg=50.0))
    assert len(kept) == 2 and kept.take("telegram", "1", NOW) is None
