"""Clubs on SQLite and PostgreSQL: members added once whatever the repeats, joining by code with wrong
codes counted, the report's figures per club (grouped, the ward's clubs in a ward scope), and matching
that asks only club members when a call-out puts clubs first."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.figures import Scope
from models import callout_matching, clubs, erasure
from models.clubs import Joined
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import Club, ClubJoinFailure, ClubMember, Donation, Donor
from tests.integration.test_callouts import DAY, NOW, add_donor, criteria

Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Factory]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def _club(session: AsyncSession, name: str, ward: str | None = "Tam Lưu") -> Club:
    return await clubs.create(session, name=name, kind="club", ward=ward, key=None, actor="cli:test", now=NOW)


async def test_members_are_added_once_and_codes_join(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        club = await _club(session, "CLB Hiến máu Tam Lưu")
        same = await _club(session, "CLB Hiến máu Tam Lưu")
        assert (club.key, same.key) == ("clb-hien-mau-tam-luu", "clb-hien-mau-tam-luu-2")
        a, b = await add_donor(session, "A"), await add_donor(session, "B")
        assert await clubs.add_members(session, club.id, [a, b, a], source="import", now=NOW) == 2
        assert await clubs.add_members(session, club.id, [a, b], source="import", now=NOW) == 0
        c = await add_donor(session, "C")
        done = await clubs.join(
            session, code=club.join_code, donor_id=c, platform="telegram", user_id="3", now=NOW
        )
        assert done.outcome is Joined.JOINED and done.club is not None and done.club.id == club.id
        again = await clubs.join(
            session, code=club.join_code, donor_id=c, platform="telegram", user_id="3", now=NOW
        )
        assert again.outcome is Joined.ALREADY
        wrong = await clubs.join(
            session, code="CLBZZZZZZ", donor_id=c, platform="telegram", user_id="3", now=NOW
        )
        assert wrong.outcome is Joined.UNKNOWN
        assert await session.scalar(select(func.count()).select_from(ClubJoinFailure)) == 1
        assert [x.members for x in await clubs.listed(session)] == [3, 0]


async def test_club_figures_are_grouped_and_follow_the_scope(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        tam_luu = await _club(session, "CLB Tam Lưu")
        other = await _club(session, "CLB Nhị Chiểu", ward="Nhị Chiểu")
        a = await add_donor(session, "A", last_donation_on=date(2026, 3, 1))
        b = await add_donor(session, "B", blood_abo="A", blood_rh="-")
        c = await add_donor(session, "C", is_reserve=False)
        session.add_all(
            [
                Donation(donor_id=a, donated_on=date(2026, 3, 1), volume_ml=350),
                Donation(donor_id=a, donated_on=date(2025, 3, 1), volume_ml=350),  # another year
            ]
        )
        await clubs.add_members(session, tam_luu.id, [a, b, c], source="import", now=NOW)
        await clubs.add_members(session, other.id, [a], source="import", now=NOW)
        lines = {line.key: line for line in await clubs.figures(session, scope=Scope.area(), year=2026)}
        assert lines["clb-tam-luu"].members == 3 and lines["clb-tam-luu"].donations == 1
        assert lines["clb-tam-luu"].reserve_by_group == (("O+", 1), ("A-", 1))
        assert lines["clb-nhi-chieu"].members == 1
        ward = await clubs.figures(session, scope=Scope.ward("Tam Lưu"), year=2026)
        assert [line.key for line in ward] == ["clb-tam-luu"]
        assert await clubs.figures(session, scope=Scope.organisation("Trường"), year=2026) == []

        # erasure takes the memberships with the donor; the club stays
        donor = await session.get(Donor, a)
        assert donor is not None
        await erasure.erase(session, donor, today=DAY)
        assert await session.scalar(select(func.count()).select_from(ClubMember)) == 2


async def test_clubs_first_matches_only_members(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        first, second = await _club(session, "CLB Một"), await _club(session, "CLB Hai")
        member = await add_donor(session, "Member")
        other_member = await add_donor(session, "Other member")
        outsider = await add_donor(session, "Outsider")
        not_reserve = await add_donor(session, "Not reserve", is_reserve=False)
        await clubs.add_members(session, first.id, [member, not_reserve], source="import", now=NOW)
        await clubs.add_members(session, second.id, [other_member], source="import", now=NOW)
        everyone = criteria()
        assert {c.donor_id for c in await callout_matching.match(session, everyone)} == {
            member,
            other_member,
            outsider,
        }
        any_club = dataclasses.replace(everyone, clubs=())
        found = await callout_matching.match(session, any_club, limit=5)
        assert {c.donor_id for c in found} == {member, other_member}
        chosen = dataclasses.replace(everyone, clubs=(first.id,))
        assert [c.donor_id for c in await callout_matching.match(session, chosen)] == [member]
        assert sum((await callout_matching.preview(session, chosen)).values()) == 1
        assert sum((await callout_matching.preview(session, any_club)).values()) == 2
