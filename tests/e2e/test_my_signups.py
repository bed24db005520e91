"""Issue 12, item 11 end to end: /lichcuatoi offers Change / Cancel only while a sign-up can change, and
every calendar file covers the donor's slot, follows a change of time and is named by date and place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import select

from emulators.telegram import SentMessage, SimUser
from models import checkin
from models.tables import Signup
from tests.e2e.test_reminders import PLAN, SIGN_UP
from tests.helpers import BotHarness, FixedClock, running_bot

BLOOD_DAY = datetime(2020, 8, 3, 2, 0, tzinfo=UTC)  # 09:00 on the day


async def press_on(bot: BotHarness, user: SimUser, message: SentMessage, label: str) -> list[SentMessage]:
    """Presses a button of an earlier message (one that is no longer the latest with buttons)."""
    return await bot._turn(user, bot.emu.press(user, message, message.button(label)))


async def signed_up(
    bot: BotHarness, user: SimUser, phone: str, slot: str, **changes: object
) -> list[SentMessage]:
    await bot.add_donor(user, phone=phone, **changes)
    await bot.send(user, "/lichhien")
    await bot.press(user, "03/08/2020")
    done = await bot.press(user, slot)
    assert "Đã giữ chỗ" in done[0].text
    return done


def event_of(message: SentMessage) -> Calendar:
    assert message.file is not None and message.file.filename.endswith(".ics")
    return next(iter(Calendar.from_ical(message.file.content).walk("VEVENT")))


async def test_the_calendar_file_covers_the_slot_and_follows_a_change_of_time(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        user = bot.user(8301, name="Lan")
        done = await signed_up(bot, user, "+84912300001", "07:30")
        first = event_of(done[1])
        assert (
            done[1].file is not None
            and done[1].file.filename == "hien-mau-2020-08-03-nha-van-hoa-tam-luu.ics"
        )
        assert first.decoded("dtstart") == datetime(2020, 8, 3, 0, 30, tzinfo=UTC)  # 07:30 in Vietnam
        assert first.decoded("dtend") == datetime(2020, 8, 3, 1, 0, tzinfo=UTC), "the slot ends at 08:00"

        bot.clock.advance(days=2)  # the donor changes the time later
        await bot.send(user, "/lichcuatoi")
        await bot.press(user, "Đổi giờ")
        moved = await bot.press(user, "09:00")
        assert "Đã đổi sang khung giờ 09:00" in moved[0].text
        ics = [m for m in moved if m.file is not None and m.file.filename.endswith(".ics")]
        assert len(ics) == 1, "a new calendar file comes with the change of time"
        again = event_of(ics[0])
        assert again.decoded("dtstart") == datetime(2020, 8, 3, 2, 0, tzinfo=UTC)
        assert again.decoded("dtend") == datetime(2020, 8, 3, 2, 30, tzinfo=UTC)
        assert str(again.get("uid")) == str(first.get("uid")), "the calendar replaces the same event"
        assert int(again.get("sequence", 0)) > int(first.get("sequence", 0))


async def test_my_signups_offer_change_and_cancel_only_while_they_can_change(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        gave = bot.user(8302, name="Hoa")
        deferred = bot.user(8303, name="Nam")
        await signed_up(bot, gave, "+84912300002", "07:00")
        await signed_up(bot, deferred, "+84912300003", "07:30", sex="male", weight_kg=60.0)
        bot.clock.current = BLOOD_DAY
        before = (await bot.send(gave, "/lichcuatoi"))[0]
        assert before.button_labels() == ["Đổi giờ", "Hủy đăng ký"]
        earlier = (await bot.send(gave, "/lichcuatoi"))[0]
        assert bot.app is not None
        for signup in await bot.rows(select(Signup).order_by(Signup.id)):
            async with bot.app.sessions() as session, session.begin():
                await checkin.record_result(
                    session,
                    signup_id=signup.id,
                    donated=signup.slot_start.minute == 0,
                    volume_ml=350 if signup.slot_start.minute == 0 else None,
                    deferral_reason=None,
                    donated_on=(BLOOD_DAY + timedelta(hours=8)).date(),
                    actor="test",
                    now=BLOOD_DAY + timedelta(hours=1),
                )
        mine = await bot.send(gave, "/lichcuatoi")
        assert "Đã hiến máu" in mine[0].text and mine[0].button_labels() == []
        theirs = await bot.send(deferred, "/lichcuatoi")
        assert "Tạm hoãn" in theirs[0].text and theirs[0].button_labels() == []
        # The buttons shown before the donation are refused with the reason, not as "an old question".
        refused = await press_on(bot, gave, before, "Hủy đăng ký")
        assert "đã hiến máu" in refused[0].text and "không đổi giờ hay hủy" in refused[0].text
        refused = await press_on(bot, gave, earlier, "Đổi giờ")
        assert "đã hiến máu" in refused[0].text
        statuses = [s.status for s in await bot.rows(select(Signup).order_by(Signup.id))]
        assert statuses == ["donated", "deferred"]


async def test_a_moved_session_sends_the_calendar_file_again(tmp_path: Path) -> None:
    """The pattern of the change of time: an organiser moving the session changes the donor's slot too."""
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        user = bot.user(8304, name="Minh")
        done = await signed_up(bot, user, "+84912300004", "07:30")
        first = event_of(done[1])
        staff = bot.user(8305)
        await bot.make_organiser(staff)
        bot.clock.advance(hours=3)
        await bot.send(staff, "/lichhien")
        await bot.press(staff, "03/08/2020")
        await bot.press(staff, "Đổi ngày giờ")
        await bot.send(staff, "-")
        assert "báo tin cho 1 người" in (await bot.send(staff, "13:00-16:30"))[0].text
        await bot.emu.wait_until(
            lambda: any("đã thay đổi" in (m.text or "") for m in bot.emu.messages(user.chat_id)),
            what="the change notice",
        )
        notice = next(m for m in bot.emu.messages(user.chat_id) if "đã thay đổi" in (m.text or ""))
        assert "Giờ hẹn của bạn: 13:30" in (notice.text or "")
        moved = event_of(notice)
        assert moved.decoded("dtstart") == datetime(2020, 8, 3, 6, 30, tzinfo=UTC)  # 13:30 in Vietnam
        assert moved.decoded("dtend") == datetime(2020, 8, 3, 7, 0, tzinfo=UTC)
        assert str(moved.get("uid")) == str(first.get("uid"))
        assert int(moved.get("sequence", 0)) > int(first.get("sequence", 0))
