"""Blood drives on SQLite and PostgreSQL: plan import, listing, sign-ups (no overbooking, also under
concurrency), check-in, results and organiser changes."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import plan_file
from models import (
    audit,
    checkin,
    donors,
    drive_day_changes,
    drive_days,
    honours,
    organisers,
    plan_import,
    signups,
)
from models.db import create_engine, session_factory, upgrade_database_async
from models.signups import TakeRefusal
from models.tables import (
    AuditEntry,
    Campaign,
    ChannelAccount,
    Donation,
    Donor,
    DriveDay,
    Organiser,
    Signup,
)

PLAN = Path(__file__).resolve().parents[2] / "examples" / "kinh-mon-2020.toml"
NOW = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)  # 09:00 in Kinh Môn, two weeks before round 1
TODAY = date(2020, 7, 20)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """`day` at `hour`:`minute` in Kinh Môn, as the clock's aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


ORGANISER = "telegram:900"
Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Factory]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def import_kinh_mon(sessions: Factory) -> dict[str, int]:
    """Imports the example plan; returns session ids by key."""
    async with sessions() as session, session.begin():
        await plan_import.import_plan(session, plan_file.load_plan(PLAN), actor="cli:lan", now=NOW)
    async with sessions() as session:
        rows = (await session.execute(select(DriveDay.key, DriveDay.id))).tuples().all()
    return dict(rows)


async def make_donors(sessions: Factory, count: int, *, ward: str = "Tam Lưu") -> list[int]:
    ids = []
    async with sessions() as session, session.begin():
        for n in range(count):
            donor = await donors.register(
                session,
                donors.NewDonor(
                    full_name=f"Người hiến {n}",
                    phone=f"+8491234{n:04d}",
                    date_of_birth=date(1990, 1, 1),
                    sex="male" if n % 2 else "female",
                    blood_abo="O",
                    blood_rh="+",
                    weight_kg=60.0,
                    ward=ward,
                    organisation=None,
                    is_reserve=False,
                    language="vi",
                    last_donation_on=None,
                ),
                platform="telegram",
                user_id=str(1000 + n),
                chat_id=str(1000 + n),
                now=NOW,
            )
            ids.append(donor.id)
    return ids


async def small_drive_day(
    sessions: Factory,
    *,
    capacity: int,
    start: time = time(7, 0),
    end: time = time(8, 0),
    slot_minutes: int = 30,
    day: date = date(2020, 8, 10),
    key: str = "extra",
) -> int:
    """A session added to the imported campaign (import first)."""
    plan = plan_file.DriveDayPlan(
        key=key,
        day=day,
        start_time=start,
        end_time=end,
        place_name="Hội trường UBND phường",
        capacity=capacity,
        slot_minutes=slot_minutes,
    )
    async with sessions() as session, session.begin():
        row = await drive_day_changes.add_drive_day(
            session, campaign_key="kinh-mon-2020", plan=plan, actor=ORGANISER, now=NOW
        )
        return row.id


async def take(
    sessions: Factory,
    drive_day_id: int,
    donor_id: int,
    at: time,
    *,
    now: datetime = NOW,
    seed: int | None = None,
) -> Signup | TakeRefusal:
    async with sessions() as session, session.begin():
        return await signups.take_slot(
            session,
            drive_day_id=drive_day_id,
            donor_id=donor_id,
            slot_start=at,
            now=now,
            tz=TZ,
            rng=None if seed is None else random.Random(seed),
        )


async def audit_actions(sessions: Factory) -> list[tuple[str, str, str | None]]:
    async with sessions() as session:
        rows = await session.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)
        )
        return [tuple(row) for row in rows.tuples()]  # type: ignore[misc]


# ------------------------------------------------------------------------------------------- import


async def test_importing_the_kinh_mon_plan_twice_changes_nothing_the_second_time(sessions: Factory) -> None:
    plan = plan_file.load_plan(PLAN)
    async with sessions() as session, session.begin():
        first = await plan_import.import_plan(session, plan, actor="cli:lan", now=NOW)
    async with sessions() as session, session.begin():
        second = await plan_import.import_plan(session, plan_file.load_plan(PLAN), actor="cli:lan", now=NOW)
    assert first == plan_import.ImportResult(created=6, updated=0, unchanged=0)
    assert second == plan_import.ImportResult(created=0, updated=0, unchanged=6)
    async with sessions() as session:
        campaigns = (await session.scalars(select(Campaign))).all()
        assert [(c.key, c.name, c.year) for c in campaigns] == [
            ("kinh-mon-2020", "Kinh Môn ngàn trái tim vàng", 2020)
        ]
        campaign = campaigns[0]
        assert campaign.organising_unit == "Ban Chỉ đạo vận động hiến máu tình nguyện thị xã Kinh Môn"
        assert campaign.slogan == "Hiến giọt máu đào – Trao đời sự sống"
        assert (campaign.target_units, campaign.target_repeat_share, campaign.target_reserve_donors) == (
            1000,
            0.6,
            100,
        )
        assert campaign.description is not None and "1000 tình nguyện viên" in campaign.description
        rows = (await session.scalars(select(DriveDay).order_by(DriveDay.day))).all()
        assert [(r.key, r.day, r.ward, r.round, r.audience) for r in rows] == [
            ("r1-tam-luu", date(2020, 8, 3), "Tam Lưu", 1, "open"),
            ("r1-nhi-chieu", date(2020, 8, 4), "Nhị Chiểu", 1, "open"),
            ("r1-bac-an-phu", date(2020, 8, 5), "Bắc An Phụ", 1, "open"),
            ("r1-nam-an-phu", date(2020, 8, 6), "Nam An Phụ", 1, "open"),
            ("r2-giao-duc", date(2020, 10, 11), None, 2, "education"),
        ]
        assert rows[-1].day.weekday() == 6, "round 2 is on a Sunday"
        assert {(r.start_time, r.end_time, r.capacity, r.slot_minutes, r.status) for r in rows} == {
            (time(7, 0), time(11, 30), 250, 30, "scheduled")
        }
    assert await audit_actions(sessions) == [
        ("cli:lan", "drive.import", "campaign:kinh-mon-2020"),
        ("cli:lan", "drive.import", "campaign:kinh-mon-2020"),
    ]
    async with sessions() as session:
        details = (await session.scalars(select(AuditEntry.details).order_by(AuditEntry.id))).all()
    assert details == [
        {"created": 6, "updated": 0, "unchanged": 0},
        {"created": 0, "updated": 0, "unchanged": 6},
    ]


async def test_a_changed_plan_updates_the_session_and_moves_its_sign_ups(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [donor] = await make_donors(sessions, 1)
    signup = await take(sessions, ids["r1-tam-luu"], donor, time(7, 30))
    assert isinstance(signup, Signup)
    plan = plan_file.load_plan(PLAN)
    later = dataclasses.replace(plan.sessions[0], start_time=time(13, 0), end_time=time(17, 30))
    changed = dataclasses.replace(plan, sessions=(later, *plan.sessions[1:]))
    async with sessions() as session, session.begin():
        result = await plan_import.import_plan(session, changed, actor="cli:lan", now=NOW)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)
    assert result.affected_donor_ids == (donor,)
    async with sessions() as session:
        moved = await session.get(Signup, signup.id)
        assert moved is not None and moved.slot_start == time(13, 30), "second slot stays the second slot"


async def test_an_import_never_lowers_capacity_below_the_sign_ups(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    donor_ids = await make_donors(sessions, 2)
    for donor in donor_ids:
        assert isinstance(await take(sessions, ids["r1-tam-luu"], donor, time(7, 0)), Signup)
    plan = plan_file.load_plan(PLAN)
    smaller = dataclasses.replace(plan.sessions[0], capacity=1)
    with pytest.raises(drive_days.DriveError, match="capacity 1 is below the 2 sign-ups"):
        async with sessions() as session, session.begin():
            await plan_import.import_plan(
                session, dataclasses.replace(plan, sessions=(smaller,)), actor="cli:lan", now=NOW
            )
    async with sessions() as session:
        row = await session.get(DriveDay, ids["r1-tam-luu"])
        assert row is not None and row.capacity == 250


# ------------------------------------------------------------------------------------------- listing


async def test_upcoming_sessions_put_the_donors_ward_first(sessions: Factory) -> None:
    await import_kinh_mon(sessions)
    async with sessions() as session:
        views = await drive_days.upcoming_drive_days(session, now=NOW, tz=TZ, ward="Bắc An Phụ")
        assert [(v.ward, v.day) for v in views] == [
            ("Bắc An Phụ", date(2020, 8, 5)),
            ("Tam Lưu", date(2020, 8, 3)),
            ("Nhị Chiểu", date(2020, 8, 4)),
            ("Nam An Phụ", date(2020, 8, 6)),
            (None, date(2020, 10, 11)),
        ]
        first = views[0]
        assert first.campaign_name == "Kinh Môn ngàn trái tim vàng"
        assert first.place_name == "Nhà văn hóa khu dân cư Bắc An Phụ"
        assert (first.start_time, first.end_time) == (time(7, 0), time(11, 30))
        assert (first.capacity, first.taken, first.free, first.round) == (250, 0, 250, 1)

        no_ward = await drive_days.upcoming_drive_days(session, now=NOW, tz=TZ, ward=None, limit=2)
        assert [v.day for v in no_ward] == [date(2020, 8, 3), date(2020, 8, 4)]
        open_only = await drive_days.upcoming_drive_days(
            session, now=NOW, tz=TZ, ward=None, audiences=("open",)
        )
        assert [v.audience for v in open_only] == ["open"] * 4, "the education day is not offered to all"
        teachers = await drive_days.upcoming_drive_days(
            session, now=NOW, tz=TZ, ward=None, audiences=("open", "education")
        )
        assert len(teachers) == 5
        later = await drive_days.upcoming_drive_days(
            session, now=local(date(2020, 8, 5)), tz=TZ, ward="Tam Lưu"
        )
        assert [v.day for v in later] == [date(2020, 8, 5), date(2020, 8, 6), date(2020, 10, 11)], (
            "a session is listed on its own day, and earlier ones no more"
        )


# ------------------------------------------------------------------------------------------- sign-ups


async def test_take_slot_fills_a_slot_then_the_session(sessions: Factory) -> None:
    await import_kinh_mon(sessions)
    sid = await small_drive_day(sessions, capacity=3)  # 07:00 and 07:30: [2, 1] places
    a, b, c, d = await make_donors(sessions, 4)
    first = await take(sessions, sid, a, time(7, 30))
    assert isinstance(first, Signup)
    assert (first.status, first.slot_start, len(first.code)) == ("active", time(7, 30), 6)
    assert await take(sessions, sid, b, time(7, 30)) is TakeRefusal.FULL
    async with sessions() as session:
        assert await signups.free_slots(session, sid) == [signups.SlotView(time(7, 0), 2, 0)]
        assert [s.free for s in await signups.free_slots(session, sid, include_full=True)] == [2, 0]
    assert isinstance(await take(sessions, sid, b, time(7, 0)), Signup)
    assert isinstance(await take(sessions, sid, c, time(7, 0)), Signup)
    assert await take(sessions, sid, d, time(7, 0)) is TakeRefusal.SESSION_FULL
    assert await take(sessions, sid, a, time(7, 0)) is TakeRefusal.ALREADY
    async with sessions() as session:
        view = await drive_days.drive_day_view(session, sid)
        assert view is not None and (view.taken, view.free) == (3, 0)
        assert await signups.free_slots(session, sid) == []
        mine = await signups.active_signup(session, drive_day_id=sid, donor_id=a)
        assert mine is not None and mine.id == first.id
        assert await session.scalar(select(func.count(Signup.id))) == 3


async def test_take_slot_refuses_unknown_past_and_cancelled_sessions(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [donor] = await make_donors(sessions, 1)
    assert await take(sessions, 9999, donor, time(7, 0)) is TakeRefusal.NOT_FOUND
    assert await take(sessions, ids["r1-tam-luu"], donor, time(7, 15)) is TakeRefusal.NOT_FOUND
    assert await take(sessions, ids["r1-tam-luu"], donor, time(7, 0), now=local(date(2020, 8, 4))) is (
        TakeRefusal.PAST
    )
    on_the_day = await take(sessions, ids["r1-tam-luu"], donor, time(11, 0), now=local(date(2020, 8, 3)))
    assert isinstance(on_the_day, Signup), "a session can be booked on its own day"
    async with sessions() as session, session.begin():
        await drive_day_changes.cancel_drive_day(
            session, drive_day_id=ids["r1-nhi-chieu"], actor=ORGANISER, now=NOW
        )
    assert await take(sessions, ids["r1-nhi-chieu"], donor, time(7, 0)) is TakeRefusal.CANCELLED


@pytest.mark.parametrize(
    ("capacity", "slot_minutes", "refusal"),
    [
        (5, 60, TakeRefusal.SESSION_FULL),  # one slot of 5: the session fills
        (10, 30, TakeRefusal.FULL),  # two slots of 5, everyone wants 07:00: the slot fills
    ],
)
async def test_concurrent_sign_ups_never_overbook(
    sessions: Factory, capacity: int, slot_minutes: int, refusal: TakeRefusal
) -> None:
    await import_kinh_mon(sessions)
    sid = await small_drive_day(sessions, capacity=capacity, slot_minutes=slot_minutes)
    donor_ids = await make_donors(sessions, 20)
    results = await asyncio.gather(*(take(sessions, sid, donor, time(7, 0)) for donor in donor_ids))
    taken = [r for r in results if isinstance(r, Signup)]
    refused = [r for r in results if not isinstance(r, Signup)]
    assert len(taken) == 5
    assert refused == [refusal] * 15
    async with sessions() as session:
        rows = (await session.scalars(select(Signup).where(Signup.drive_day_id == sid))).all()
        assert len(rows) == 5
        assert {r.donor_id for r in rows} == {s.donor_id for s in taken}
        assert len({r.code for r in rows}) == 5


async def test_cancel_then_take_again_reuses_the_row_with_a_new_code(sessions: Factory) -> None:
    await import_kinh_mon(sessions)
    sid = await small_drive_day(sessions, capacity=2, slot_minutes=60)
    a, b, c = await make_donors(sessions, 3)
    first = await take(sessions, sid, a, time(7, 0))
    assert isinstance(first, Signup)
    assert isinstance(await take(sessions, sid, b, time(7, 0)), Signup)
    assert await take(sessions, sid, c, time(7, 0)) is TakeRefusal.SESSION_FULL
    async with sessions() as session, session.begin():
        assert not await signups.cancel_signup(session, signup_id=first.id, donor_id=b, now=NOW), (
            "nobody cancels someone else's sign-up"
        )
        assert await signups.cancel_signup(session, signup_id=first.id, donor_id=a, now=NOW)
        assert not await signups.cancel_signup(session, signup_id=first.id, donor_id=a, now=NOW)
    async with sessions() as session:
        assert await signups.active_signup(session, drive_day_id=sid, donor_id=a) is None
        view = await drive_days.drive_day_view(session, sid)
        assert view is not None and view.taken == 1
    again = await take(sessions, sid, a, time(7, 0))
    assert isinstance(again, Signup)
    assert again.id == first.id and again.status == "active"
    assert again.code != first.code
    async with sessions() as session:
        assert await checkin.signup_by_code(session, first.code) is None, "the old code is dead"
        assert await session.scalar(select(func.count(Signup.id)).where(Signup.donor_id == a)) == 1


async def test_a_code_collision_draws_again(sessions: Factory) -> None:
    await import_kinh_mon(sessions)
    sid = await small_drive_day(sessions, capacity=4)
    a, b = await make_donors(sessions, 2)
    first = await take(sessions, sid, a, time(7, 0), seed=1)
    second = await take(sessions, sid, b, time(7, 0), seed=1)  # same seed: the first draw is taken
    assert isinstance(first, Signup) and isinstance(second, Signup)
    assert second.code != first.code


async def test_move_signup_goes_to_a_free_slot_only(sessions: Factory) -> None:
    await import_kinh_mon(sessions)
    sid = await small_drive_day(sessions, capacity=4, end=time(8, 30))  # 07:00, 07:30, 08:00: [2, 1, 1]
    a, b = await make_donors(sessions, 2)
    mine = await take(sessions, sid, a, time(7, 0))
    theirs = await take(sessions, sid, b, time(7, 30))
    assert isinstance(mine, Signup) and isinstance(theirs, Signup)

    async def move(signup_id: int, donor_id: int, at: time) -> Signup | TakeRefusal:
        async with sessions() as session, session.begin():
            return await signups.move_signup(
                session, signup_id=signup_id, donor_id=donor_id, slot_start=at, now=NOW, tz=TZ
            )

    assert await move(mine.id, a, time(7, 30)) is TakeRefusal.FULL
    assert await move(mine.id, b, time(8, 0)) is TakeRefusal.NOT_FOUND, "not b's sign-up"
    assert await move(mine.id, a, time(8, 15)) is TakeRefusal.NOT_FOUND, "no slot starts at 08:15"
    moved = await move(mine.id, a, time(8, 0))
    assert isinstance(moved, Signup)
    assert (moved.slot_start, moved.code) == (time(8, 0), mine.code)
    async with sessions() as session:
        slots = await signups.free_slots(session, sid, include_full=True)
        assert [(s.start, s.taken) for s in slots] == [(time(7, 0), 0), (time(7, 30), 1), (time(8, 0), 1)]


async def test_my_signups_lists_upcoming_ones_soonest_first(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [donor] = await make_donors(sessions, 1)
    for key, at in (("r1-nam-an-phu", time(9, 0)), ("r1-tam-luu", time(7, 0)), ("r1-nhi-chieu", time(8, 0))):
        assert isinstance(await take(sessions, ids[key], donor, at), Signup)
    async with sessions() as session, session.begin():
        nhi_chieu = await signups.active_signup(session, drive_day_id=ids["r1-nhi-chieu"], donor_id=donor)
        assert nhi_chieu is not None
        await signups.cancel_signup(session, signup_id=nhi_chieu.id, donor_id=donor, now=NOW)
    async with sessions() as session:
        listed = await signups.my_signups(session, donor_id=donor, now=NOW, tz=TZ)
        assert [(s.slot_start, v.ward) for s, v in listed] == [
            (time(7, 0), "Tam Lưu"),
            (time(9, 0), "Nam An Phụ"),
        ]
        assert listed[0][1].taken == 1
        later = await signups.my_signups(session, donor_id=donor, now=local(date(2020, 8, 4)), tz=TZ)
        assert [v.ward for _, v in later] == ["Nam An Phụ"]


# ------------------------------------------------------------------------------------------- check-in


async def test_check_in_by_code_as_a_volunteer_types_it(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [donor] = await make_donors(sessions, 1)
    signup = await take(sessions, ids["r1-tam-luu"], donor, time(7, 0))
    assert isinstance(signup, Signup)
    typed = f" {signup.code[:3].lower()} {signup.code[3:].lower()} "
    arrival = datetime(2020, 8, 3, 0, 5, tzinfo=UTC)
    for _ in range(2):
        async with sessions() as session, session.begin():
            checked = await checkin.check_in(
                session, code=typed, actor=ORGANISER, now=arrival, today=date(2020, 8, 3)
            )
            assert isinstance(checked, Signup) and checked.id == signup.id
            assert checked.drive_day.day == date(2020, 8, 3)
    async with sessions() as session, session.begin():
        unknown = await checkin.check_in(
            session, code="ZZZZZZ", actor=ORGANISER, now=arrival, today=date(2020, 8, 3)
        )
        assert unknown is checkin.CheckInRefusal.NOT_FOUND
        dashed = await checkin.signup_by_code(session, f"{signup.code[:3]}-{signup.code[3:]}")
        assert dashed is not None and dashed.id == signup.id
    async with sessions() as session:
        row = await session.get(Signup, signup.id)
        assert row is not None and (row.status, row.checked_in_at) == ("checked_in", arrival)
        assert await signups.cancel_signup(session, signup_id=signup.id, donor_id=donor, now=NOW) is False
    assert [a for a in await audit_actions(sessions) if a[1] == "signup.check_in"] == [
        (ORGANISER, "signup.check_in", f"signup:{signup.id}")
    ], "the second scan logs nothing"


async def test_a_cancelled_sign_up_cannot_check_in(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [donor] = await make_donors(sessions, 1)
    signup = await take(sessions, ids["r1-tam-luu"], donor, time(7, 0))
    assert isinstance(signup, Signup)
    async with sessions() as session, session.begin():
        assert await signups.cancel_signup(session, signup_id=signup.id, donor_id=donor, now=NOW)
        refused = await checkin.check_in(
            session, code=signup.code, actor=ORGANISER, now=NOW, today=date(2020, 8, 3)
        )
        assert refused is checkin.CheckInRefusal.NOT_FOUND


async def test_recording_a_donation_twice_writes_one_row(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [donor] = await make_donors(sessions, 1)
    async with sessions() as session, session.begin():
        earlier = await session.get(Donor, donor)
        assert earlier is not None
        await donors.set_reported_last_donation(session, earlier, date(2020, 1, 10), now=NOW)
    signup = await take(sessions, ids["r1-tam-luu"], donor, time(7, 0))
    assert isinstance(signup, Signup)
    for volume in (350, 350):
        async with sessions() as session, session.begin():
            donation = await checkin.record_result(
                session,
                signup_id=signup.id,
                donated=True,
                volume_ml=volume,
                deferral_reason=None,
                donated_on=date(2020, 8, 3),
                actor=ORGANISER,
                now=NOW,
            )
            assert donation is not None
    async with sessions() as session:
        rows = (await session.scalars(select(Donation).order_by(Donation.donated_on))).all()
        assert [(d.donated_on, d.volume_ml, d.self_reported) for d in rows] == [
            (date(2020, 1, 10), None, True),
            (date(2020, 8, 3), 350, False),
        ], "the self-reported donation is kept, the drive one added once"
        recorded = rows[1]
        assert (recorded.drive_day_id, recorded.place, recorded.kind) == (
            ids["r1-tam-luu"],
            "Nhà văn hóa khu dân cư Tam Lưu",
            "whole_blood",
        )
        row = await session.get(Signup, signup.id)
        assert row is not None and (row.status, row.result_volume_ml) == ("donated", 350)
        assert await honours.total_count(session, donor) == 2
    results = [a for a in await audit_actions(sessions) if a[1] == "signup.result"]
    assert results == [(ORGANISER, "signup.result", f"signup:{signup.id}")]


async def test_a_deferral_writes_no_donation_and_keeps_the_reason_out_of_the_log(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [donor] = await make_donors(sessions, 1)
    signup = await take(sessions, ids["r1-tam-luu"], donor, time(7, 0))
    assert isinstance(signup, Signup)
    async with sessions() as session, session.begin():
        await checkin.record_result(
            session,
            signup_id=signup.id,
            donated=True,
            volume_ml=250,
            deferral_reason=None,
            donated_on=date(2020, 8, 3),
            actor=ORGANISER,
            now=NOW,
        )
    async with sessions() as session, session.begin():  # the chair corrects it: deferred after all
        result = await checkin.record_result(
            session,
            signup_id=signup.id,
            donated=False,
            volume_ml=None,
            deferral_reason="huyết sắc tố thấp",
            donated_on=date(2020, 8, 3),
            actor=ORGANISER,
            now=NOW,
        )
        assert result is None
    async with sessions() as session:
        assert await session.scalar(select(func.count(Donation.id))) == 0
        row = await session.get(Signup, signup.id)
        assert row is not None
        assert (row.status, row.deferral_reason, row.result_volume_ml) == (
            "deferred",
            "huyết sắc tố thấp",
            None,
        )
        logged = (await session.scalars(select(AuditEntry.details))).all()
        assert all("huyết" not in str(details) for details in logged)
    async with sessions() as session, session.begin():
        gone = await checkin.record_result(
            session,
            signup_id=9999,
            donated=True,
            volume_ml=350,
            deferral_reason=None,
            donated_on=date(2020, 8, 3),
            actor=ORGANISER,
            now=NOW,
        )
        assert gone is None, "a stale button records nothing"
    async with sessions() as session:
        assert await session.scalar(select(func.count(Donation.id))) == 0


# ------------------------------------------------------------------------------------------- organisers


async def test_cancel_session_returns_the_donors_to_tell(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    a, b, c = await make_donors(sessions, 3)
    sid = ids["r1-tam-luu"]
    for donor in (a, b, c):
        assert isinstance(await take(sessions, sid, donor, time(7, 0)), Signup)
    async with sessions() as session, session.begin():
        gone = await signups.active_signup(session, drive_day_id=sid, donor_id=b)
        assert gone is not None
        await signups.cancel_signup(session, signup_id=gone.id, donor_id=b, now=NOW)
    async with sessions() as session, session.begin():
        assert await drive_day_changes.cancel_drive_day(
            session, drive_day_id=sid, actor=ORGANISER, now=NOW
        ) == sorted([a, c])
    async with sessions() as session, session.begin():
        assert (
            await drive_day_changes.cancel_drive_day(session, drive_day_id=sid, actor=ORGANISER, now=NOW)
            == []
        )
    async with sessions() as session:
        upcoming = await drive_days.upcoming_drive_days(session, now=NOW, tz=TZ, ward="Tam Lưu")
        assert sid not in [v.id for v in upcoming]
        [(_, view)] = await signups.my_signups(session, donor_id=a, now=NOW, tz=TZ)
        assert (view.id, view.status) == (sid, "cancelled"), "the donor still sees it, as cancelled"
    assert [a for a in await audit_actions(sessions) if a[1] == "drive.cancel"] == [
        (ORGANISER, "drive.cancel", f"session:{sid}")
    ]
    with pytest.raises(drive_days.DriveError, match="no session with id 9999"):
        async with sessions() as session, session.begin():
            await drive_day_changes.cancel_drive_day(session, drive_day_id=9999, actor=ORGANISER, now=NOW)


async def test_move_session_moves_sign_ups_and_returns_the_donors_to_tell(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [a, b] = await make_donors(sessions, 2)
    sid = ids["r1-tam-luu"]
    first = await take(sessions, sid, a, time(7, 0))
    last = await take(sessions, sid, b, time(11, 0))
    assert isinstance(first, Signup) and isinstance(last, Signup)
    async with sessions() as session, session.begin():
        notify = await drive_day_changes.move_drive_day(
            session,
            drive_day_id=sid,
            day=date(2020, 8, 8),
            start_time=time(13, 30),
            end_time=time(16, 0),
            actor=ORGANISER,
            now=NOW,
        )
    assert notify == sorted([a, b])
    async with sessions() as session:
        row = await session.get(DriveDay, sid)
        assert row is not None and (row.day, row.start_time, row.end_time) == (
            date(2020, 8, 8),
            time(13, 30),
            time(16, 0),
        )
        slots = {s.donor_id: s.slot_start for s in (await session.scalars(select(Signup))).all()}
        assert slots == {a: time(13, 30), b: time(15, 30)}, "the 11:00 sign-up lands in the last slot"
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "drive.move"))
        assert entry is not None
        assert entry.details == {
            "from": "2020-08-03 07:00-11:30",
            "to": "2020-08-08 13:30-16:00",
            "notify": 2,
        }
    async with sessions() as session, session.begin():
        assert (
            await drive_day_changes.move_drive_day(
                session, drive_day_id=sid, day=None, start_time=None, end_time=None, actor=ORGANISER, now=NOW
            )
            == []
        )
        with pytest.raises(drive_days.DriveError, match="end: 12:00 must be after start 13:30"):
            await drive_day_changes.move_drive_day(
                session,
                drive_day_id=sid,
                day=None,
                start_time=None,
                end_time=time(12, 0),
                actor=ORGANISER,
                now=NOW,
            )


async def test_edit_session_refuses_a_capacity_below_the_sign_ups(sessions: Factory) -> None:
    await import_kinh_mon(sessions)
    sid = await small_drive_day(sessions, capacity=4)
    donor_ids = await make_donors(sessions, 3)
    for n, donor in enumerate(donor_ids):
        assert isinstance(await take(sessions, sid, donor, time(7, 0) if n % 2 else time(7, 30)), Signup)
    async with sessions() as session, session.begin():
        with pytest.raises(drive_days.DriveError, match="capacity: 2 is below the 3 sign-ups"):
            await drive_day_changes.edit_drive_day(
                session, drive_day_id=sid, capacity=2, actor=ORGANISER, now=NOW
            )
        notify = await drive_day_changes.edit_drive_day(
            session, drive_day_id=sid, place_name="Nhà văn hóa  khu 5", capacity=3, actor=ORGANISER, now=NOW
        )
        assert notify == sorted(donor_ids)
    async with sessions() as session:
        view = await drive_days.drive_day_view(session, sid)
        assert view is not None and (view.place_name, view.capacity, view.free) == ("Nhà văn hóa khu 5", 3, 0)


async def test_campaigns_and_organiser_roles(sessions: Factory) -> None:
    await import_kinh_mon(sessions)
    async with sessions() as session, session.begin():
        account = ChannelAccount(platform="telegram", user_id="900", chat_id="900")
        session.add(account)
        await session.flush()
        session.add(Organiser(account_id=account.id, role="organiser"))
        session.add(ChannelAccount(platform="telegram", user_id="901", chat_id="901"))
    async with sessions() as session:
        assert [c.key for c in await drive_days.list_campaigns(session)] == ["kinh-mon-2020"]
        found = await drive_days.campaign_by_key(session, "kinh-mon-2020")
        assert found is not None and found.name == "Kinh Môn ngàn trái tim vàng"
        assert await drive_days.campaign_by_key(session, "nope") is None
        assert await organisers.is_organiser(session, platform="telegram", user_id="900")
        assert not await organisers.is_organiser(session, platform="telegram", user_id="901")
        assert not await organisers.is_organiser(session, platform="zalo", user_id="900")


async def test_the_audit_log_refuses_a_phone_number(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(ValueError, match="looks like a phone number"):
            await audit.record(
                session, actor=ORGANISER, action="x", details={"note": "+84 912 345 678"}, now=NOW
            )
        with pytest.raises(ValueError, match="personal or health data"):
            await audit.record(session, actor=ORGANISER, action="x", details={"phone": "hidden"}, now=NOW)
        await audit.record(session, actor=ORGANISER, action="x", details={"day": date(2020, 8, 3)}, now=NOW)
    async with sessions() as session:
        entry = await session.scalar(select(AuditEntry))
        assert entry is not None and (entry.details, entry.at) == ({"day": "2020-08-03"}, NOW)


# ------------------------------------------------------------------------------------------- plan files


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_SESSION = """
[[sessions]]
key = "a"
date = 2020-08-03
start = "07:00"
end = "11:30"
place = "Nhà văn hóa"
capacity = 10
"""
CAMPAIGN = '[campaign]\nkey = "c"\nname = "C"\nyear = 2020\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            CAMPAIGN + GOOD_SESSION + GOOD_SESSION.replace('"a"', '"b"').replace('"07:00"', '"7h"'),
            "sessions[2].start: must be HH:MM",
        ),
        (
            CAMPAIGN + GOOD_SESSION.replace('"11:30"', '"06:00"'),
            "sessions[1].end: must be after start (07:00)",
        ),
        (CAMPAIGN + GOOD_SESSION.replace("2020-08-03", '"2020-02-30"'), "sessions[1].date: must be a date"),
        (
            CAMPAIGN + GOOD_SESSION.replace("capacity = 10", "capacity = 0"),
            "sessions[1].capacity: must be between",
        ),
        (
            CAMPAIGN + GOOD_SESSION.replace("capacity = 10", 'capacity = "10"'),
            "sessions[1].capacity: must be a whole",
        ),
        (CAMPAIGN + GOOD_SESSION.replace("capacity = 10\n", ""), "sessions[1].capacity: missing"),
        (CAMPAIGN + GOOD_SESSION.replace("place", "plcae"), "sessions[1].plcae: unknown key"),
        (CAMPAIGN + GOOD_SESSION + GOOD_SESSION, "sessions[2].key: 'a' is used by an earlier session"),
        (CAMPAIGN.replace('"c"', '"Kinh Môn"') + GOOD_SESSION, "campaign.key: must be lower-case"),
        (
            CAMPAIGN + "target_repeat_share = 60\n" + GOOD_SESSION,
            "campaign.target_repeat_share: must be between 0",
        ),
        (CAMPAIGN, "sessions: needs at least one"),
        (GOOD_SESSION, "campaign: missing"),
        (CAMPAIGN + GOOD_SESSION + "[extra]\n", "extra: unknown key"),
        ("[campaign\n", "not valid TOML"),
    ],
)
def test_a_broken_plan_names_the_key_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(plan_file.PlanError) as caught:
        plan_file.load_plan(write(tmp_path, text))
    assert str(caught.value).startswith(message)


def test_a_plan_accepts_iso_date_strings_and_normalises_text(tmp_path: Path) -> None:
    text = CAMPAIGN + GOOD_SESSION.replace("2020-08-03", '"2020-08-03"').replace(
        '"Nhà văn hóa"', '"  Nha\u0300  văn hóa "'
    )
    plan = plan_file.load_plan(write(tmp_path, text))
    [session] = plan.sessions
    assert (session.day, session.place_name, session.slot_minutes, session.audience, session.round) == (
        date(2020, 8, 3),
        "Nhà văn hóa",
        30,
        "open",
        1,
    )
