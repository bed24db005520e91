"""Issue 12, item 20 end to end: reminders carry Change time / Cancel, ward invitations a Book button;
they work when pressed days later, are refused clearly once the session was cancelled, and a queued
reminder or invitation never outlives what it says (a cancelled sign-up, a new time, a cancelled day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from emulators.telegram import SentMessage, SimUser
from models.tables import Outbox, Signup
from scheduler.jobs import run_planners_once
from tests.e2e.test_reminders import PLAN, SIGN_UP
from tests.helpers import BotHarness, FixedClock, running_bot

INVITE = datetime(2020, 7, 29, 12, 0, tzinfo=UTC)  # Wednesday 19:00, five days before
THREE_DAYS = datetime(2020, 7, 31, 12, 0, tzinfo=UTC)  # Friday 19:00
EVENING_BEFORE = datetime(2020, 8, 2, 12, 0, tzinfo=UTC)  # Sunday 19:00
MORNING = datetime(2020, 8, 2, 23, 30, tzinfo=UTC)  # Monday 06:30


async def plan_at(bot: BotHarness, when: datetime) -> int:
    bot.clock.current = when
    assert bot.app is not None
    return await run_planners_once(bot.app)


def pushes(bot: BotHarness, user: SimUser, marker: str) -> list[SentMessage]:
    return [m for m in bot.emu.messages(user.chat_id) if marker in (m.text or "")]


async def arrives(bot: BotHarness, user: SimUser, marker: str, count: int = 1) -> SentMessage:
    await bot.emu.wait_until(lambda: len(pushes(bot, user, marker)) >= count, what=f"push {marker!r}")
    return pushes(bot, user, marker)[count - 1]


async def press_on(bot: BotHarness, user: SimUser, message: SentMessage, label: str) -> list[SentMessage]:
    """Presses a button of a given message (not necessarily the latest one with buttons)."""
    return await bot._turn(user, bot.emu.press(user, message, message.button(label)))


async def waiting(bot: BotHarness, prefix: str) -> list[Outbox]:
    """Rows still to be sent whose key starts with `prefix`."""
    return await bot.rows(select(Outbox).where(Outbox.key.startswith(prefix), Outbox.status == "pending"))


async def signed_up(bot: BotHarness, user: SimUser, phone: str, slot: str, **changes: object) -> None:
    await bot.add_donor(user, phone=phone, **changes)
    await bot.send(user, "/lichhien")
    await bot.press(user, "03/08/2020")
    assert "Đã giữ chỗ" in (await bot.press(user, slot))[0].text


async def test_reminder_buttons_change_the_time_and_cancel_days_later(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        user = bot.user(8401, name="Lan")
        await signed_up(bot, user, "+84912400001", "08:00")
        assert await plan_at(bot, THREE_DAYS) == 1
        first = await arrives(bot, user, "Nhắc lịch hiến máu")
        assert first.button_labels() == ["Đổi giờ", "Hủy đăng ký"]
        assert "/lichcuatoi" not in (first.text or ""), "a button, not a command to type"

        # Two days later the evening reminder is already queued when the donor changes the time on
        # the first reminder: the queued one must not arrive with the old time.
        assert await plan_at(bot, EVENING_BEFORE - timedelta(minutes=15)) == 1
        await press_on(bot, user, first, "Đổi giờ")
        moved = await bot.press(user, "09:00")
        assert "Đã đổi sang khung giờ 09:00" in moved[0].text
        assert await waiting(bot, "reminder:") == [], "the reminder with the old time is not sent"
        assert await plan_at(bot, EVENING_BEFORE) == 1
        evening = await arrives(bot, user, "Nhắc lịch hiến máu", 2)
        assert "Giờ hẹn của bạn: 09:00" in (evening.text or "")

        # The morning reminder is queued; the donor cancels on the evening one: it never comes.
        assert await plan_at(bot, MORNING - timedelta(minutes=15)) == 1
        cancelled = await press_on(bot, user, evening, "Hủy đăng ký")
        assert "Đã hủy đăng ký" in cancelled[0].text
        assert await waiting(bot, "reminder:") == []
        assert await plan_at(bot, MORNING) == 0
        assert await bot.scalar(select(Signup.status)) == "cancelled"
        assert len(pushes(bot, user, "Nhắc lịch hiến máu")) == 2


async def test_an_invitation_books_with_a_button_and_a_cancelled_day_refuses_clearly(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(SIGN_UP)) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        booker = bot.emu.user(8402, "Hoa", language_code="vi", started=True)
        late = bot.emu.user(8403, "Nam", language_code="vi", started=True)
        queued = bot.emu.user(8404, "Mai", language_code="vi", started=True)
        for user, phone in ((booker, "+84912400002"), (late, "+84912400003")):
            await bot.add_donor(user, phone=phone)
        signed = bot.user(8405, name="Minh")
        await signed_up(bot, signed, "+84912400005", "07:30")
        early = bot.emu.user(8407, "Lan", language_code="vi", started=True)
        await bot.add_donor(early, phone="+84912400007")
        # Queued a quarter of an hour ahead; one donor books meanwhile: their invitation is dropped.
        assert await plan_at(bot, INVITE - timedelta(minutes=15)) == 3
        await bot.send(early, "/lichhien")
        await bot.press(early, "03/08/2020")
        assert "Đã giữ chỗ" in (await bot.press(early, "08:00"))[0].text
        assert await plan_at(bot, INVITE) == 0
        invitation = await arrives(bot, booker, "Sắp có buổi hiến máu")
        assert invitation.button_labels() == ["Chọn giờ và giữ chỗ"]
        assert "/lichhien" not in (invitation.text or "")
        late_invitation = await arrives(bot, late, "Sắp có buổi hiến máu")
        invited = await bot.rows(select(Outbox.key).where(Outbox.key.startswith("ward:")))
        assert len(invited) == 2 and pushes(bot, early, "Sắp có buổi hiến máu") == []

        # A day and a half later the button still books.
        bot.clock.current = INVITE + timedelta(days=1, hours=12)
        slots = await press_on(bot, booker, invitation, "Chọn giờ và giữ chỗ")
        assert "Bạn chọn giờ đến" in slots[0].text
        assert "Đã giữ chỗ" in (await bot.press(booker, "07:30"))[0].text

        assert await plan_at(bot, THREE_DAYS) == 3  # reminders to the three signed-up donors
        reminder = await arrives(bot, signed, "Nhắc lịch hiến máu")
        booker_reminder = await arrives(bot, booker, "Nhắc lịch hiến máu")

        # A donor who registered meanwhile is invited at 06:45 for 07:00 (the end of the quiet hours);
        # the organiser cancels the day before then: the queued invitation is dropped.
        await bot.add_donor(queued, phone="+84912400004")
        assert await plan_at(bot, datetime(2020, 7, 31, 23, 45, tzinfo=UTC)) == 1
        assert len(await waiting(bot, "ward:")) == 1
        staff = bot.user(8406)
        await bot.make_organiser(staff)
        await bot.send(staff, "/lichhien")
        await bot.press(staff, "03/08/2020")
        await bot.press(staff, "Hủy buổi")
        await bot.press(staff, "Hủy buổi này")
        assert await waiting(bot, "ward:") == []
        await arrives(
            bot, signed, "Xin lỗi bạn"
        )  # the cancel notice lands before the press (replies are counted)

        refused = await press_on(bot, late, late_invitation, "Chọn giờ và giữ chỗ")
        assert "đã bị hủy" in refused[0].text and "03/08/2020" in refused[0].text
        refused = await press_on(bot, signed, reminder, "Đổi giờ")
        assert "đã bị hủy" in refused[0].text and "không cần đổi giờ" in refused[0].text
        refused = await press_on(bot, booker, booker_reminder, "Hủy đăng ký")
        assert "đã bị hủy" in refused[0].text
