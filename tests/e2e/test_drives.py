"""Issue 5 end to end: drives, sign-up with slots, .ics and QR, races, check-in and results."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from core.config import PROJECT_ROOT
from models.tables import Donation, Signup
from tests.helpers import BotHarness, FixedClock, running_bot, texts

KINH_MON = PROJECT_ROOT / "examples" / "kinh-mon-2020.toml"
# 20 July 2020, 09:00 in Vietnam: two weeks before round 1.
BEFORE_ROUND_1 = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)

SMALL_PLAN = """
[campaign]
key = "test-small"
name = "Ngày hội thử"
year = 2020

[[sessions]]
key = "small"
date = 2020-08-10
start = "07:00"
end = "08:00"
place = "Hội trường nhỏ"
ward = "Tam Lưu"
capacity = 5
slot_minutes = 60
"""


@pytest.fixture
async def drive_bot(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as harness:
        await harness.import_plan(KINH_MON)
        yield harness


async def test_sessions_are_listed_with_my_ward_first(drive_bot: BotHarness) -> None:
    user = drive_bot.user(7001)
    await drive_bot.add_donor(user, phone="+84912000001", ward="Nam An Phụ")
    reply = await drive_bot.send(user, "/lichhien")
    labels = reply[0].button_labels()
    assert labels[0].startswith("06/08/2020") and "Nam An Phụ" in reply[0].text
    assert [label[:10] for label in labels[1:4]] == ["03/08/2020", "04/08/2020", "05/08/2020"]
    assert "Thứ Hai, 03/08/2020" in reply[0].text


async def test_a_full_sign_up_brings_a_calendar_file_and_a_qr_code(drive_bot: BotHarness) -> None:
    user = drive_bot.user(7002)
    await drive_bot.add_donor(user, phone="+84912000002")
    await drive_bot.send(user, "/lichhien")
    details = await drive_bot.press(user, "03/08/2020")
    assert "Kinh Môn ngàn trái tim vàng" in details[0].text
    assert details[0].button_labels()[0] == "07:00 (28)"  # 250 places over 9 slots
    done = await drive_bot.press(user, "07:30")
    signup = await drive_bot.scalar(select(Signup))
    assert signup is not None and signup.slot_start.strftime("%H:%M") == "07:30"
    assert f"Mã đăng ký: {signup.code}" in done[0].text and "căn cước" in done[0].text
    ics = done[1].file
    assert ics is not None and ics.filename.endswith(".ics")
    event = next(iter(Calendar.from_ical(ics.content).walk("VEVENT")))
    assert event.decoded("dtstart") == datetime(2020, 8, 3, 0, 30, tzinfo=UTC)  # 07:30 in Vietnam
    assert signup.code in str(event.get("description"))
    qr = done[2]
    assert qr.kind == "photo" and qr.file is not None and qr.file.content[:4] == b"\x89PNG"
    assert signup.code in (qr.text or "")
    mine = await drive_bot.send(user, "/lichcuatoi")
    assert "07:30" in mine[0].text and signup.code in mine[0].text


async def test_twenty_people_race_for_five_places(tmp_path: Path) -> None:
    plan = tmp_path / "small.toml"
    plan.write_text(SMALL_PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(plan)
        users = [bot.user(7100 + n) for n in range(20)]
        for n, user in enumerate(users):
            await bot.add_donor(user, phone=f"+849120001{n:02d}")
            await bot.send(user, "/lichhien")
            await bot.press(user, "10/08/2020")
        slot_messages = [bot.emu.last_keyboard_message(u.chat_id) for u in users]
        replies = await asyncio.gather(
            *(
                bot._turn(u, bot.emu.press(u, m, m.button("07:00")))
                for u, m in zip(users, slot_messages, strict=True)
            )
        )
        booked = [r for r in replies if "Đã giữ chỗ" in r[0].text]
        refused = [r for r in replies if "kín chỗ" in texts(r)]
        assert (len(booked), len(refused)) == (5, 15)
        assert len(await bot.rows(select(Signup))) == 5


async def test_too_soon_after_the_last_donation_is_refused_with_a_date(drive_bot: BotHarness) -> None:
    user = drive_bot.user(7003)
    await drive_bot.add_donor(user, phone="+84912000003", last_donation=date(2020, 6, 29))
    listing = await drive_bot.send(user, "/lichhien")
    assert "⛔ Bạn có thể hiến lại từ ngày 21/09/2020" in listing[0].text  # 12 weeks after 29/06/2020
    reply = texts(await drive_bot.press(user, "03/08/2020"))
    assert "Vào ngày 03/08/2020, bạn chưa hiến máu được" in reply
    assert "21/09/2020" in reply
    assert drive_bot.emu.last_message(user.chat_id).button_labels() == [], "no slot to press"
    assert await drive_bot.scalar(select(Signup)) is None


async def test_cancel_from_my_sign_ups_frees_the_place(drive_bot: BotHarness) -> None:
    user = drive_bot.user(7004)
    await drive_bot.add_donor(user, phone="+84912000004")
    await drive_bot.send(user, "/lichhien")
    await drive_bot.press(user, "04/08/2020")
    await drive_bot.press(user, "08:00")
    await drive_bot.send(user, "/lichcuatoi")
    moved_q = await drive_bot.press(user, "Đổi giờ")
    assert "giờ mới" in moved_q[0].text
    moved = await drive_bot.press(user, "09:00")
    assert "09:00" in moved[0].text
    await drive_bot.send(user, "/lichcuatoi")
    cancelled = await drive_bot.press(user, "Hủy đăng ký")
    assert "Đã hủy đăng ký" in cancelled[0].text
    signup = await drive_bot.scalar(select(Signup))
    assert signup is not None and signup.status == "cancelled"
    assert "chưa đăng ký buổi" in (await drive_bot.send(user, "/lichcuatoi"))[0].text


async def test_someone_not_registered_registers_first_then_returns(drive_bot: BotHarness) -> None:
    user = drive_bot.user(7005)
    await drive_bot.send(user, "/lichhien")
    await drive_bot.press(user, "05/08/2020")
    reply = texts(await drive_bot.press(user, "07:00"))
    assert "cần đăng ký hiến máu trước" in reply and "Luật Bảo vệ dữ liệu cá nhân" in reply
    await drive_bot.press(user, "Đồng ý")
    await drive_bot.send(user, "Mạc Thị Hằng")
    await drive_bot.send(user, "1/1/1990")
    await drive_bot.press(user, "Nữ")
    await drive_bot.send(user, "0912 777 888")
    await drive_bot.press(user, "A+")
    await drive_bot.press(user, "Bắc An Phụ")
    await drive_bot.press(user, "Chưa từng hiến")
    back = await drive_bot.press(user, "Xác nhận")
    assert "thành công" in back[0].text and "Bắc An Phụ" in back[-1].text
    assert "07:00" in back[-1].button_labels()[0]
    done = await drive_bot.press(user, "07:00")
    assert "Đã giữ chỗ" in done[0].text


async def test_a_poster_deep_link_opens_the_session(drive_bot: BotHarness) -> None:
    user = drive_bot.user(7006)
    await drive_bot.add_donor(user, phone="+84912000006")
    await drive_bot.send(user, "/lichhien")
    drive_day_id = drive_bot.emu.last_keyboard_message(user.chat_id).button("03/08/2020").split(":")[1]
    opened = await drive_bot.send(user, f"/start drive_{drive_day_id}")
    assert "Kinh Môn ngàn trái tim vàng" in opened[0].text and opened[0].button_labels()


async def test_the_posters_short_code_opens_the_session_on_any_channel(drive_bot: BotHarness) -> None:
    """Zalo links carry no start parameter: a poster prints "DK 12", and typing it (any case, with or
    without the space, even in the middle of a dialogue) does what the Telegram deep link does."""
    user = drive_bot.user(7026)
    await drive_bot.add_donor(user, phone="+84912000026")
    await drive_bot.send(user, "/lichhien")
    drive_day_id = drive_bot.emu.last_keyboard_message(user.chat_id).button("03/08/2020").split(":")[1]
    for typed in (f"DK {drive_day_id}", f"dk{drive_day_id}"):
        opened = await drive_bot.send(user, typed)
        assert "Kinh Môn ngàn trái tim vàng" in opened[0].text and opened[0].button_labels(), typed
    await drive_bot.send(user, "/kiemtra")  # a dialogue waiting for an answer
    opened = await drive_bot.send(user, f"Dk-{drive_day_id}")
    assert "Kinh Môn ngàn trái tim vàng" in texts(opened)


async def test_a_deep_link_opened_before_registering_shows_the_session_after_confirm(
    drive_bot: BotHarness,
) -> None:
    other = drive_bot.user(7016)
    await drive_bot.add_donor(other, phone="+84912000016")
    await drive_bot.send(other, "/lichhien")
    drive_day_id = drive_bot.emu.last_keyboard_message(other.chat_id).button("03/08/2020").split(":")[1]
    user = drive_bot.user(7017)
    await drive_bot.send(user, f"/start drive_{drive_day_id}")
    await drive_bot.press(user, "Đồng ý")
    for answer in ("nguyễn thị lan", "3/8/1995"):
        await drive_bot.send(user, answer)
    await drive_bot.press(user, "Nữ")
    await drive_bot.send(user, "0912 000 017")
    await drive_bot.press(user, "O+")
    await drive_bot.press(user, "Nhị Chiểu")
    await drive_bot.press(user, "Chưa từng hiến")
    done = await drive_bot.press(user, "Xác nhận")
    assert "Kinh Môn ngàn trái tim vàng" in texts(done)
    assert any(label.startswith("07:00") for label in done[-1].button_labels()), texts(done)


async def test_organiser_commands_are_refused_to_others(drive_bot: BotHarness) -> None:
    user = drive_bot.user(7007)
    await drive_bot.add_donor(user, phone="+84912000007")
    reply = await drive_bot.send(user, "/checkin ABCDEF")
    assert "chỉ dành cho cán bộ tổ chức" in reply[0].text


async def test_check_in_and_result_update_the_history_and_thank_the_donor(
    drive_bot: BotHarness,
) -> None:
    donor_user = drive_bot.user(7008, name="Lan")
    organiser = drive_bot.user(7009, name="Cán bộ")
    await drive_bot.add_donor(donor_user, phone="+84912000008")
    await drive_bot.make_organiser(organiser)
    await drive_bot.send(donor_user, "/lichhien")
    await drive_bot.press(donor_user, "03/08/2020")
    await drive_bot.press(donor_user, "07:00")
    signup = await drive_bot.scalar(select(Signup))
    assert signup is not None
    # on the blood day, the organiser scans the QR code: a deep link with the code
    drive_bot.clock.current = datetime(2020, 8, 3, 2, 0, tzinfo=UTC)
    checked = await drive_bot.send(organiser, f"/start checkin_{signup.code.lower()}")
    assert "Đã check-in: Lan" in checked[0].text and "Số lần hiến đã ghi nhận: 0" in checked[0].text
    recorded = await drive_bot.press(organiser, "350 ml")
    assert "Đã ghi nhận kết quả" in recorded[0].text
    donation = await drive_bot.scalar(select(Donation))
    assert donation is not None and (donation.volume_ml, donation.donated_on) == (350, date(2020, 8, 3))
    drive_bot.clock.advance(minutes=10)  # the thank-you leaves time to correct a mis-tap
    await drive_bot.emu.wait_until(
        lambda: any("Cảm ơn Lan" in (m.text or "") for m in drive_bot.emu.messages(donor_user.chat_id)),
        what="the thank-you",
    )
    thanks = [m.text for m in drive_bot.emu.messages(donor_user.chat_id) if "Cảm ơn Lan" in (m.text or "")]
    assert len(thanks) == 1 and "lần hiến thứ 1" in thanks[0] and "26/10/2020" in thanks[0]
    profile = await drive_bot.send(donor_user, "/hoso")
    assert "Số lần hiến đã ghi nhận: 1" in profile[0].text


async def test_mydata_exports_sign_ups(drive_bot: BotHarness) -> None:
    import json

    user = drive_bot.user(7020)
    await drive_bot.add_donor(user, phone="+84912000020")
    await drive_bot.send(user, "/lichhien")
    await drive_bot.press(user, "03/08/2020")
    await drive_bot.press(user, "08:30")
    exported = json.loads((await drive_bot.send(user, "/mydata"))[-1].file.content)  # type: ignore[union-attr]
    assert exported["signups"][0]["session_day"] == "2020-08-03"
    assert exported["signups"][0]["slot"] == "08:30" and exported["reminders_enabled"] is True
