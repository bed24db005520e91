"""On PostgreSQL a turn holds its chat's advisory lock until it commits: a second instance's turn of the same
chat waits for it (and sees what it wrote), a turn of another chat does not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from models import conversations
from models.db import create_engine, session_factory

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_one_chat_one_turn_at_a_time_across_engines(database_url: str) -> None:
    first, second = create_engine(database_url), create_engine(database_url)  # two instances
    one, two = session_factory(first), session_factory(second)
    try:
        order: list[str] = []
        locked = asyncio.Event()

        async def long_turn() -> None:
            async with one() as session, session.begin():
                await conversations.lock_chat(session, platform="telegram", chat_id="42")
                locked.set()
                await asyncio.sleep(0.5)
                await conversations.save(
                    session,
                    platform="telegram",
                    chat_id="42",
                    flow="registration",
                    step="name",
                    data={"x": 1},
                    language="vi",
                    now=datetime.now(UTC),
                )
                order.append("first committed")

        async def next_turn(chat: str) -> str | None:
            await locked.wait()
            async with two() as session, session.begin():
                await conversations.lock_chat(session, platform="telegram", chat_id=chat)
                order.append(f"turn of {chat}")
                row = await conversations.load(session, platform="telegram", chat_id=chat)
                return row.step if row is not None else None

        results = await asyncio.gather(long_turn(), next_turn("43"), next_turn("42"))
        assert results[2] == "name", "the second turn of chat 42 saw the first one's state"
        assert order == ["turn of 43", "first committed", "turn of 42"]
    finally:
        await first.dispose()
        await second.dispose()
