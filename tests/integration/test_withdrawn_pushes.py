"""A push still waiting whose reason was undone is withdrawn where it is undone (both backends)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from models import drive_day_changes
from scheduler.planner import plan_drive_day_reminders, plan_ward_reminders
from services import drive_days, notices
from tests.integration.test_planner import CATALOGS, THREE_DAYS, World, utc, world

__all__ = ["world"]  # the fixture, imported for this module's tests

INVITE_TIME = utc(2020, 7, 29, 12, 0)  # tl-1's ward invitation: Wednesday 19:00, five days before


async def test_booking_or_a_cancelled_session_withdraws_the_ward_invitation(world: World) -> None:
    booker, other, elsewhere = await world.donor(), await world.donor(), await world.donor(ward="Nhị Chiểu")
    assert await world.plan(plan_ward_reminders, INVITE_TIME - timedelta(minutes=10)) == 2
    await world.sign_up("tl-1", booker, now=INVITE_TIME - timedelta(minutes=5))
    waiting = [row.about_donor_id for row in await world.rows("ward:")]
    assert waiting == [other], "the donor who booked is not invited any more"
    async with world.sessions() as session, session.begin():
        await drive_day_changes.cancel_drive_day(
            session, drive_day_id=world.ids["tl-1"], actor="test", now=INVITE_TIME
        )
    assert await world.rows("ward:") == [], "an invitation to a cancelled session is withdrawn"
    # tl-2 is the round's next session in Tam Lưu: its invitation day brings one for it instead.
    await world.plan(plan_ward_reminders, utc(2020, 7, 31, 12, 0))
    (invitation,) = [row for row in await world.rows("ward:") if row.about_donor_id != elsewhere]
    assert invitation.about_donor_id == other and "05/08/2020" in invitation.payload["text"]


async def test_a_second_change_replaces_the_notice_still_waiting(world: World) -> None:
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    now = utc(2020, 7, 25, 2, 0)
    for day in (utc(2020, 8, 10, 0, 0).date(), utc(2020, 8, 11, 0, 0).date()):
        async with world.sessions() as session, session.begin():
            told = await drive_day_changes.move_drive_day(
                session,
                drive_day_id=world.ids["tl-1"],
                day=day,
                start_time=None,
                end_time=None,
                actor="t",
                now=now,
            )
            await notices.drive_day_changed(
                session,
                catalogs=CATALOGS,
                drive_day_id=world.ids["tl-1"],
                donor_ids=told,
                tz=ZoneInfo("Asia/Ho_Chi_Minh"),
                now=now,
            )
    (notice,) = await world.rows(f"notice:{world.ids['tl-1']}:")
    assert "11/08/2020" in notice.payload["text"], "only what holds now is still to be sent"


async def test_a_drive_day_change_tells_only_whom_it_concerns(world: World) -> None:
    """services.drive_days: a new capacity tells nobody and leaves the reminders waiting; a cancel tells."""
    donor = await world.donor()
    await world.sign_up("tl-1", donor)
    assert await world.plan(plan_drive_day_reminders, THREE_DAYS - timedelta(minutes=15)) == 1
    tz, now = ZoneInfo("Asia/Ho_Chi_Minh"), utc(2020, 7, 31, 12, 0)
    day_id = world.ids["tl-1"]
    async with world.sessions() as session, session.begin():
        told = await drive_days.change(
            session, catalogs=CATALOGS, drive_day_id=day_id, capacity=90, actor="t", tz=tz, now=now
        )
    assert told == drive_days.Told(queued=0, donors=0)
    assert len(await world.rows(f"reminder:{day_id}:")) == 1, "a capacity makes no reminder untrue"
    async with world.sessions() as session, session.begin():
        told = await drive_days.cancel(
            session, catalogs=CATALOGS, drive_day_id=day_id, actor="t", tz=tz, now=now
        )
    assert told == drive_days.Told(queued=1, donors=1)
    assert await world.rows(f"reminder:{day_id}:") == []
    (notice,) = await world.rows(f"notice:{day_id}:")
    assert notice.about_donor_id == donor and "đã bị hủy" in notice.payload["text"]
