"""Issue 12 end to end: booking reads one decision (the kept date, the 12-week rule across bookings and
call-outs, sessions and slots over in local time, sessions for one sector), before a slot is chosen."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from bot.cli import drives as drive_cli
from emulators.telegram import SimUser
from models.tables import DriveDay, Outbox, Signup
from scheduler.jobs import advance_callouts, run_planners_once
from tests.e2e.test_callouts import callout_messages, reserve, start_callout
from tests.helpers import BotHarness, FixedClock, running_bot, texts

BEFORE = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)  # Monday 20/07/2020, 09:00 in Vietnam


def plan(year: int, *sessions: str) -> str:
    """A campaign plan with these `[[sessions]]` bodies (TOML lines)."""
    head = f'[campaign]\nkey = "booking-{year}"\nname = "Ngày hội thử"\nyear = {year}\n'
    return head + "".join(f"\n[[sessions]]\n{body.strip()}\n" for body in sessions)


def session(key: str, day: str, place: str, ward: str, *, hours: tuple[str, str] = ("07:00", "11:30"),
            extra: str = "") -> str:  # fmt: skip
    return (
        f'key = "{key}"\ndate = {day}\nstart = "{hours[0]}"\nend = "{hours[1]}"\nplace = "{place}"\n'
        f'ward = "{ward}"\ncapacity = 50\n{extra}'
    )


async def load(bot: BotHarness, tmp_path: Path, text: str) -> dict[str, int]:
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    await bot.import_plan(path)
    return {row.key: row.id for row in await bot.rows(select(DriveDay))}


async def book(bot: BotHarness, user: SimUser, day: str, slot: str = "07:00") -> None:
    await bot.send(user, "/lichhien")
    await bot.press(user, day)
    done = await bot.press(user, slot)
    assert "Đã giữ chỗ" in done[0].text, texts(done)


async def active_signups(bot: BotHarness) -> list[Signup]:
    return await bot.rows(select(Signup).where(Signup.status == "active").order_by(Signup.id))


async def test_the_kept_date_holds_for_the_verdict_the_sign_up_call_outs_and_the_nudge(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:  # 23/11/2026, 09:00
        ids = await load(
            bot,
            tmp_path,
            plan(
                2027,
                session("jan", "2027-01-10", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
                session("apr", "2027-04-05", "Trường THCS Tam Lưu", "Tam Lưu"),
            ),
        )
        lan = await reserve(bot, 8801, phone="+84912880001", last_donation=date(2026, 6, 15))
        other = await reserve(bot, 8802, phone="+84912880002")
        # /kiemtra: a tattoo on 02/10/2026 defers her until 02/04/2027, and she keeps that date.
        await bot.send(lan, "/kiemtra")
        for answer in ("Không có", "Không có", "Xăm hình"):
            await bot.press(lan, answer)
        await bot.send(lan, "2/10/2026")
        await bot.press(lan, "Không còn gì khác")
        for answer in ("Không có", "Không có"):
            await bot.press(lan, answer)
        result = await bot.press(lan, "Không có")
        assert "Bạn có thể hiến từ ngày 02/04/2027" in texts(result)
        await bot.press(lan, "Có, ghi nhớ")
        donor = await bot.donor_by_phone("+84912880001")
        assert donor is not None and donor.eligible_from == date(2027, 4, 2)

        # 1. The verdict: a self-check that mentions nothing keeps the date.
        await bot.send(lan, "/kiemtra")
        for _ in range(5):
            await bot.press(lan, "Không có")
        again = texts(await bot.press(lan, "Không có"))
        assert "Bạn có thể hiến từ ngày 02/04/2027" in again, again
        assert "đã lưu ngày có thể hiến lại là 02/04/2027" in again
        assert "ghi nhớ ngày" not in again, "the date kept already is not offered again"

        # 2. The sign-up: /lichhien says why before any slot is chosen; a slot pressed anyway is refused.
        listing = await bot.send(lan, "/lichhien")
        assert "⛔ Bạn có thể hiến lại từ ngày 02/04/2027" in listing[0].text
        labels = listing[0].button_labels()
        assert labels[0].startswith("⛔ 10/01/2027") and labels[1].startswith("05/04/2027"), labels
        page = texts(await bot.press(lan, "10/01/2027"))
        assert "Vào ngày 10/01/2027, bạn chưa hiến máu được" in page and "02/04/2027" in page
        later = bot.emu.last_keyboard_message(lan.chat_id)
        assert later.button_labels() == ["05/04/2027 · Trường THCS Tam Lưu"], "only what she can book"
        forged = texts(await bot.forge(lan, f"slot:{ids['jan']}:0700"))
        assert "bạn chưa hiến máu được" in forged
        assert await active_signups(bot) == []

        # 3. A call-out today does not reach her.
        staff = bot.user(8800, name="Cán bộ")
        await bot.make_organiser(staff)
        await start_callout(bot, staff, units="1")
        await bot.press(staff, "Gửi ngay")
        await bot.emu.wait_until(lambda: bool(callout_messages(bot, other)), what="the call-out")
        assert callout_messages(bot, lan) == []

        # 4. The nudge comes on the kept date, not when the interval ended.
        assert bot.app is not None
        bot.clock.current = datetime(2027, 4, 2, 1, 45, tzinfo=UTC)  # 08:45
        assert await run_planners_once(bot.app) >= 1
        nudge = await bot.scalar(select(Outbox).where(Outbox.key.startswith("nudge:")))
        assert nudge is not None and ":2027-04-02:" in nudge.key
        bot.clock.current = datetime(2027, 4, 2, 2, 0, tzinfo=UTC)
        await bot.emu.wait_until(
            lambda: (
                "Từ ngày 02/04/2027, bạn đã có thể hiến máu" in (bot.emu.last_message(lan.chat_id).text or "")
            ),
            what="the nudge",
        )


async def test_a_second_booking_inside_twelve_weeks_is_refused_with_the_reason(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        ids = await load(
            bot,
            tmp_path,
            plan(
                2020,
                session("a", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
                session("b", "2020-08-13", "Nhà văn hóa Nhị Chiểu", "Nhị Chiểu"),
                session("c", "2020-11-02", "Trường THCS Tam Lưu", "Tam Lưu"),
            ),
        )
        lan, minh = bot.user(8811, name="Lan"), bot.user(8812, name="Minh")
        await bot.add_donor(lan, phone="+84912880011")
        await bot.add_donor(minh, phone="+84912880012", sex="male", weight_kg=62.0)
        await book(bot, lan, "03/08/2020")

        await bot.send(lan, "/lichhien")
        refused = texts(await bot.press(lan, "13/08/2020"))
        assert "Bạn đã đăng ký hiến máu ngày 03/08/2020 (Nhà văn hóa Tam Lưu)" in refused
        assert "cách nhau ít nhất 12 tuần, nên lần sau sớm nhất là ngày 26/10/2020" in refused
        assert "hủy lịch cũ trong /lichcuatoi" in refused
        assert bot.emu.last_keyboard_message(lan.chat_id).button_labels() == [
            "02/11/2020 · Trường THCS Tam Lưu"
        ]
        forged = texts(await bot.forge(lan, f"slot:{ids['b']}:0700"))
        assert "26/10/2020" in forged
        assert [s.drive_day_id for s in await active_signups(bot)] == [ids["a"]]
        # /lichhien says so before a session is chosen.
        listing = await bot.send(lan, "/lichhien")
        assert "✅ Bạn đã đăng ký buổi này." in listing[0].text
        assert "⛔ Bạn đã có lịch hiến máu ngày 03/08/2020." in listing[0].text
        assert sorted(label[:12] for label in listing[0].button_labels()) == [
            "02/11/2020 ·",
            "03/08/2020 ·",
            "⛔ 13/08/2020",
        ]

        # The other way round: booked on 13/08, giving on 03/08 would make that impossible.
        await book(bot, minh, "13/08/2020")
        await bot.send(minh, "/lichhien")
        before = texts(await bot.press(minh, "03/08/2020"))
        assert "Bạn đã đăng ký hiến máu ngày 13/08/2020 (Nhà văn hóa Nhị Chiểu)" in before
        assert "Nếu hiến vào ngày 03/08/2020, bạn sẽ không hiến được vào ngày đó" in before
        # Cancelling the other booking frees the day.
        await bot.send(minh, "/lichcuatoi")
        await bot.press(minh, "Hủy đăng ký")
        await book(bot, minh, "03/08/2020", "08:00")
        booked = {(s.donor_id, s.drive_day_id) for s in await active_signups(bot)}
        assert len(booked) == 2 and {sid for _, sid in booked} == {ids["a"]}


async def test_call_outs_leave_donors_booked_today_out_of_the_first_wave(tmp_path: Path) -> None:
    blood_day = datetime(2020, 8, 3, 2, 0, tzinfo=UTC)  # 03/08/2020, 09:00
    async with running_bot(tmp_path, FixedClock(blood_day)) as bot:
        await load(
            bot,
            tmp_path,
            plan(
                2020,
                session("a", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu", hours=("07:00", "16:00")),
                session("b", "2020-08-13", "Nhà văn hóa Nhị Chiểu", "Nhị Chiểu"),
            ),
        )
        staff = bot.user(8820, name="Cán bộ")
        await bot.make_organiser(staff)
        minh = await reserve(bot, 8821, phone="+84912880021")  # booked for this afternoon
        hoa = await reserve(bot, 8822, phone="+84912880022")  # booked in ten days
        nam = await reserve(bot, 8823, phone="+84912880023")  # not booked
        await book(bot, minh, "03/08/2020", "14:00")
        await book(bot, hoa, "13/08/2020")

        await start_callout(bot, staff, units="3")
        launched = await bot.press(staff, "Gửi ngay")
        assert "tới 2 người" in launched[0].text
        for user in (hoa, nam):
            await bot.emu.wait_until(lambda u=user: bool(callout_messages(bot, u)), what="wave 1")
        assert callout_messages(bot, minh) == [], "her session this afternoon counts on her"
        # Not enough answers: the second wave may ask her after all.
        assert bot.app is not None
        bot.clock.advance(minutes=21)
        assert await advance_callouts(bot.app) == 1
        await bot.emu.wait_until(lambda: bool(callout_messages(bot, minh)), what="wave 2")

        accepted = texts(await bot.press(hoa, "Tôi đến được"))
        assert "Xin mời bạn đến" in accepted
        assert "bạn đang có lịch hiến máu ngày 13/08/2020 (Nhà văn hóa Nhị Chiểu)" in accepted
        await bot.press(nam, "Tôi đến được")
        # An emergency accepted counts as a donation: no booking inside the next 12 weeks.
        listing = await bot.send(nam, "/lichhien")
        assert "⛔ Bạn đã nhận lời hiến máu khẩn cấp ngày 03/08/2020." in listing[0].text
        refused = texts(await bot.press(nam, "13/08/2020"))
        assert "Bạn đã nhận lời hiến máu khẩn cấp ngày 03/08/2020" in refused
        assert "lần sau sớm nhất là ngày 26/10/2020" in refused


async def test_sessions_and_slots_over_today_are_neither_listed_nor_bookable(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        ids = await load(
            bot,
            tmp_path,
            plan(
                2020,
                session("early", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu", hours=("07:00", "09:00")),
                session("day", "2020-08-03", "Nhà văn hóa Nhị Chiểu", "Nhị Chiểu"),
                session("next", "2020-08-04", "Trường THCS Tam Lưu", "Tam Lưu"),
            ),
        )
        lan, minh, hoa = bot.user(8831, name="Lan"), bot.user(8832, name="Minh"), bot.user(8833, name="Hoa")
        for n, user in enumerate((lan, minh, hoa)):
            await bot.add_donor(user, phone=f"+8491288003{n}")
        await bot.send(lan, "/lichhien")
        await bot.press(lan, "Nhà văn hóa Tam Lưu")
        await bot.press(lan, "07:00")
        await bot.send(minh, "/lichhien")
        await bot.press(minh, "Nhà văn hóa Nhị Chiểu")
        await bot.press(minh, "07:00")

        bot.clock.current = datetime(2020, 8, 3, 3, 0, tzinfo=UTC)  # 10:00 on the day
        listing = await bot.send(hoa, "/lichhien")
        assert sorted(label[:14] for label in listing[0].button_labels()) == [
            "03/08/2020 · N",
            "04/08/2020 · T",
        ]
        assert "Nhà văn hóa Tam Lưu" not in listing[0].text, "the 07:00–09:00 session is over"
        page = await bot.press(hoa, "Nhà văn hóa Nhị Chiểu")
        slots = page[0].button_labels()
        assert slots[0].startswith("10:00") and not any(s.startswith("07:00") for s in slots), slots
        over = texts(await bot.forge(hoa, f"slot:{ids['day']}:0700"))
        assert "Khung giờ này đã qua" in over
        assert "đã qua" in texts(await bot.forge(hoa, f"drive:{ids['early']}"))
        assert "đã qua" in texts(await bot.forge(hoa, f"slot:{ids['early']}:0800"))
        assert len(await active_signups(bot)) == 2, "nothing booked in the past"

        assert "chưa đăng ký buổi hiến máu nào sắp tới" in (await bot.send(lan, "/lichcuatoi"))[0].text
        mine = await bot.send(minh, "/lichcuatoi")
        assert "Nhà văn hóa Nhị Chiểu" in mine[0].text
        move = await bot.press(minh, "Đổi giờ")
        assert move[0].button_labels()[0] == "10:00", move[0].button_labels()
        signup = (await active_signups(bot))[1]
        assert "Khung giờ này đã qua" in texts(await bot.forge(minh, f"mvslot:{signup.id}:0730"))

        out = io.StringIO()
        args = argparse.Namespace(drive_command="list", campaign=None)
        assert await drive_cli.run(args, bot.settings, out=out, err=io.StringIO(), now=bot.clock.now()) == 0
        upcoming, past = out.getvalue().split("  Past:")
        assert "Nhà văn hóa Tam Lưu" in past and "Nhà văn hóa Nhị Chiểu" in upcoming


async def test_a_sector_session_is_listed_and_bookable_for_its_sector_only(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        ids = await load(
            bot,
            tmp_path,
            plan(
                2020,
                session("open", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
                session(
                    "teachers",
                    "2020-08-05",
                    "Trường THPT Kinh Môn",
                    "Nhị Chiểu",
                    extra='audience = "education"',
                ),
            ),
        )
        minh = bot.user(8841, name="Minh")
        await bot.add_donor(minh, phone="+84912880041")  # registered before the type was asked
        listing = await bot.send(minh, "/lichhien")
        assert [label[:10] for label in listing[0].button_labels()] == ["03/08/2020"]
        refused = texts(await bot.send(minh, f"/start drive_{ids['teachers']}"))
        assert "chỉ dành cho ngành giáo dục" in refused and "Loại đơn vị" in refused and "/hoso" in refused
        assert "chỉ dành cho ngành giáo dục" in texts(await bot.forge(minh, f"slot:{ids['teachers']}:0700"))
        assert await active_signups(bot) == []

        # /hoso: saying he teaches makes the session his.
        await bot.send(minh, "/hoso")
        asked = await bot.press(minh, "Sửa Loại đơn vị")
        assert "Trường học" in asked[0].button_labels()
        saved = texts(await bot.press(minh, "Trường học"))
        assert "Đã lưu «Loại đơn vị»" in saved and "Loại đơn vị: Trường học" in saved
        page = texts(await bot.send(minh, f"/start drive_{ids['teachers']}"))
        assert "Buổi này chỉ dành cho ngành giáo dục" in page
        assert "07:00" in bot.emu.last_keyboard_message(minh.chat_id).button_labels()[0]
        done = await bot.press(minh, "07:00")
        assert "Đã giữ chỗ" in done[0].text

        # A new donor sets the type in /hoso (registration stays at 10 turns); until then only open
        # sessions are listed.
        lan = bot.user(8842, name="Lan")
        await bot.add_donor(lan, phone="+84912880042")
        listing = await bot.send(lan, "/lichhien")
        assert all("Trường" not in label for label in listing[0].button_labels())
        await bot.send(lan, "/hoso")
        await bot.press(lan, "Sửa Loại đơn vị")
        saved = texts(await bot.press(lan, "Công ty"))
        assert "Loại đơn vị: Công ty, doanh nghiệp" in saved
        donor = await bot.donor_by_phone("+84912880042")
        assert donor is not None and donor.organisation_type == "company"
        listing = await bot.send(lan, "/lichhien")
        assert [label[:10] for label in listing[0].button_labels()] == ["03/08/2020"]


async def test_sessions_say_who_cannot_book_before_a_slot_is_chosen(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        await load(bot, tmp_path, plan(2020, session("a", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu")))
        light = bot.user(8851, name="Thu")
        await bot.add_donor(light, phone="+84912880051", weight_kg=40.0)
        listing = await bot.send(light, "/lichhien")
        assert "⛔ Theo hồ sơ của bạn, bạn không hiến máu được" in listing[0].text
        assert "Buổi có dấu ⛔ là buổi bạn chưa đăng ký được" in listing[0].text
        page = await bot.press(light, "03/08/2020")
        assert "Vào ngày 03/08/2020, bạn chưa hiến máu được" in texts(page) and "42 kg" in texts(page)
        assert all(not message.button_labels() for message in page), "no slot to choose"
