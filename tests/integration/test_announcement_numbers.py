"""Announcements are numbered 1, 2, 3… in a sequence of their own, whatever else the audit log records; the
migration keeps the numbers of announcements made before it (their outbox batches name them)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import announcements, audit, organisers
from models.announcements import Audience
from models.db import create_engine, session_factory, upgrade_database, upgrade_database_async
from models.tables import AuditEntry
from tests.integration.test_models_contract import new_donor

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def test_numbers_do_not_skip_when_other_actions_are_audited(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            from models import donors

            await donors.register(
                session, new_donor(), platform="telegram", user_id="1", chat_id="1", now=NOW
            )
            first = await announcements.create(
                session, text="Một", audience=Audience(), actor="cli:lan", now=NOW
            )
            for n in range(5):  # organisers change drives, grant roles…: the audit log grows meanwhile
                await organisers.grant(
                    session,
                    platform="telegram",
                    user_id=str(100 + n),
                    role="organiser",
                    unit=None,
                    actor="cli:lan",
                    now=NOW,
                )
            second = await announcements.create(
                session, text="Hai", audience=Audience(), actor="cli:lan", now=NOW
            )
        assert (first.id, second.id) == (1, 2)
        async with session_factory(engine)() as session:
            found = await announcements.find(session, 2)
            assert found is not None and (found.queued, found.batch) == (1, "announcement:2")
            targets = (
                await session.scalars(
                    select(AuditEntry.target).where(AuditEntry.action == announcements.ACTION)
                )
            ).all()
            assert list(targets) == ["announcement:1", "announcement:2"]
            assert await announcements.find(session, 3) is None
    finally:
        await engine.dispose()


@pytest.mark.unmigrated
async def test_the_migration_keeps_the_numbers_of_earlier_announcements(database_url: str) -> None:
    await asyncio.to_thread(upgrade_database, database_url, "0011")
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for n in range(6):
                await audit.record(session, actor="cli:lan", action="drive.add", target=f"s:{n}", now=NOW)
            await audit.record(  # how 0011 stored announcement #7
                session,
                actor="telegram:42",
                action="announcement.create",
                details={
                    "audience": "wards",
                    "wards": ["Tam Lưu"],
                    "reserve_only": False,
                    "batch": "announcement:7",
                    "donors": 3,
                    "queued": 4,
                },
                now=NOW,
            )
        await engine.dispose()
        await upgrade_database_async(database_url)
        engine = create_engine(database_url)
        async with session_factory(engine)() as session, session.begin():
            old = await announcements.find(session, 7)
            assert old is not None
            assert (old.actor, old.audience, old.donors, old.queued) == (
                "telegram:42",
                Audience(wards=("Tam Lưu",)),
                3,
                4,
            )
            assert await announcements.latest(session, actor="telegram:42") == old
            new = await announcements.create(
                session, text="Tiếp", audience=Audience(), actor="cli:lan", now=NOW
            )
        assert new.id == 8
    finally:
        await engine.dispose()
