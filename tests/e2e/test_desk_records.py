"""Issue 12, records: the desk at a blood drive and what erasure keeps.

Check-in belongs to the session's day (an organiser may override, and the donation is then dated when it
happened); the volume buttons follow the donor's weight; a recorded result is shown, not offered again,
and correcting it withdraws the thank-you still waiting (as a cancelled or moved sign-up withdraws its
reminders); `/xoa` removes the person but not the numbers of campaigns and call-outs.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import drives as drive_cli
from emulators.telegram import SimUser
from models import outbox
from models.tables import Callout, Donation, Donor, Outbox, Signup
from scheduler.jobs import run_planners_once
from tests.e2e.test_callouts import start_callout
from tests.e2e.test_profile_safety import dump_every_table
from tests.helpers import BotHarness, FixedClock, running_bot, texts

PLAN = """
[campaign]
key = "desk-2020"
name = "Ngày hội hiến máu Tam Lưu"
year = 2020

[[sessions]]
key = "tam-luu"
date = 2020-08-03
start = "07:00"
end = "11:00"
place = "Nhà văn hóa Tam Lưu"
address = "Số 1 đường Tam Lưu"
ward = "Tam Lưu"
capacity = 8
slot_minutes = 60
"""
TEN_DAYS_BEFORE = datetime(2020, 7, 24, 2, 0, tzinfo=UTC)  # Friday 24/07/2020, 09:00 in Vietnam
BLOOD_DAY = datetime(2020, 8, 3, 1, 0, tzinfo=UTC)  # Monday 03/08/2020, 08:00 in Vietnam
THREE_DAYS = datetime(2020, 7, 31, 12, 0, tzinfo=UTC)  # the three-day reminder: Friday 19:00


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[BotHarness]:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(datetime(2020, 7, 20, 2, 0, tzinfo=UTC))) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        yield bot


async def organiser_of(bot: BotHarness, user_id: int = 6000) -> SimUser:
    staff = bot.user(user_id, name="Cán bộ")
    await bot.make_organiser(staff)
    await bot.send(staff, "/help")  # an organiser who has talked to the bot
    return staff


async def booked(
    bot: BotHarness, user: SimUser, phone: str, slot: str = "07:00", **changes: object
) -> Signup:
    """A registered donor (written directly) who books the 03/08 session through the chat."""
    await bot.add_donor(user, phone=phone, **changes)
    await bot.send(user, "/lichhien")
    await bot.press(user, "03/08/2020")
    assert "Đã giữ chỗ" in texts(await bot.press(user, slot))
    signup = await bot.scalar(select(Signup).join(Donor).where(Donor.phone == phone))
    assert isinstance(signup, Signup)
    return signup


async def sentinel(bot: BotHarness, user: SimUser, donor_id: int) -> None:
    """Queues a push due now behind everything else and waits until it arrives: whatever was due for
    this chat before it (a thank-you, a reminder) would have arrived by then."""
    assert bot.app is not None
    async with bot.app.sessions() as session, session.begin():
        await outbox.enqueue_for_donor(
            session,
            donor_id=donor_id,
            key=f"sentinel:{bot.clock.now().timestamp()}",
            kind="announcement",
            text="— sentinel —",
            due_at=bot.clock.now(),
        )
    if bot.app.dispatcher.on_pushed is not None:
        bot.app.dispatcher.on_pushed()
    await bot.emu.wait_until(
        lambda: any("— sentinel —" in (m.text or "") for m in bot.emu.messages(user.chat_id)),
        what="the sentinel push",
    )


def received(bot: BotHarness, user: SimUser, words: str) -> list[str]:
    return [m.text or "" for m in bot.emu.messages(user.chat_id) if words in (m.text or "")]


# --- 1. check-in on the session's day -------------------------------------------------------------


async def test_a_code_for_another_day_asks_first_and_the_donation_is_dated_when_it_happened(
    desk: BotHarness,
) -> None:
    staff = await organiser_of(desk)
    lan = desk.user(6001, name="Lan")
    signup = await booked(desk, lan, "+84912600001")
    assert signup.code is not None
    desk.clock.current = TEN_DAYS_BEFORE
    for asked in (f"/checkin {signup.code}", f"/start checkin_{signup.code.lower()}"):
        (reply,) = await desk.send(staff, asked)
        assert "không phải hôm nay" in reply.text and "Thứ Hai, 03/08/2020" in reply.text
        assert "Thứ Sáu, 24/07/2020" in reply.text
        assert reply.button_labels() == ["Vẫn check-in, ghi ngày 24/07/2020"], "no result buttons yet"
    still = await desk.scalar(select(Signup.status).where(Signup.id == signup.id))
    assert still == "active", "not checked in without the organiser's confirmation"

    (screen,) = await desk.press(staff, "Vẫn check-in")
    assert "Đã check-in: Lan" in screen.text and "Buổi hiến máu Thứ Hai, 03/08/2020" in screen.text
    await desk.press(staff, "350 ml")
    donation = await desk.scalar(select(Donation).where(Donation.self_reported.is_(False)))
    assert donation is not None and donation.donated_on == date(2020, 7, 24), "the day it happened"
    donor = await desk.donor_by_phone("+84912600001")
    assert donor is not None and donor.last_donation_on == date(2020, 7, 24)
    profile = texts(await desk.send(lan, "/hoso"))
    assert "24/07/2020" in profile and "03/08/2020" not in profile

    # On the session's day the code checks in at once, and the screen names the session's date.
    hoa = desk.user(6002, name="Hoa")
    other = await booked(desk, hoa, "+84912600002", slot="08:00")
    desk.clock.current = BLOOD_DAY
    (screen,) = await desk.send(staff, f"/checkin {other.code}")
    assert "Đã check-in: Hoa" in screen.text and "Buổi hiến máu Thứ Hai, 03/08/2020" in screen.text
    assert "Đã hiến 350 ml" in screen.button_labels()


# --- 4. volumes by weight ---------------------------------------------------------------------------


async def test_the_volume_buttons_follow_the_donors_weight(desk: BotHarness) -> None:
    staff = await organiser_of(desk)
    light = desk.user(6011, name="Mai")
    unweighed = desk.user(6012, name="Đào")
    light_signup = await booked(desk, light, "+84912600011", weight_kg=45.0)
    unweighed_signup = await booked(desk, unweighed, "+84912600012", slot="08:00", weight_kg=None)
    desk.clock.current = BLOOD_DAY

    (screen,) = await desk.send(staff, f"/checkin {light_signup.code}")
    labels = screen.button_labels()
    assert "Đã hiến 250 ml" in labels and "Đã hiến 350 ml" in labels
    assert "Đã hiến 450 ml" not in labels, "45 kg × 9 ml/kg = 405 ml: 450 ml is too much"
    assert "Cân nặng 45 kg: được hiến tối đa 350 ml" in screen.text
    assert "9 ml cho mỗi kg" in screen.text and "nên không có lựa chọn 450 ml" in screen.text
    refused = await desk.forge(staff, f"res:{light_signup.id}:450")
    assert "Không ghi được 450 ml" in texts(refused) and "tối đa 350 ml" in texts(refused)
    assert await desk.count_donations() == 0, "a forged 450 ml button records nothing"

    (screen,) = await desk.send(staff, f"/checkin {unweighed_signup.code}")
    assert not [label for label in screen.button_labels() if "Đã hiến" in label]
    assert "chưa có cân nặng" in screen.text
    assert "gõ cân nặng của Đào đo tại chỗ" in texts(await desk.press(staff, "Nhập cân nặng"))
    assert "Cân nặng chưa đúng" in texts(await desk.send(staff, "nặng lắm"))
    saved, screen = await desk.send(staff, "52,5")
    assert "Đã lưu cân nặng 52,5 kg" in saved.text
    assert "Đã hiến 450 ml" in screen.button_labels() and "Cân nặng 52,5 kg" in screen.text
    weighed = await desk.donor_by_phone("+84912600012")
    assert weighed is not None and weighed.weight_kg == 52.5
    assert "Đã ghi nhận kết quả" in texts(await desk.press(staff, "450 ml"))
    assert await desk.count_donations() == 1


# --- 5. a recorded result, corrected --------------------------------------------------------------


async def test_a_second_check_in_shows_the_result_and_a_correction_withdraws_the_thank_you(
    desk: BotHarness,
) -> None:
    staff = await organiser_of(desk)
    lan = desk.user(6021, name="Lan")
    signup = await booked(desk, lan, "+84912600021")
    desk.clock.current = BLOOD_DAY
    await desk.send(staff, f"/checkin {signup.code}")
    recorded = texts(await desk.press(staff, "350 ml"))
    assert "Đã ghi nhận kết quả" in recorded

    (again,) = await desk.send(staff, f"/checkin {signup.code}")
    assert "Kết quả đã ghi: Đã hiến 350 ml" in again.text
    assert again.button_labels() == ["✏️ Sửa kết quả"], "no result buttons without asking to correct"
    stale = await desk.forge(staff, f"res:{signup.id}:250")
    assert "đã có kết quả khác: Đã hiến 350 ml" in texts(stale)
    donation = await desk.scalar(select(Donation))
    assert donation is not None and donation.volume_ml == 350, "a stale button changes nothing"

    (correcting,) = await desk.press(staff, "Sửa kết quả")
    assert "đang ghi: Đã hiến 350 ml" in correcting.text
    assert "Đã ghi nhận: tạm hoãn" in texts(await desk.press(staff, "Hoãn: huyết áp"))
    assert await desk.count_donations() == 0
    assert await desk.rows(select(Outbox).where(Outbox.key.startswith("thanks:"))) == []

    desk.clock.advance(minutes=11)  # past the thank-you's time
    donor = await desk.donor_by_phone("+84912600021")
    assert donor is not None
    await sentinel(desk, lan, donor.id)
    assert received(desk, lan, "Cảm ơn Lan") == [], "no thank-you for a donation that did not happen"
    (shown,) = await desk.send(staff, f"/checkin {signup.code}")
    assert "Kết quả đã ghi: Hoãn: huyết áp" in shown.text
    assert "Sau 10 phút" in recorded, "the desk knows it has ten minutes to correct a mis-tap"


async def test_a_cancelled_or_moved_sign_up_withdraws_its_waiting_reminder(desk: BotHarness) -> None:
    lan = desk.user(6031, name="Lan")
    hoa = desk.user(6032, name="Hoa")
    await booked(desk, lan, "+84912600031")
    await booked(desk, hoa, "+84912600032")
    assert desk.app is not None
    desk.clock.current = THREE_DAYS - timedelta(minutes=15)
    assert await run_planners_once(desk.app) == 2  # both reminders queued for 19:00

    await desk.send(hoa, "/lichcuatoi")
    await desk.press(hoa, "Đổi giờ")
    assert "08:00" in texts(await desk.press(hoa, "08:00"))
    desk.clock.current = THREE_DAYS - timedelta(minutes=10)
    await run_planners_once(desk.app)  # the reminder again, with Hoa's new time
    # Lan cancels after the last planning run before 19:00: nothing but the cancel can stop hers.
    await desk.send(lan, "/lichcuatoi")
    assert "Đã hủy đăng ký" in texts(await desk.press(lan, "Hủy đăng ký"))

    desk.clock.current = THREE_DAYS
    if desk.app.dispatcher.on_pushed is not None:
        desk.app.dispatcher.on_pushed()
    await desk.emu.wait_until(lambda: bool(received(desk, hoa, "Nhắc lịch hiến máu")), what="the reminder")
    lan_id = (await desk.donor_by_phone("+84912600031")).id  # type: ignore[union-attr]
    hoa_id = (await desk.donor_by_phone("+84912600032")).id  # type: ignore[union-attr]
    await sentinel(desk, lan, lan_id)
    await sentinel(desk, hoa, hoa_id)
    assert received(desk, lan, "Nhắc lịch hiến máu") == [], "Lan cancelled: no reminder"
    (reminder,) = received(desk, hoa, "Nhắc lịch hiến máu")
    assert "Giờ hẹn của bạn: 08:00" in reminder, "the reminder names the new time, once"


# --- 8. erasure keeps the counts ------------------------------------------------------------------


async def cli(bot: BotHarness, *argv: str) -> str:
    """`donorbot drive …` on the bot's database, as an organiser runs it."""
    parser = argparse.ArgumentParser()
    drive_cli.add_parser(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    code = await drive_cli.run(
        parser.parse_args(["drive", *argv]), bot.settings, out=out, now=bot.clock.now()
    )
    assert code == 0
    return out.getvalue()


async def test_erasure_keeps_the_numbers_of_campaigns_and_call_outs(
    tmp_path: Path, database_url: str
) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    eve = datetime(2020, 8, 2, 2, 0, tzinfo=UTC)  # Sunday 02/08/2020, 09:00
    async with running_bot(tmp_path, FixedClock(eve), database_url=database_url) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        staff = await organiser_of(bot, 6040)
        muoi = bot.emu.user(6041, "Mười", language_code="vi", started=True)
        nam = bot.emu.user(6042, "Nam", language_code="vi", started=True)
        for user, phone in ((muoi, "+84912600041"), (nam, "+84912600042")):
            await bot.add_donor(user, phone=phone, is_reserve=True, full_name=f"Trịnh Văn {user.first_name}")
        # A call-out for 2 units: Mười accepts, Nam cannot come, the organiser closes it.
        await start_callout(bot, staff, units="2")
        tally = bot.emu.last_keyboard_message(staff.chat_id)
        await bot.press(staff, "Gửi ngay")
        for user in (muoi, nam):
            await bot.emu.wait_until(
                lambda u=user: bool(received(bot, u, "CẦN MÁU KHẨN CẤP")), what="call-out"
            )
        await bot.press(muoi, "Tôi đến được")
        await bot.press(nam, "Lần này không được")
        await bot.emu.wait_until(lambda: "Nhận lời: 1/2" in (tally.text or ""), what="the tally")
        await bot._turn(staff, bot.emu.press(staff, tally, tally.button("Đóng lời kêu gọi")))
        callout = await bot.scalar(select(Callout))
        assert callout is not None and callout.status == "closed"
        # The blood day: Mười gives 350 ml.
        await bot.send(muoi, "/lichhien")
        await bot.press(muoi, "03/08/2020")
        await bot.press(muoi, "07:00")
        code = await bot.scalar(select(Signup.code))
        bot.clock.current = BLOOD_DAY
        await bot.send(staff, f"/checkin {code}")
        await bot.press(staff, "350 ml")
        drive_day_id = str(await bot.scalar(select(Signup.drive_day_id)))
        listed, shown = await cli(bot, "list"), await cli(bot, "show", drive_day_id)
        assert "Sign-ups:  1/8" in shown and "donated 1" in shown

        await bot.send(muoi, "/xoa")
        assert "Đã xóa toàn bộ dữ liệu" in texts(await bot.press(muoi, "Xóa tất cả"))

        assert await cli(bot, "show", drive_day_id) == shown, "the session's numbers are history"
        accepted = texts(await bot.forge(staff, f"cov:list:{callout.id}"))
        assert "1 người đã nhận lời rồi xóa dữ liệu" in accepted and "Mười" not in accepted
        shown_there = bot.emu.messages(staff.chat_id)[-1]  # "refresh" turns it into the tally
        await bot.forge(staff, f"cov:refresh:{callout.id}")
        await bot.emu.wait_until(lambda: "Nhận lời:" in (shown_there.text or ""), what="the tally")
        assert "Nhận lời: 1/2" in (shown_there.text or "") and "Từ chối: 1" in (shown_there.text or "")
        assert await cli(bot, "list") == listed
        assert "Totals: 1 sign-ups, 1 donations (350 ml), 0 deferred" in listed
        assert code is not None
        leaks = [
            (table, row[:120])
            for table, row in await dump_every_table(bot)
            for needle in ("Trịnh Văn Mười", "+84912600041", "6041", code)
            if needle.casefold() in row.casefold()
        ]
        assert leaks == []
