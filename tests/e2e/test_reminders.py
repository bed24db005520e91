"""Issue 6 end to end: reminders arrive once at their (fake) times, /nhacnho turns them off, and the
follow-up's answers reach the organisers only when something is wrong."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from emulators.telegram import SimUser
from models import checkin
from models.tables import Outbox, Signup
from scheduler.jobs import run_planners_once
from tests.helpers import BotHarness, FixedClock, running_bot

PLAN = """
[campaign]
key = "test-reminders"
name = "Ngày hội thử"
year = 2020

[[sessions]]
key = "tam-luu"
date = 2020-08-03
start = "07:00"
end = "11:30"
place = "Nhà văn hóa Tam Lưu"
address = "Số 1 đường Tam Lưu"
ward = "Tam Lưu"
capacity = 50
"""
SIGN_UP = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam, two weeks before
THREE_DAYS = datetime(2020, 7, 31, 12, 0, tzinfo=UTC)  # Friday 19:00
EVENING_BEFORE = datetime(2020, 8, 2, 12, 0, tzinfo=UTC)  # Sunday 19:00
MORNING = datetime(2020, 8, 2, 23, 30, tzinfo=UTC)  # Monday 06:30
NEXT_DAY_TEN = datetime(2020, 8, 4, 3, 0, tzinfo=UTC)  # Tuesday 10:00


def reminders_in(bot: BotHarness, user: SimUser) -> list[str]:
    return [m.text or "" for m in bot.emu.messages(user.chat_id) if "Nhắc lịch hiến máu" in (m.text or "")]


async def plan_at(bot: BotHarness, when: datetime) -> int:
    bot.clock.current = when
    assert bot.app is not None
    return await run_planners_once(bot.app)


async def nothing_more_arrives(bot: BotHarness, user: SimUser, count: int) -> None:
    """Gives the delivery loop a few polls; the chat must still hold `count` messages."""
    await asyncio.sleep(1.2)
    texts = [(m.text or "")[:70] for m in bot.emu.messages(user.chat_id)]
    assert len(texts) == count, "\n".join(texts)


async def signed_up(
    bot: BotHarness, user: SimUser, phone: str, slot: str = "08:00", **changes: object
) -> None:
    await bot.add_donor(user, phone=phone, **changes)
    await bot.send(user, "/lichhien")
    await bot.press(user, "03/08/2020")
    done = await bot.press(user, slot)
    assert "Đã giữ chỗ" in done[0].text


async def test_a_signed_up_donor_gets_three_reminders_at_their_times(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        user = bot.user(8101, name="Lan")
        await signed_up(bot, user, "+84912100001")
        before = len(bot.emu.messages(user.chat_id))
        for number, due in enumerate((THREE_DAYS, EVENING_BEFORE, MORNING), start=1):
            # Planned a quarter of an hour ahead: queued, not sent before its time.
            assert await plan_at(bot, due - timedelta(minutes=15)) == 1
            await nothing_more_arrives(bot, user, before + number - 1)
            bot.clock.current = due
            await bot.emu.wait_until(
                lambda n=number: len(reminders_in(bot, user)) == n, what=f"reminder {number}"
            )
            assert await plan_at(bot, due + timedelta(minutes=5)) == 0
        texts = reminders_in(bot, user)
        assert "còn 3 ngày nữa, Thứ Hai, 03/08/2020" in texts[0]
        assert "ngày mai" in texts[1] and "hôm nay" in texts[2]
        for text in texts:
            assert "Giờ hẹn của bạn: 08:00" in text and "Nhà văn hóa Tam Lưu" in text
            assert "căn cước công dân" in text
        # After the start nothing more comes.
        assert await plan_at(bot, datetime(2020, 8, 3, 1, 0, tzinfo=UTC)) == 0
        await nothing_more_arrives(bot, user, before + 3)


async def test_turning_reminders_off_stops_them_and_on_brings_them_back(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        user = bot.user(8102, name="Minh")
        await signed_up(bot, user, "+84912100002")
        await plan_at(bot, THREE_DAYS)
        await bot.emu.wait_until(lambda: len(reminders_in(bot, user)) == 1, what="the first reminder")
        status = await bot.send(user, "/nhacnho")
        assert "Nhắc nhở đang bật" in status[0].text
        # The evening reminder is already queued when the donor turns reminders off: it never comes.
        assert await plan_at(bot, EVENING_BEFORE - timedelta(minutes=15)) == 1
        off = await bot.press(user, "Tắt nhắc nhở")
        assert "Đã tắt nhắc nhở" in off[0].text
        count = len(bot.emu.messages(user.chat_id))
        assert await plan_at(bot, EVENING_BEFORE) == 0
        await nothing_more_arrives(bot, user, count)
        assert reminders_in(bot, user) == reminders_in(bot, user)[:1]
        queued = await bot.rows(select(Outbox).where(Outbox.key.startswith("reminder:")).order_by(Outbox.id))
        assert [row.status for row in queued] == ["sent", "cancelled"]
        status = await bot.send(user, "/nhacnho")
        assert "Nhắc nhở đang tắt" in status[0].text
        on = await bot.press(user, "Bật nhắc nhở")
        assert "Đã bật nhắc nhở" in on[0].text
        assert await plan_at(bot, MORNING) == 1
        await bot.emu.wait_until(lambda: len(reminders_in(bot, user)) == 2, what="the morning reminder")


async def test_the_follow_up_tells_organisers_only_when_something_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        dizzy = bot.user(8103, name="Hoa")
        fine = bot.user(8104, name="Nam")
        organiser = bot.user(8105, name="Cán bộ")
        await bot.make_organiser(organiser)
        await bot.send(organiser, "/help")  # an organiser who has talked to the bot (else: chat not found)
        await signed_up(bot, dizzy, "+84912100003")
        await signed_up(bot, fine, "+84912100004", slot="08:30", sex="male", weight_kg=60.0)
        # The blood day: both donate (recorded by the desk).
        assert bot.app is not None
        for signup in await bot.rows(select(Signup).order_by(Signup.id)):
            async with bot.app.sessions() as session, session.begin():
                await checkin.record_result(
                    session,
                    signup_id=signup.id,
                    donated=True,
                    volume_ml=350,
                    deferral_reason=None,
                    donated_on=date(2020, 8, 3),
                    actor="test",
                    now=datetime(2020, 8, 3, 2, 0, tzinfo=UTC),
                )
        organiser_before = len(bot.emu.messages(organiser.chat_id))
        assert await plan_at(bot, NEXT_DAY_TEN) == 2
        for user in (dizzy, fine):
            await bot.emu.wait_until(
                lambda u=user: "thấy trong người thế nào" in (bot.emu.messages(u.chat_id)[-1].text or ""),
                what="the follow-up",
            )
            labels = bot.emu.last_keyboard_message(user.chat_id).button_labels()
            assert labels == ["😊 Khỏe", "😵 Chóng mặt", "🩹 Bầm tím chỗ kim", "💬 Khác"]
        answer = await bot.press(dizzy, "Chóng mặt")
        assert "nằm nghỉ" in answer[0].text and "115" in answer[0].text
        assert "báo cán bộ tổ chức" in answer[1].text
        await bot.emu.wait_until(
            lambda: len(bot.emu.messages(organiser.chat_id)) == organiser_before + 1, what="the notice"
        )
        notice = bot.emu.messages(organiser.chat_id)[-1].text or ""
        assert "chóng mặt" in notice and "Hoa" in notice and "0912 100 003" in notice
        assert "03/08/2020" in notice and "Nhà văn hóa Tam Lưu" in notice
        thanks = await bot.press(fine, "Khỏe")
        assert "Thật tốt" in thanks[0].text and len(thanks) == 1
        await nothing_more_arrives(bot, organiser, organiser_before + 1)
        feelings = {s.donor_id: s.feeling for s in await bot.rows(select(Signup))}
        assert sorted(feelings.values()) == ["dizzy", "fine"]
        # A forged button cannot answer for someone else's sign-up (nor tell the organisers).
        other = await bot.scalar(select(Signup.id).where(Signup.feeling == "fine"))
        stranger = bot.user(8106, name="Lạ")
        await bot.add_donor(stranger, phone="+84912100006")
        await bot.send(stranger, "/nhacnho")
        own = bot.emu.last_keyboard_message(stranger.chat_id)
        forged = bot.emu.press(stranger, own, f"feel:{other}:dizzy", strict=False)
        refused = await bot._turn(stranger, forged)
        assert "không còn dùng được" in refused[0].text
        assert await bot.scalar(select(Signup.feeling).where(Signup.id == other)) == "fine"
        await nothing_more_arrives(bot, organiser, organiser_before + 1)


def test_dates_used_here_are_what_the_names_say() -> None:
    assert (THREE_DAYS + timedelta(hours=7)).date() == date(2020, 7, 31)
    assert (MORNING + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M") == "2020-08-03 06:30"
