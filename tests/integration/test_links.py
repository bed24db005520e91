"""Wrong birth dates lock linking per phone and per chat, on both backends; old ones are forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import links
from models.db import create_engine, session_factory, upgrade_database_async

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


async def test_three_wrong_birth_dates_within_a_day_lock_for_a_day(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    async def lock(phone: str | None, user: str, now: datetime) -> datetime | None:
        async with sessions() as session:
            return await links.locked_until(
                session, phone=phone, platform="telegram", user_id=user, now=now, max_failures=3, lock=DAY
            )

    async def fail(phone: str, user: str, at: datetime) -> None:
        async with sessions() as session, session.begin():
            await links.record_failure(session, phone=phone, platform="telegram", user_id=user, now=at)

    # Spread over more than a day: never locked.
    for hours in (0, 13, 26):
        await fail("+84911000001", "1", NOW + timedelta(hours=hours))
    assert await lock("+84911000001", "2", NOW + timedelta(hours=27)) is None
    # Three within a day, from three chats: the phone is locked for everyone until a day after the last.
    for user in ("3", "4", "5"):
        await fail("+84911000002", user, NOW + timedelta(hours=int(user)))
    last = NOW + timedelta(hours=5)
    assert await lock("+84911000002", "9", last + timedelta(minutes=1)) == last + DAY
    assert await lock("+84911000002", "9", last + DAY + timedelta(minutes=1)) is None
    # Three from one chat against three phones: that chat is locked for any phone, others are not.
    for n in range(3):
        await fail(f"+8491100001{n}", "7", NOW + timedelta(minutes=n))
    assert await lock("+84911000099", "7", NOW + timedelta(hours=1)) is not None
    assert await lock(None, "7", NOW + timedelta(hours=1)) is not None
    assert await lock("+84911000099", "8", NOW + timedelta(hours=1)) is None
    # Retention: failures older than two lock periods go.
    async with sessions() as session, session.begin():
        assert await links.forget_failures(session, before=NOW + timedelta(hours=1)) == 4
        assert await links.forget_failures(session, phone="+84911000002") == 3
    await engine.dispose()
