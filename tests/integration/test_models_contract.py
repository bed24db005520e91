"""Models and migrations, the same cases on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import accounts, conversations, donor_export, donors, erasure
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import Base, ChannelAccount, Conversation, Donation, Donor, Organiser

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def new_donor(phone: str = "+84912345678", **changes: object) -> donors.NewDonor:
    values: dict[str, object] = {
        "full_name": "Nguyễn Thị Lan",
        "phone": phone,
        "date_of_birth": date(1995, 8, 3),
        "sex": "female",
        "blood_abo": "O",
        "blood_rh": "+",
        "weight_kg": 52.5,
        "ward": "Tam Lưu",
        "organisation": None,
        "is_reserve": True,
        "language": "vi",
        "last_donation_on": date(2026, 6, 15),
    }
    values.update(changes)
    return donors.NewDonor(**values)  # type: ignore[arg-type]


@pytest.fixture
async def sessions(database_url: str):  # type: ignore[no-untyped-def]
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def test_migrations_match_the_models(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == []


async def test_register_export_and_erase(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        donor = await donors.register(
            session, new_donor(), platform="telegram", user_id="1", chat_id="1", now=NOW
        )
        donor_id = donor.id
        organiser_account = ChannelAccount(platform="telegram", user_id="2", chat_id="2")
        session.add(organiser_account)
        await session.flush()
        session.add(Organiser(account_id=organiser_account.id, role="organiser"))
        await accounts.link(session, donor=donor, platform="telegram", user_id="2", chat_id="2", now=NOW)
    async with sessions() as session:
        account = await accounts.account_for(session, platform="telegram", user_id="1")
        assert account is not None and account.donor is not None
        assert account.donor.consent_at == NOW  # aware UTC back from both backends
        exported = await donor_export.export(session, account.donor)
        assert exported["blood_group"] == {"abo": "O", "rh": "+", "confirmed_by_lab_on": None}
        assert [a["user_id"] for a in exported["chat_accounts"]] == ["1", "2"]
    async with sessions() as session, session.begin():
        donor = await session.get(Donor, donor_id)
        assert donor is not None
        await erasure.erase(session, donor, today=NOW.date())
    async with sessions() as session:
        assert await erasure.count_rows_for(session, donor_id) == 0
        assert (await session.scalars(select(Donation))).all() == []
        kept = (await session.scalars(select(ChannelAccount))).all()
        assert [(a.user_id, a.donor_id) for a in kept] == [("2", None)], "organiser role stays"


async def test_a_phone_is_unique(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        await donors.register(session, new_donor(), platform="telegram", user_id="1", chat_id="1", now=NOW)
    with pytest.raises(donors.PhoneTaken):
        async with sessions() as session, session.begin():
            await donors.register(session, new_donor(), platform="zalo", user_id="9", chat_id="9", now=NOW)


async def test_constraints_refuse_impossible_values(sessions) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await donors.register(
                session,
                new_donor(blood_abo="C"),
                platform="telegram",
                user_id="1",
                chat_id="1",
                now=NOW,
            )


async def test_conversation_state_round_trips_and_expires(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        await conversations.save(
            session,
            platform="telegram",
            chat_id="7",
            flow="registration",
            step="phone",
            data={"full_name": "Lê Văn Tám", "date_of_birth": "1990-01-01"},
            language="vi",
            now=NOW - timedelta(days=8),
        )
    async with sessions() as session:
        row = await conversations.load(session, platform="telegram", chat_id="7")
        assert row is not None and row.step == "phone" and row.data["full_name"] == "Lê Văn Tám"
    async with sessions() as session, session.begin():
        assert await conversations.expire(session, before=NOW - timedelta(days=7)) == 1
    async with sessions() as session:
        assert (await session.scalars(select(Conversation))).all() == []


async def test_concurrent_writers_queue_instead_of_failing(sessions) -> None:  # type: ignore[no-untyped-def]
    async def register(n: int) -> None:
        async with sessions() as session, session.begin():
            existing = await donors.donor_by_phone(session, f"+8491200{n:04d}")
            assert existing is None
            await donors.register(
                session,
                new_donor(phone=f"+8491200{n:04d}"),
                platform="telegram",
                user_id=str(n),
                chat_id=str(n),
                now=NOW,
            )

    await asyncio.gather(*(register(n) for n in range(25)))
    async with sessions() as session:
        assert len((await session.scalars(select(Donor))).all()) == 25
