"""The one loader of a donor's facts, and call-out matching in SQL agreeing with `domain.decision`, on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import load_settings
from domain.decision import Planned, Source, decide, may_call
from domain.rules import DonationKind
from domain.rules_file import load_rules
from models import callout_criteria, callout_matching, donor_facts
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import (
    Callout,
    CalloutRecipient,
    Campaign,
    ChannelAccount,
    Donation,
    Donor,
    DriveDay,
    Signup,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Kinh Môn
DAY = date(2026, 11, 23)
RULES = load_rules(load_settings(environ={}).knowledge.rules)
Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Factory]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


class World:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.n = 0
        self.campaign: Campaign | None = None

    async def donor(self, **changes: Any) -> int:
        self.n += 1
        values: dict[str, Any] = {
            "full_name": f"Người {self.n}",
            "phone": f"+849130{self.n:05d}",
            "date_of_birth": date(1990, 1, 1),
            "sex": "female",
            "blood_abo": "O",
            "blood_rh": "+",
            "weight_kg": 55.0,
            "ward": "Tam Lưu",
            "is_reserve": True,
            "language": "vi",
            "consent_at": NOW - timedelta(days=100),
        }
        values.update(changes)
        donor = Donor(**values)
        self.session.add(donor)
        await self.session.flush()
        self.session.add(
            ChannelAccount(
                platform="telegram", user_id=f"f{donor.id}", chat_id=f"f{donor.id}", donor_id=donor.id
            )
        )
        await self.session.flush()
        return donor.id

    async def drive(self, day: date, start: time, end: time, *, status: str = "scheduled") -> int:
        if self.campaign is None:
            self.campaign = Campaign(key="facts", name="Thử", year=2026)
            self.session.add(self.campaign)
            await self.session.flush()
        self.n += 1
        row = DriveDay(
            campaign_id=self.campaign.id,
            key=f"s{self.n}",
            day=day,
            start_time=start,
            end_time=end,
            place_name=f"Điểm {self.n}",
            capacity=10,
            status=status,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def book(self, donor_id: int, drive_day_id: int, *, status: str = "active") -> int:
        self.n += 1
        row = Signup(
            drive_day_id=drive_day_id,
            donor_id=donor_id,
            slot_start=time(7, 0),
            code=f"C{self.n:05d}",
            status=status,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def accepted(self, donor_id: int, *, at: datetime, component: str = "whole_blood") -> int:
        callout = Callout(
            groups=["O+"],
            component=component,
            units_needed=1,
            place="BV",
            deadline=at,
            status="filled",
            waves_sent=1,
            created_at=at,
        )
        self.session.add(callout)
        await self.session.flush()
        account = await self.session.scalar(
            select(ChannelAccount.id).where(ChannelAccount.donor_id == donor_id)
        )
        assert account is not None
        self.session.add(
            CalloutRecipient(
                callout_id=callout.id,
                donor_id=donor_id,
                account_id=account,
                wave=1,
                status="accepted",
                messaged_at=at,
                answered_at=at,
            )
        )
        await self.session.flush()
        return callout.id


async def test_the_loader_reads_the_last_donation_bookings_and_accepted_call_outs(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        world = World(session)
        donor = await world.donor(eligible_from=date(2027, 1, 5), away_until=date(2026, 11, 30))
        same_day = date(2026, 6, 1)
        session.add_all(
            [
                Donation(donor_id=donor, donated_on=same_day, kind="apheresis_platelets"),
                Donation(donor_id=donor, donated_on=same_day, self_reported=True),
                Donation(donor_id=donor, donated_on=date(2026, 1, 1), kind="whole_blood"),
            ]
        )
        over_today = await world.drive(DAY, time(7, 0), time(9, 0))
        later_today = await world.drive(DAY, time(7, 0), time(16, 0))
        next_week = await world.drive(DAY + timedelta(days=7), time(7, 0), time(11, 0))
        cancelled = await world.drive(DAY + timedelta(days=8), time(7, 0), time(11, 0), status="cancelled")
        await world.book(donor, over_today)  # a no-show: that session is over
        checked_in = await world.book(donor, later_today, status="checked_in")
        coming = await world.book(donor, next_week)
        await world.book(donor, cancelled)
        gone = await world.drive(DAY + timedelta(days=9), time(7, 0), time(11, 0))
        await world.book(donor, gone, status="cancelled")
        yesterday_evening = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # 23:30 local on the 22nd
        emergency = await world.accepted(donor, at=yesterday_evening, component="platelets")
        await world.accepted(donor, at=NOW - timedelta(days=400))  # too long ago to matter
    async with sessions() as session:
        facts = (await donor_facts.facts_by_id(session, [donor, 999], now=NOW, tz=TZ))[donor]
    person = facts.person
    # The same day twice: the longer interval (the self-report, kind unknown = whole blood) counts.
    assert (person.last_donation_on, person.last_donation_kind) == (same_day, None)
    assert (facts.eligible_from, facts.away_until) == (date(2027, 1, 5), date(2026, 11, 30))
    assert [(p.source, p.ref, p.day, p.kind) for p in facts.planned] == [
        (Source.CALLOUT, emergency, date(2026, 11, 22), DonationKind.PLATELETS),  # the local day
        (Source.BOOKING, checked_in, DAY, DonationKind.WHOLE_BLOOD),
        (Source.BOOKING, coming, DAY + timedelta(days=7), DonationKind.WHOLE_BLOOD),
    ]
    booked: Planned = facts.planned[2]
    assert booked.drive_day_id == next_week and booked.place.startswith("Điểm")


async def test_call_out_matching_agrees_with_the_decision(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        world = World(session)
        ids: dict[str, int] = {}
        ids["free"] = await world.donor()
        ids["booked_this_afternoon"] = await world.donor()
        ids["booked_this_morning_over"] = await world.donor()
        ids["booked_next_week"] = await world.donor()
        ids["checked_in_today"] = await world.donor()
        ids["accepted_yesterday"] = await world.donor()
        ids["accepted_platelets_15_days_ago"] = await world.donor()
        ids["accepted_platelets_10_days_ago"] = await world.donor()
        ids["accepted_84_days_ago"] = await world.donor()
        ids["accepted_83_days_ago"] = await world.donor()
        afternoon = await world.drive(DAY, time(13, 0), time(16, 0))
        morning = await world.drive(DAY, time(7, 0), time(9, 30))
        later = await world.drive(DAY + timedelta(days=7), time(7, 0), time(11, 0))
        await world.book(ids["booked_this_afternoon"], afternoon)
        await world.book(ids["booked_this_morning_over"], morning)
        await world.book(ids["booked_next_week"], later)
        await world.book(ids["checked_in_today"], morning, status="checked_in")
        await world.accepted(ids["accepted_yesterday"], at=NOW - timedelta(days=1))
        await world.accepted(
            ids["accepted_platelets_15_days_ago"], at=NOW - timedelta(days=15), component="platelets"
        )
        await world.accepted(
            ids["accepted_platelets_10_days_ago"], at=NOW - timedelta(days=10), component="platelets"
        )
        await world.accepted(ids["accepted_84_days_ago"], at=NOW - timedelta(days=84))
        await world.accepted(ids["accepted_83_days_ago"], at=NOW - timedelta(days=83))
    names = {v: k for k, v in ids.items()}
    for wave in (1, 2):
        crit = callout_criteria.criteria_for(
            RULES,
            needed=["O+"],
            component="whole_blood",
            table=None,
            wards=None,
            ward_order=("Tam Lưu",),
            day=DAY,
            max_calls_30d=3,
            now=NOW,
            tz=TZ,
            skip_booked=wave == 1,
        )
        async with sessions() as session:
            matched = {c.donor_id for c in await callout_matching.match(session, crit)}
            facts = await donor_facts.facts_by_id(session, ids.values(), now=NOW, tz=TZ)
        decided = {
            donor
            for donor, known in facts.items()
            if may_call(decide(known, on=DAY, rules=RULES), today=DAY, wave=wave)
        }
        assert {names[d] for d in matched} == {names[d] for d in decided}, wave
        expected = {
            "free",
            "booked_this_morning_over",
            "booked_next_week",
            "accepted_platelets_15_days_ago",
            "accepted_84_days_ago",
        }
        if wave > 1:
            expected |= {"booked_this_afternoon", "checked_in_today"}
        assert {names[d] for d in matched} == expected, wave
