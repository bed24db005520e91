"""Planning scheduled pushes on SQLite and PostgreSQL: reminders at the configured times (in UTC), quiet
hours, opt-out, cancelled sessions, downtime, expiry, ward invitations, nudges, follow-ups, the jobs."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bootstrap import build_app
from core.config import ConfigError, ReminderOffset, Settings, load_settings
from core.i18n import Catalogs
from domain import plan_file
from models import (
    accounts,
    checkin,
    conversations,
    donors,
    drive_day_changes,
    outbox,
    outbox_claims,
    plan_import,
    signups,
)
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import Donor, DriveDay, Outbox, Signup
from scheduler import jobs
from scheduler.planner import (
    Planner,
    plan_drive_day_reminders,
    plan_eligible_again_nudges,
    plan_followups,
    plan_ward_reminders,
    reminder_schedule,
)
from tests.helpers import FixedClock, make_settings, shared_knowledge

Factory = async_sessionmaker[AsyncSession]
SIGNED_UP_AT = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam, two weeks before
CATALOGS = Catalogs()
LEASE = timedelta(seconds=60)
PHONES = itertools.count(1)

PLAN = """
[campaign]
key = "test-reminders"
name = "Ngày hội thử"
year = 2020

[[sessions]]
key = "tl-1"
round = 1
date = 2020-08-03
start = "07:00"
end = "11:30"
place = "Nhà văn hóa Tam Lưu"
address = "Số 1 đường Tam Lưu"
ward = "Tam Lưu"
capacity = 50

[[sessions]]
key = "nc-1"
round = 1
date = 2020-08-04
start = "08:00"
end = "11:00"
place = "Nhà văn hóa Nhị Chiểu"
ward = "Nhị Chiểu"
capacity = 50

[[sessions]]
key = "tl-2"
round = 1
date = 2020-08-05
start = "07:00"
end = "11:30"
place = "Trường tiểu học Tam Lưu"
ward = "Tam Lưu"
capacity = 50

[[sessions]]
key = "edu"
round = 2
date = 2020-09-10
start = "07:00"
end = "11:30"
place = "Trường THPT Kinh Môn"
ward = "Tam Lưu"
audience = "education"
capacity = 50
"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class World:
    sessions: Factory
    settings: Settings
    ids: dict[str, int]

    def with_reminders(self, **values: Any) -> World:
        reminders = self.settings.reminders.model_copy(update=values)
        return World(self.sessions, self.settings.model_copy(update={"reminders": reminders}), self.ids)

    async def plan(self, planner: Planner, now: datetime) -> int:
        async with self.sessions() as session, session.begin():
            return await planner(
                session,
                catalogs=CATALOGS,
                settings=self.settings,
                rules=shared_knowledge().rules,
                now=now,
            )

    async def donor(
        self,
        *,
        ward: str = "Tam Lưu",
        language: str = "vi",
        last_donation: date | None = None,
        **changes: Any,
    ) -> int:
        n = next(PHONES)
        async with self.sessions() as session, session.begin():
            donor = await donors.register(
                session,
                donors.NewDonor(
                    full_name=f"Người hiến {n}",
                    phone=f"+849130{n:05d}",
                    date_of_birth=date(1990, 1, 1),
                    sex="female",
                    blood_abo="O",
                    blood_rh="+",
                    weight_kg=55.0,
                    ward=ward,
                    organisation=None,
                    is_reserve=False,
                    language=language,
                    last_donation_on=last_donation,
                ),
                platform="telegram",
                user_id=str(5000 + n),
                chat_id=str(5000 + n),
                now=SIGNED_UP_AT,
            )
            for name, value in changes.items():
                setattr(donor, name, value)
            return donor.id

    async def sign_up(
        self, key: str, donor_id: int, at: time = time(7, 30), *, now: datetime = SIGNED_UP_AT
    ) -> Signup:
        async with self.sessions() as session, session.begin():
            signup = await signups.take_slot(
                session,
                drive_day_id=self.ids[key],
                donor_id=donor_id,
                slot_start=at,
                now=now,
                tz=ZoneInfo("Asia/Ho_Chi_Minh"),
            )
            assert isinstance(signup, Signup), signup
            return signup

    async def rows(self, prefix: str = "") -> list[Outbox]:
        async with self.sessions() as session:
            query = select(Outbox).where(Outbox.key.startswith(prefix)).order_by(Outbox.due_at, Outbox.id)
            return list((await session.scalars(query)).all())


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    factory = session_factory(engine)
    plan_path = tmp_path / "plan.toml"
    plan_path.write_text(PLAN, encoding="utf-8")
    async with factory() as session, session.begin():
        await plan_import.import_plan(session, plan_file.load_plan(plan_path), actor="test", now=SIGNED_UP_AT)
    async with factory() as session:
        ids = dict((await session.execute(select(DriveDay.key, DriveDay.id))).tuples().all())
    yield World(factory, make_settings(tmp_path, database_url=database_url), ids)
    await engine.dispose()


# --------------------------------------------------------------------------------------------- reminders

# Session tl-1: Monday 3 August 2020, 07:00 in Vietnam = 00:00 UTC.
THREE_DAYS = utc(2020, 7, 31, 12, 0)  # Friday 19:00
EVENING_BEFORE = utc(2020, 8, 2, 12, 0)  # Sunday 19:00
MORNING = utc(2020, 8, 2, 23, 30)  # Monday 06:30
START = utc(2020, 8, 3, 0, 0)


async def test_the_three_offsets_are_due_at_the_configured_local_times(world: World) -> None:
    schedule = reminder_schedule(
        day=date(2020, 8, 3), start_time=time(7, 0), settings=world.settings, now=SIGNED_UP_AT
    )
    assert [(p.offset_index, p.due_at, p.expires_at) for p in schedule] == [
        (0, THREE_DAYS, EVENING_BEFORE),  # each expires when the next one is due
        (1, EVENING_BEFORE, MORNING),
        (2, MORNING, START),  # 06:30 is quiet, but 07:00 would be the start: the morning's own time
    ]
    donor = await world.donor()
    signup = await world.sign_up("tl-1", donor, time(8, 0))
    # Just in time: nothing is queued two weeks ahead.
    assert await world.plan(plan_drive_day_reminders, SIGNED_UP_AT) == 0
    for due in (THREE_DAYS, EVENING_BEFORE, MORNING):
        assert await world.plan(plan_drive_day_reminders, due - timedelta(minutes=15)) == 1
    rows = await world.rows("reminder:")
    assert [(r.due_at, r.expires_at, r.kind) for r in rows] == [
        (THREE_DAYS, EVENING_BEFORE, "reminder"),
        (EVENING_BEFORE, MORNING, "reminder"),
        (MORNING, START, "reminder"),
    ]
    drive_day_id = world.ids["tl-1"]
    assert [r.key.rsplit(":", 1)[0] for r in rows] == [
        f"reminder:{drive_day_id}:{donor}:{n}" for n in range(3)
    ]
    texts = [r.payload["text"] for r in rows]
    assert "còn 3 ngày nữa, Thứ Hai, 03/08/2020" in texts[0]
    assert "ngày mai" in texts[1] and "hôm nay" in texts[2]
    for text in texts:
        assert "Giờ hẹn của bạn: 08:00" in text and "Nhà văn hóa Tam Lưu" in text
        assert "Số 1 đường Tam Lưu" in text and signup.code in text
        assert "căn cước" in text and "ăn nhẹ" in text and "ngủ đủ giấc" in text
        assert "uống đủ nước" in text and "rượu bia" in text


async def test_planning_twice_creates_nothing_new(world: World) -> None:
    donor = await world.donor(language="en")
    await world.sign_up("tl-1", donor)
    assert await world.plan(plan_drive_day_reminders, EVENING_BEFORE - timedelta(minutes=5)) == 1
    assert await world.plan(plan_drive_day_reminders, EVENING_BEFORE - timedelta(minutes=5)) == 0
    assert await world.plan(plan_drive_day_reminders, EVENING_BEFORE + timedelta(minutes=5)) == 0
    (row,) = await world.rows("reminder:")
    assert "Blood drive reminder: tomorrow, Mon 3 Aug 2020" in row.payload["text"]


async def test_a_reminder_in_quiet_hours_waits_for_the_morning(world: World) -> None:
    late = world.with_reminders(offsets=(ReminderOffset(days_before=1, at=time(22, 0)),))
    # Nhị Chiểu starts at 08:00: 22:00 the evening before waits until 07:00.
    (planned,) = reminder_schedule(
        day=date(2020, 8, 4), start_time=time(8, 0), settings=late.settings, now=SIGNED_UP_AT
    )
    assert planned.due_at == utc(2020, 8, 4, 0, 0)  # 07:00 in Vietnam
    donor = await late.donor(ward="Nhị Chiểu")
    await late.sign_up("nc-1", donor, time(8, 0))
    assert await late.plan(plan_drive_day_reminders, utc(2020, 8, 3, 15, 0)) == 0  # 22:00: quiet
    assert await late.plan(plan_drive_day_reminders, utc(2020, 8, 3, 23, 50)) == 1
    (row,) = await late.rows("reminder:")
    assert row.due_at == utc(2020, 8, 4, 0, 0) and "hôm nay" in row.payload["text"]
    # Tam Lưu starts at 07:00, when the quiet hours end: a reminder at the start is useless, so none.
    assert (
        reminder_schedule(
            day=date(2020, 8, 3), start_time=time(7, 0), settings=late.settings, now=SIGNED_UP_AT
        )
        == []
    )


async def test_a_later_reminder_at_the_same_moment_replaces_an_earlier_one(world: World) -> None:
    both = world.with_reminders(
        offsets=(ReminderOffset(days_before=1, at=time(22, 0)), ReminderOffset(days_before=0, at=time(6, 0)))
    )
    schedule = reminder_schedule(
        day=date(2020, 8, 4), start_time=time(8, 0), settings=both.settings, now=SIGNED_UP_AT
    )
    # Both would come at 07:00: only the one of the day itself is sent.
    assert [(p.offset_index, p.due_at) for p in schedule] == [(1, utc(2020, 8, 4, 0, 0))]


async def test_no_reminders_for_donors_who_turned_them_off(world: World) -> None:
    quiet_donor = await world.donor(reminders_enabled=False)
    await world.sign_up("tl-1", quiet_donor)
    assert await world.plan(plan_drive_day_reminders, EVENING_BEFORE) == 0
    # Turned off after a reminder was queued: the next planning run cancels it.
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    assert await world.plan(plan_drive_day_reminders, MORNING - timedelta(minutes=10)) == 1
    async with world.sessions() as session, session.begin():
        row = await session.get(Donor, donor)
        assert row is not None
        row.reminders_enabled = False
    await world.plan(plan_drive_day_reminders, MORNING - timedelta(minutes=5))
    (queued,) = await world.rows("reminder:")
    assert queued.status == "cancelled"


async def test_nothing_for_a_cancelled_session_or_sign_up(world: World) -> None:
    first, second = await world.donor(), await world.donor()
    await world.sign_up("tl-1", first)
    signup = await world.sign_up("nc-1", second, time(8, 0))
    assert await world.plan(plan_drive_day_reminders, THREE_DAYS) == 1  # tl-1's three-day reminder
    async with world.sessions() as session, session.begin():
        await drive_day_changes.cancel_drive_day(
            session, drive_day_id=world.ids["tl-1"], actor="test", now=THREE_DAYS
        )
        await signups.cancel_signup(session, signup_id=signup.id, donor_id=second, now=THREE_DAYS)
    assert await world.plan(plan_drive_day_reminders, EVENING_BEFORE) == 0
    assert await world.plan(plan_drive_day_reminders, utc(2020, 8, 3, 12, 0)) == 0  # nc-1's evening
    assert await world.rows("reminder:") == [], "the queued one was withdrawn with the session"


async def test_after_downtime_the_latest_useful_reminder_comes_once(world: World) -> None:
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    # The bot was down from before the three-day reminder until Sunday 20:00.
    back = utc(2020, 8, 2, 13, 0)
    assert await world.plan(plan_drive_day_reminders, back) == 1
    assert await world.plan(plan_drive_day_reminders, back + timedelta(minutes=10)) == 0
    (row,) = await world.rows("reminder:")
    assert row.due_at == back and row.key.split(":")[3] == "1"  # the evening-before one, due now
    assert row.expires_at == MORNING
    assert "ngày mai" in row.payload["text"]


async def test_a_catch_up_in_quiet_hours_waits_or_gives_way(world: World) -> None:
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    # Back at 22:30 on Sunday: too late to wake anybody, and 07:00 is the start: the morning one comes.
    assert await world.plan(plan_drive_day_reminders, utc(2020, 8, 2, 15, 30)) == 0
    # Back at 04:00 on the day: nothing in the night (the evening reminder is not sent at 04:00).
    assert await world.plan(plan_drive_day_reminders, utc(2020, 8, 2, 21, 0)) == 0
    assert await world.plan(plan_drive_day_reminders, utc(2020, 8, 2, 23, 25)) == 1
    (row,) = await world.rows("reminder:")
    assert row.due_at == MORNING


async def test_after_the_start_nothing_is_planned_and_a_queued_reminder_expires(world: World) -> None:
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    assert await world.plan(plan_drive_day_reminders, START) == 0
    assert await world.plan(plan_drive_day_reminders, START + timedelta(hours=1)) == 0
    assert await world.plan(plan_drive_day_reminders, MORNING - timedelta(minutes=10)) == 1
    # The bot goes down before sending it and comes back after the start: dropped, not sent late.
    async with world.sessions() as session, session.begin():
        claimed = await outbox_claims.claim(session, now=START + timedelta(minutes=5), limit=10, lease=LEASE)
    assert claimed == []
    (row,) = await world.rows("reminder:")
    assert (row.status, row.last_error, row.attempts) == ("cancelled", "expired", 0)


async def test_a_stale_reminder_expires_when_the_next_one_is_due(world: World) -> None:
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    assert await world.plan(plan_drive_day_reminders, THREE_DAYS) == 1
    # Down from Friday 18:59 until Sunday 20:00: the three-day reminder is stale, the evening one is not.
    back = utc(2020, 8, 2, 13, 0)
    assert await world.plan(plan_drive_day_reminders, back) == 1
    async with world.sessions() as session, session.begin():
        claimed = await outbox_claims.claim(session, now=back, limit=10, lease=timedelta(seconds=60))
    assert [row.key.split(":")[3] for row in claimed] == ["1"]
    stale, _ = await world.rows("reminder:")
    assert (stale.status, stale.last_error) == ("cancelled", "expired")


async def test_a_late_reminder_gives_way_to_one_that_follows_soon(world: World) -> None:
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    # Back on Sunday at 17:00, two hours before the evening reminder: the three-day one is not sent late.
    assert await world.plan(plan_drive_day_reminders, utc(2020, 8, 2, 10, 0)) == 0
    assert await world.plan(plan_drive_day_reminders, EVENING_BEFORE - timedelta(minutes=10)) == 1
    (row,) = await world.rows("reminder:")
    assert row.due_at == EVENING_BEFORE


async def test_a_late_sign_up_gets_no_catch_up(world: World) -> None:
    donor = await world.donor()
    evening = utc(2020, 8, 2, 13, 0)  # Sunday 20:00: the confirmation said it all
    await world.sign_up("tl-1", donor, now=evening)
    assert await world.plan(plan_drive_day_reminders, evening + timedelta(minutes=5)) == 0
    assert await world.plan(plan_drive_day_reminders, MORNING - timedelta(minutes=5)) == 1


# --------------------------------------------------------------------------------------------- ward


async def test_ward_invitations_go_once_per_round_to_eligible_donors_only(world: World) -> None:
    invited = await world.donor(language="en")
    coming = await world.donor()
    await world.sign_up("tl-2", coming)  # signed up for another session of the round
    await world.donor(last_donation=date(2020, 6, 29))  # not yet eligible on 3 August
    await world.donor(reminders_enabled=False)
    await world.donor(date_of_birth=date(1950, 1, 1))  # over the age limit
    elsewhere = await world.donor(ward="Nhị Chiểu")
    # 5 days before tl-1 (3 August) at 19:00: Wednesday 29 July, 12:00 UTC.
    invite_time = utc(2020, 7, 29, 12, 0)
    assert await world.plan(plan_ward_reminders, invite_time - timedelta(hours=1)) == 0
    assert await world.plan(plan_ward_reminders, invite_time - timedelta(minutes=10)) == 1
    assert await world.plan(plan_ward_reminders, invite_time) == 0
    # tl-2's invitation day (31 July) is the same round: nothing new in Tam Lưu; Nhị Chiểu's day comes.
    assert await world.plan(plan_ward_reminders, utc(2020, 7, 30, 12, 0)) == 1  # nc-1 (4 August)
    assert await world.plan(plan_ward_reminders, utc(2020, 7, 31, 12, 0)) == 0
    rows = await world.rows("ward:")
    campaign_id = await _campaign_id(world)
    assert [r.key.rsplit(":", 1)[0] for r in rows] == [
        f"ward:{campaign_id}:1:{invited}",
        f"ward:{campaign_id}:1:{elsewhere}",
    ]
    first = rows[0]
    assert first.due_at == invite_time and first.expires_at == START and first.kind == "announcement"
    assert "A blood drive is coming to Tam Lưu" in first.payload["text"]
    assert "Mon 3 Aug 2020, 07:00–11:30" in first.payload["text"] and "/schedule" not in first.payload["text"]
    assert first.payload["choices"][0][0]["value"].startswith("drive:")  # a button books instead


async def test_a_sector_session_is_not_announced_to_the_ward(world: World) -> None:
    await world.donor()
    assert await world.plan(plan_ward_reminders, utc(2020, 9, 5, 12, 0)) == 0


async def _campaign_id(world: World) -> int:
    async with world.sessions() as session:
        row = await session.get(DriveDay, world.ids["tl-1"])
        assert row is not None
        return row.campaign_id


# --------------------------------------------------------------------------------------------- nudges


async def test_one_nudge_per_eligible_date_at_nine(world: World) -> None:
    # Whole blood on 11 May 2020: 12 weeks later is Monday 3 August.
    donor = await world.donor(last_donation=date(2020, 5, 11))
    long_ago = await world.donor(last_donation=date(2019, 1, 1))  # eligible for ages: no flood
    opted_in = await world.donor(eligible_from=date(2020, 8, 3))
    assert await world.plan(plan_eligible_again_nudges, utc(2020, 8, 2, 2, 0)) == 0
    assert await world.plan(plan_eligible_again_nudges, utc(2020, 8, 3, 1, 30)) == 0  # 08:30: too early
    assert await world.plan(plan_eligible_again_nudges, utc(2020, 8, 3, 1, 50)) == 2
    assert await world.plan(plan_eligible_again_nudges, utc(2020, 8, 4, 2, 0)) == 0
    rows = await world.rows("nudge:")
    assert sorted(r.key.rsplit(":", 1)[0] for r in rows) == sorted(
        [f"nudge:{donor}:2020-08-03", f"nudge:{opted_in}:2020-08-03"]
    )
    assert all(r.due_at == utc(2020, 8, 3, 2, 0) and r.kind == "nudge" for r in rows)
    assert "Từ ngày 03/08/2020, bạn đã có thể hiến máu trở lại" in rows[0].payload["text"]
    assert long_ago not in {int(r.key.split(":")[1]) for r in rows}


async def test_no_nudge_for_someone_already_signed_up_or_turned_off(world: World) -> None:
    coming = await world.donor(last_donation=date(2020, 5, 11))
    await world.sign_up("tl-2", coming)
    await world.donor(last_donation=date(2020, 5, 11), reminders_enabled=False)
    assert await world.plan(plan_eligible_again_nudges, utc(2020, 8, 3, 2, 0)) == 0


async def test_a_nudge_missed_while_down_comes_within_a_week_and_not_at_night(world: World) -> None:
    donor = await world.donor(last_donation=date(2020, 5, 11))
    night = utc(2020, 8, 5, 16, 0)  # Wednesday 23:00: waits for 07:00
    assert await world.plan(plan_eligible_again_nudges, night - timedelta(hours=9)) == 1
    (row,) = await world.rows(f"nudge:{donor}:")
    assert row.due_at == night - timedelta(hours=9)
    later = await world.donor(last_donation=date(2020, 5, 12))  # eligible from 4 August
    assert await world.plan(plan_eligible_again_nudges, night) == 0
    await world.plan(plan_eligible_again_nudges, utc(2020, 8, 5, 23, 55))
    (late,) = await world.rows(f"nudge:{later}:")
    assert late.due_at == utc(2020, 8, 6, 0, 0)
    assert await world.plan(plan_eligible_again_nudges, utc(2020, 8, 20, 2, 0)) == 0


# --------------------------------------------------------------------------------------------- follow-up


async def test_the_follow_up_comes_the_next_day_with_four_buttons(world: World) -> None:
    donor = await world.donor()
    signup = await world.sign_up("tl-1", donor)
    async with world.sessions() as session, session.begin():
        await checkin.check_in(session, code=signup.code, actor="test", now=START, today=START.date())
        await checkin.record_result(
            session,
            signup_id=signup.id,
            donated=True,
            volume_ml=350,
            deferral_reason=None,
            donated_on=START.date(),
            actor="test",
            now=START + timedelta(hours=1),
        )
    assert await world.plan(plan_followups, START + timedelta(hours=2)) == 0
    next_day_ten = utc(2020, 8, 4, 3, 0)
    assert await world.plan(plan_followups, next_day_ten - timedelta(minutes=15)) == 1
    assert await world.plan(plan_followups, next_day_ten) == 0
    (row,) = await world.rows("followup:")
    assert row.key.rsplit(":", 1)[0] == f"followup:{signup.id}" and row.kind == "followup"
    assert row.due_at == next_day_ten and row.expires_at == next_day_ten + timedelta(days=1)
    assert "Hôm nay bạn thấy trong người thế nào?" in row.payload["text"]
    values = [b["value"] for line in row.payload["choices"] for b in line]
    assert values == [f"feel:{signup.id}:{answer}" for answer in ("fine", "dizzy", "bruise", "other")]


async def test_no_follow_up_after_a_deferral_or_days_later(world: World) -> None:
    deferred, late = await world.donor(), await world.donor()
    for donor, donated in ((deferred, False), (late, True)):
        signup = await world.sign_up("tl-1", donor)
        async with world.sessions() as session, session.begin():
            await checkin.record_result(
                session,
                signup_id=signup.id,
                donated=donated,
                volume_ml=350 if donated else None,
                deferral_reason=None if donated else "other",
                donated_on=START.date(),
                actor="test",
                now=START,
            )
    assert await world.plan(plan_followups, utc(2020, 8, 6, 3, 0)) == 0  # two days too late
    assert await world.plan(plan_followups, utc(2020, 8, 4, 3, 0)) == 1  # only the donation


# --------------------------------------------------------------------------------------------- outbox


async def test_turning_off_cancels_the_donors_waiting_pushes_only(world: World) -> None:
    donor, other = await world.donor(), await world.donor()
    for who in (donor, other):
        await world.sign_up("tl-1", who)
    await world.plan(plan_drive_day_reminders, THREE_DAYS)
    async with world.sessions() as session, session.begin():
        (account,) = await accounts.accounts_of(session, donor)
        await outbox.enqueue(
            session,
            key="thanks:1:x",
            account_id=account.id,
            kind="thanks",
            text="cảm ơn",
            about_donor_id=None,
            due_at=THREE_DAYS,
        )
        cancelled = await outbox.cancel_for_account(session, account.id, key_prefixes=("reminder:", "ward:"))
    assert cancelled == 1
    statuses = {(r.account_id == account.id, r.kind): r.status for r in await world.rows()}
    assert statuses == {
        (True, "reminder"): "cancelled",
        (True, "thanks"): "pending",
        (False, "reminder"): "pending",
    }
    async with world.sessions() as session, session.begin():
        with pytest.raises(ValueError, match="prefix"):
            await outbox.cancel_for_account(session, account.id, key_prefixes=("",))


async def test_a_row_without_expiry_is_sent_however_late(world: World) -> None:
    donor = await world.donor()
    async with world.sessions() as session, session.begin():
        (account,) = await accounts.accounts_of(session, donor)
        await outbox.enqueue(
            session,
            key="thanks:2:x",
            account_id=account.id,
            kind="thanks",
            text="x",
            about_donor_id=None,
            due_at=THREE_DAYS,
        )
        later = THREE_DAYS + timedelta(days=30)
        assert [r.key for r in await outbox_claims.claim(session, now=later, limit=5, lease=LEASE)] == [
            "thanks:2:x"
        ]
        with pytest.raises(ValueError, match="aware"):
            await outbox.enqueue(
                session,
                key="k",
                account_id=account.id,
                kind="thanks",
                text="x",
                about_donor_id=None,
                due_at=THREE_DAYS,
                expires_at=datetime(2020, 8, 1),
            )


async def test_an_expired_row_whose_claimer_died_is_not_sent(world: World) -> None:
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    await world.plan(plan_drive_day_reminders, MORNING)
    async with world.sessions() as session, session.begin():
        (claimed,) = await outbox_claims.claim(session, now=MORNING, limit=5, lease=timedelta(minutes=60))
    # The process died while sending; its lease runs out after the start.
    async with world.sessions() as session, session.begin():
        assert (
            await outbox_claims.claim(session, now=START + timedelta(minutes=61), limit=5, lease=LEASE) == []
        )
    (row,) = await world.rows()
    assert (row.id, row.status, row.last_error) == (claimed.id, "cancelled", "expired")


# --------------------------------------------------------------------------------------------- jobs


async def test_run_planners_once_plans_everything_and_wakes_the_delivery_loop(world: World) -> None:
    donor = await world.donor(last_donation=date(2020, 5, 11))
    await world.donor()
    clock = FixedClock(utc(2020, 7, 29, 12, 0))  # the Tam Lưu invitation day
    app = build_app(world.settings, clock=clock, knowledge=shared_knowledge())
    woken: list[bool] = []
    app.dispatcher.on_pushed = lambda: woken.append(True)
    try:
        assert await jobs.run_planners_once(app) == 2  # both are invited
        assert await jobs.run_planners_once(app) == 0
        assert woken == [True]
        await world.sign_up("tl-1", donor)
        clock.current = THREE_DAYS
        assert await jobs.run_planners_once(app) == 1
        # the old unfinished dialogues go
        async with app.sessions() as session, session.begin():
            await conversations.save(
                session,
                platform="telegram",
                chat_id="1",
                flow="x",
                step="y",
                data={},
                language=None,
                now=START,
            )
        clock.current = START + timedelta(days=8)
        assert await jobs.expire_conversations(app) == 1
    finally:
        await app.close()


async def test_the_scheduler_runs_the_jobs_on_purpose(world: World) -> None:
    app = build_app(world.settings, clock=FixedClock(), knowledge=shared_knowledge())
    try:
        scheduler = jobs.build_scheduler(app)
        plan = scheduler.get_job(jobs.PLAN_JOB)
        expire = scheduler.get_job(jobs.EXPIRE_JOB)
        assert plan is not None and expire is not None
        assert plan.trigger.interval == timedelta(minutes=world.settings.reminders.plan_every_minutes)
        assert expire.trigger.interval == timedelta(hours=1)
        for job in (plan, expire):
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time == job.trigger.interval.total_seconds()
            assert job.args == (app,)  # nothing personal in the scheduler
    finally:
        await app.close()


async def test_a_failing_planner_does_not_stop_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.donor()
    app = build_app(world.settings, clock=FixedClock(utc(2020, 7, 29, 12, 0)), knowledge=shared_knowledge())

    async def broken(session: AsyncSession, **_: Any) -> int:
        raise RuntimeError("a bug in one planner")

    monkeypatch.setattr(jobs, "PLANNERS", (("broken", broken), *jobs.PLANNERS))
    try:
        with pytest.raises(RuntimeError, match="a bug in one planner"):
            await jobs.run_planners_once(app)
        assert len(await world.rows("ward:")) == 1
    finally:
        await app.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[reminders]\nquiet_start = "25:00"\n', "reminders.quiet_start: must be a time of day"),
        ("[reminders]\nplan_every_minutes = 0\n", "reminders.plan_every_minutes: Input should be greater"),
        (
            '[reminders]\noffsets = [{ days_before = 1, at = "7h" }]\n',
            "reminders.offsets.0.at: must be a time of day",
        ),
        ('[reminders]\noffsets = [{ days = 1, at = "07:00" }]\n', "reminders.offsets.0.days: unknown key"),
        (
            '[reminders]\noffsets = [{ days_before = 1, at = "19:00" }, { days_before = 1, at = "19:00" }]\n',
            "reminders.offsets: has the same reminder time twice",
        ),
        ("[reminders]\nfollowup_after_hours = 24\n", "reminders.followup_after_hours: unknown key"),
    ],
)
def test_reminder_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ={})


def test_the_shipped_reminder_settings() -> None:
    reminders = load_settings(environ={}).reminders
    assert [(o.days_before, o.at) for o in reminders.offsets] == [
        (3, time(19, 0)),
        (1, time(19, 0)),
        (0, time(6, 30)),
    ]
    assert (reminders.quiet_start, reminders.quiet_end) == (time(21, 0), time(7, 0))
    assert (reminders.followup_days_after, reminders.followup_at) == (1, time(10, 0))
    assert (reminders.ward_reminder_days_before, reminders.plan_every_minutes) == (5, 10)
    assert reminders.callouts_ignore_quiet_hours is True
