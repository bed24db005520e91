"""Invite codes on SQLite and PostgreSQL: a code taken by one of two chats sending it at once, the
lock window counted exactly, and expiry at the stored instant."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from domain.figures import Scope
from models import invites
from models.db import create_engine, session_factory, upgrade_database_async
from models.invites import Outcome
from models.tables import Organiser

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def test_two_chats_sending_one_code_at_once_make_one_organiser(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            _, code = await invites.create(
                session, role="organiser", unit=None, scope=Scope.area(), hours=24, actor="cli:t", now=NOW
            )

        async def send(user_id: str) -> Outcome:
            async with sessions() as session, session.begin():
                done = await invites.redeem(
                    session, code=code, platform="telegram", user_id=user_id, chat_id=user_id, now=NOW
                )
                return done.outcome

        outcomes = await asyncio.gather(*(send(str(100 + n)) for n in range(4)))
        assert sorted(outcomes) == sorted([Outcome.GRANTED, Outcome.USED, Outcome.USED, Outcome.USED])
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Organiser)) == 1
    finally:
        await engine.dispose()


async def test_the_lock_counts_five_wrong_codes_within_an_hour(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    async def send(code: str, at: datetime, user: str = "7") -> invites.Redeemed:
        async with sessions() as session, session.begin():
            return await invites.redeem(
                session, code=code, platform="zalo", user_id=user, chat_id=user, now=at
            )

    try:
        async with sessions() as session, session.begin():
            _, code = await invites.create(
                session, role="admin", unit=None, scope=Scope.area(), hours=3, actor="cli:t", now=NOW
            )
        # Five wrong codes over 61 minutes: never five within an hour, so no lock.
        for minutes in (0, 15, 30, 45, 61):
            assert (await send("WRONG234", NOW + timedelta(minutes=minutes))).locked_until is None
        # The sixth at 01:02 makes five within an hour (00:15 … 01:02): locked until 02:02.
        sixth = await send("WRONG234", NOW + timedelta(minutes=62))
        assert (sixth.outcome, sixth.locked_until) == (Outcome.UNKNOWN, NOW + timedelta(minutes=122))
        refused = await send(code, NOW + timedelta(minutes=121))
        assert (refused.outcome, refused.locked_until) == (Outcome.LOCKED, NOW + timedelta(minutes=122))
        assert (await send(code, NOW + timedelta(minutes=122))).outcome is Outcome.GRANTED
        # Retention: the hourly job forgets wrong codes two hours old (they can lock no one any more).
        async with sessions() as session, session.begin():
            assert timedelta(hours=2) == invites.RETENTION
            forgotten = await invites.forget_failures(session, before=NOW + timedelta(minutes=45))
            assert forgotten == 3  # 00:00, 00:15, 00:30
            left = await invites.failures_of(session, [("zalo", "7")])
            assert left == [NOW + timedelta(minutes=m) for m in (45, 61, 62)]
    finally:
        await engine.dispose()


async def test_a_code_expires_at_its_hour(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            _, code = await invites.create(
                session, role="organiser", unit=None, scope=Scope.area(), hours=24, actor="cli:t", now=NOW
            )
        async with sessions() as session, session.begin():
            late = await invites.redeem(
                session,
                code=code,
                platform="telegram",
                user_id="1",
                chat_id="1",
                now=NOW + timedelta(hours=24),
            )
            assert late.outcome is Outcome.EXPIRED
            assert await invites.pending(session, now=NOW + timedelta(hours=24)) == []
            assert len(await invites.pending(session, now=NOW + timedelta(hours=23, minutes=59))) == 1
    finally:
        await engine.dispose()
