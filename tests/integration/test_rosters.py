"""models.rosters on SQLite and PostgreSQL: who is listed, the first-time mark, scopes and no-shows.

The data, by hand (drive day D on 01/03/2026, 07:00–11:00, held in Tam Lưu; now 02/03/2026):

  donor  ward       organisation    before D                       at D                     listed?
  A      Tam Lưu    Trường THPT KM  nothing; donated at D itself   07:00 donated            first time
  B      Tam Lưu    -               self-reported 01/05/2025       07:00 active, never came  no-show
  C      Nhị Chiểu  Trường THPT KM  earlier_donations 0            07:30 active, checked in first time
  E      Tam Lưu    -               -                              07:30 cancelled          not listed
  (erased)                                                       07:30 donated            not listed
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.figures import Scope
from models import rosters
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import Campaign, Donation, Donor, DriveDay, Signup

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AFTER = datetime(2026, 3, 2, tzinfo=UTC)
DURING = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 09:00 on the day
SCHOOL = "Trường THPT KM"


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[tuple[AsyncSession, int]]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            campaign = Campaign(key="c", name="Thử", year=2026)
            session.add(campaign)
            await session.flush()
            day = DriveDay(
                campaign_id=campaign.id,
                key="d",
                day=date(2026, 3, 1),
                start_time=time(7),
                end_time=time(11),
                place_name="Nhà văn hoá",
                ward="Tam Lưu",
                capacity=10,
            )
            session.add(day)
            ids = {}
            for name, ward, organisation, earlier in (
                ("A", "Tam Lưu", SCHOOL, None),
                ("B", "Tam Lưu", None, None),
                ("C", "Nhị Chiểu", SCHOOL, 0),
                ("E", "Tam Lưu", None, None),
            ):
                donor = Donor(
                    full_name=name,
                    phone=f"+8491200{len(ids):04d}",
                    date_of_birth=date(1990, 1, 1),
                    sex="male",
                    ward=ward,
                    organisation=organisation,
                    earlier_donations=earlier,
                    consent_at=AFTER,
                )
                session.add(donor)
                await session.flush()
                ids[name] = donor.id
            session.add_all(
                [
                    Donation(
                        donor_id=ids["A"], donated_on=date(2026, 3, 1), volume_ml=350, drive_day_id=day.id
                    ),
                    Donation(donor_id=ids["B"], donated_on=date(2025, 5, 1), self_reported=True),
                    Signup(drive_day_id=day.id, donor_id=ids["A"], slot_start=time(7), status="donated"),
                    Signup(drive_day_id=day.id, donor_id=ids["B"], slot_start=time(7)),
                    Signup(
                        drive_day_id=day.id,
                        donor_id=ids["C"],
                        slot_start=time(7, 30),
                        checked_in_at=datetime(2026, 3, 1, 0, 40, tzinfo=UTC),
                    ),
                    Signup(
                        drive_day_id=day.id, donor_id=ids["E"], slot_start=time(7, 30), status="cancelled"
                    ),
                    Signup(drive_day_id=day.id, donor_id=None, slot_start=time(7, 30), status="donated"),
                ]
            )
            await session.flush()
            yield session, day.id
    finally:
        await engine.dispose()


async def test_the_roster_lists_every_sign_up_but_the_cancelled_and_the_erased(
    seeded: tuple[AsyncSession, int],
) -> None:
    session, day = seeded
    roster = await rosters.load(session, day, scope=Scope.area(), now=AFTER, tz=TZ)
    assert isinstance(roster, rosters.Roster)
    assert [(r.name, r.slot, r.first_time, r.status) for r in roster.rows] == [
        ("A", time(7), True, "donated"),  # the donation at D itself is not "before"
        ("B", time(7), False, "active"),  # a self-reported donation before
        ("C", time(7, 30), True, "active"),  # earlier_donations 0 is none
    ]
    assert roster.rows[0].phone == "0912 000 000"
    assert roster.checked_in == 2 and roster.per_slot() == [(time(7), 2, 1), (time(7, 30), 1, 1)]
    assert roster.over


async def test_no_shows_are_active_and_never_checked_in_once_the_day_is_over(
    seeded: tuple[AsyncSession, int],
) -> None:
    session, day = seeded
    early = await rosters.load(session, day, scope=Scope.area(), now=DURING, tz=TZ, no_shows=True)
    assert early is rosters.Refusal.NOT_OVER
    late = await rosters.load(session, day, scope=Scope.area(), now=AFTER, tz=TZ, no_shows=True)
    assert isinstance(late, rosters.Roster)
    assert [r.name for r in late.rows] == ["B"]


async def test_scopes(seeded: tuple[AsyncSession, int]) -> None:
    session, day = seeded

    async def names(scope: Scope) -> list[str] | rosters.Refusal:
        found = await rosters.load(session, day, scope=scope, now=AFTER, tz=TZ)
        return found if isinstance(found, rosters.Refusal) else [r.name for r in found.rows]

    assert await names(Scope.ward("Tam Lưu")) == ["A", "B"]  # held in their ward
    assert await names(Scope.ward("Nhị Chiểu")) == ["C"]  # held elsewhere, C of theirs booked
    assert await names(Scope.ward("Bắc An Phụ")) is rosters.Refusal.OUT_OF_SCOPE
    assert await names(Scope.organisation(SCHOOL)) == ["A", "C"]
    assert await names(Scope.organisation("Công ty May 10")) is rosters.Refusal.OUT_OF_SCOPE
    unknown = await rosters.load(session, day + 100, scope=Scope.area(), now=AFTER, tz=TZ)
    assert unknown is rosters.Refusal.UNKNOWN


async def test_a_roster_read_again_shows_every_change_since_and_the_same_rows_when_none(
    seeded: tuple[AsyncSession, int],
) -> None:
    """The roster's rows are converted again only when the database's differ (`models.rosters._rows`): a
    check-in, a renamed donor or an erased one shows at the next read, on either backend."""
    session, day = seeded
    first = await rosters.load(session, day, scope=Scope.area(), now=AFTER, tz=TZ)
    again = await rosters.load(session, day, scope=Scope.area(), now=AFTER, tz=TZ)
    assert isinstance(first, rosters.Roster) and isinstance(again, rosters.Roster)
    assert again.rows is first.rows  # nothing changed: the rows of the first read
    assert first.rows[2].checked_in_at == datetime(2026, 3, 1, 0, 40, tzinfo=UTC)  # aware, UTC

    listed = select(Signup, Donor).join(Donor, Donor.id == Signup.donor_id).where(Signup.drive_day_id == day)
    by_name = {donor.full_name: (signup, donor) for signup, donor in (await session.execute(listed)).all()}
    by_name["B"][0].checked_in_at = datetime(2026, 3, 1, 0, 5, tzinfo=UTC)
    by_name["A"][1].full_name = "An"
    by_name["C"][0].donor_id = None  # as erasure leaves a sign-up
    await session.flush()
    changed = await rosters.load(session, day, scope=Scope.area(), now=AFTER, tz=TZ)
    assert isinstance(changed, rosters.Roster)
    assert [(r.name, r.checked_in_at) for r in changed.rows] == [
        ("An", None),
        ("B", datetime(2026, 3, 1, 0, 5, tzinfo=UTC)),
    ]
