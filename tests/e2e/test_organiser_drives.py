"""Organisers manage drives from the chat and the CLI; signed-up donors are told through the outbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.cli import main
from emulators.telegram import SimUser
from models.tables import AuditEntry, DriveDay
from tests.e2e.test_drives import BEFORE_ROUND_1, KINH_MON
from tests.helpers import BotHarness, FixedClock, running_bot, texts


async def signed_up(bot: BotHarness, user: SimUser, phone: str, day: str = "03/08/2020") -> None:
    await bot.add_donor(user, phone=phone)
    await bot.send(user, "/lichhien")
    await bot.press(user, day)
    await bot.press(user, "07:00")


async def notice_for(bot: BotHarness, user: SimUser, words: str) -> str:
    await bot.emu.wait_until(
        lambda: any(words in (m.text or "") for m in bot.emu.messages(user.chat_id)), what=words
    )
    found = [m.text or "" for m in bot.emu.messages(user.chat_id) if words in (m.text or "")]
    assert len(found) == 1, "told exactly once"
    return found[0]


async def test_create_a_session_in_the_chat(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        staff = bot.user(8001, name="Cán bộ")
        citizen = bot.user(8002)
        refused = await bot.send(citizen, "/taodot")
        assert "chỉ dành cho cán bộ" in refused[0].text
        await bot.make_organiser(staff)
        assert "/taodot" in texts(await bot.send(staff, "/help"))
        await bot.send(staff, "/taodot")
        await bot.press(staff, "Kinh Môn ngàn trái tim vàng")
        assert "đã qua" in texts(await bot.send(staff, "1/7/2020"))
        await bot.send(staff, "15/8/2020")
        assert "ví dụ: 07:00-11:30" in texts(await bot.send(staff, "sáng"))
        await bot.send(staff, "7h-10h30")
        await bot.send(staff, "Trường THCS Tam Lưu")
        await bot.press(staff, "Tam Lưu")
        summary = await bot.send(staff, "120")
        assert "Thứ Bảy, 15/08/2020, 07:00–10:30" in summary[0].text
        done = await bot.press(staff, "Xác nhận")
        row = await bot.scalar(select(DriveDay).where(DriveDay.place_name == "Trường THCS Tam Lưu"))
        assert row is not None and row.capacity == 120 and row.ward == "Tam Lưu"
        assert f"start=drive_{row.id}" in done[0].text
        assert await bot.scalar(select(AuditEntry).where(AuditEntry.action == "drive.add")) is not None
        listing = await bot.send(citizen, "/lichhien")
        assert "Trường THCS Tam Lưu" in listing[0].text


async def test_cancel_from_the_chat_tells_the_donors(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        donor = bot.user(8010, name="Hoa")
        await signed_up(bot, donor, "+84912100010")
        staff = bot.user(8011)
        await bot.make_organiser(staff)
        await bot.send(staff, "/lichhien")
        details = await bot.press(staff, "03/08/2020")
        assert "🛠 Hủy buổi" in details[0].button_labels()
        confirm = await bot.press(staff, "Hủy buổi")
        assert "1 người đã đăng ký" in confirm[0].text
        done = await bot.press(staff, "Hủy buổi này")
        assert "báo tin cho 1 người" in done[0].text
        text = await notice_for(bot, donor, "đã bị hủy")
        assert "Thứ Hai, 03/08/2020" in text
        mine = await bot.send(donor, "/lichcuatoi")
        assert "đã bị hủy" in mine[0].text


async def test_moving_a_session_tells_the_new_time(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        donor = bot.user(8020, name="Minh")
        await signed_up(bot, donor, "+84912100020", day="04/08/2020")
        staff = bot.user(8021)
        await bot.make_organiser(staff)
        await bot.send(staff, "/lichhien")
        await bot.press(staff, "04/08/2020")
        await bot.press(staff, "Đổi ngày giờ")
        await bot.send(staff, "-")
        done = await bot.send(staff, "13:00-16:30")
        assert "báo tin cho 1 người" in done[0].text
        text = await notice_for(bot, donor, "đã thay đổi")
        assert "13:00–16:30" in text and "Giờ hẹn của bạn: 13:00" in text


async def test_a_cancel_from_the_command_line_reaches_the_donors(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        donor = bot.user(8030, name="Nga")
        await signed_up(bot, donor, "+84912100030", day="05/08/2020")
        session = await bot.scalar(select(DriveDay).where(DriveDay.key == "r1-bac-an-phu"))
        assert session is not None
        config = tmp_path / "cli.toml"
        config.write_text(f'[database]\nurl = "{bot.settings.database.url}"\n', encoding="utf-8")
        # the CLI runs its own event loop, as it would in another process
        args = ["--config", str(config), "drive", "cancel", str(session.id)]
        assert await asyncio.to_thread(main, args) == 0
        # The CLI stamped the notice with the real time; in production the bot reads the same clock.
        bot.clock.current = datetime.now(UTC)
        text = await notice_for(bot, donor, "đã bị hủy")
        assert "05/08/2020" in text


async def test_moving_a_session_another_organiser_just_cancelled_ends_clearly(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        mover, canceller = bot.user(8040), bot.user(8041)
        for staff in (mover, canceller):
            await bot.make_organiser(staff)
            await bot.send(staff, "/lichhien")
            await bot.press(staff, "04/08/2020")
        await bot.press(mover, "Đổi ngày giờ")
        await bot.send(mover, "10/08/2020")  # the new day; the hours are asked next
        await bot.press(canceller, "Hủy buổi")
        await bot.press(canceller, "Hủy buổi này")
        reply = texts(await bot.send(mover, "13:00-16:30"))
        assert "vừa bị hủy" in reply and "gặp sự cố" not in reply, reply
        state = await bot.conversation(mover)
        assert state is None or state.flow is None, "the move dialogue ended"
        assert "gặp sự cố" not in texts(await bot.send(mover, "13:00-16:30"))
        session = await bot.scalar(select(DriveDay).where(DriveDay.key == "r1-nhi-chieu"))
        assert session is not None and session.status == "cancelled" and str(session.day) == "2020-08-04"


async def test_campaign_buttons_fit_telegram_whatever_the_key(tmp_path: Path) -> None:
    plan = tmp_path / "long-key.toml"
    key = "chien-dich-hien-mau-tinh-nguyen-thi-xa-kinh-mon-nam-2020-dot-hai"
    assert len(key) == 64
    plan.write_text(
        KINH_MON.read_text(encoding="utf-8").replace('key = "kinh-mon-2020"', f'key = "{key}"'), "utf-8"
    )
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(plan)
        staff = bot.user(8050)
        await bot.make_organiser(staff)
        asked = await bot.send(staff, "/taodot")
        assert asked and "Kinh Môn ngàn trái tim vàng" in asked[0].button_labels()[0]
        await bot.press(staff, "Kinh Môn ngàn trái tim vàng")
        await bot.send(staff, "15/8/2020")
        await bot.send(staff, "7h-10h30")
        await bot.send(staff, "Trường THCS Tam Lưu")
        await bot.press(staff, "Tam Lưu")
        await bot.send(staff, "120")
        done = await bot.press(staff, "Xác nhận")
        assert "start=drive_" in texts(done)
