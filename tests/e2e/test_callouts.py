"""Issue 7 end to end: an emergency call-out from /khancap to the reserve donors' answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from emulators.telegram import SimUser
from models.tables import AuditEntry, Callout, ChannelAccount
from scheduler.jobs import advance_callouts
from tests.helpers import BotHarness, FixedClock, running_bot, texts

# The test clock: 23/11/2026 09:00 in Vietnam.


async def reserve(bot: BotHarness, user_id: int, *, phone: str, **changes: object) -> SimUser:
    user = bot.emu.user(user_id, f"Người {user_id}", language_code="vi", started=True)
    values: dict[str, object] = {"is_reserve": True, "blood_abo": "O", "blood_rh": "+", "ward": "Tam Lưu"}
    values.update(changes)
    await bot.add_donor(user, phone=phone, **values)
    return user


async def start_callout(bot: BotHarness, staff: SimUser, *, units: str = "2") -> list[str]:
    await bot.send(staff, "/khancap")
    assert await bot.press(staff, "O+") == [], "the choice is shown in place, not as a new message"
    assert "✓ O+" in bot.emu.last_keyboard_message(staff.chat_id).button_labels()
    await bot.press(staff, "Xong")
    await bot.press(staff, "Máu toàn phần")
    await bot.send(staff, units)
    await bot.send(staff, "Bệnh viện Đa khoa Kinh Môn")
    await bot.send(staff, "Phường An Lưu, Kinh Môn")
    await bot.send(staff, "BS Hùng 0912 000 999")
    await bot.press(staff, "Trong 6 giờ")
    await bot.press(staff, "Tam Lưu")
    preview = await bot.press(staff, "Xong")
    return [m.text or "" for m in preview]


def callout_messages(bot: BotHarness, user: SimUser) -> list[str]:
    return [m.text or "" for m in bot.emu.messages(user.chat_id) if "CẦN MÁU KHẨN CẤP" in (m.text or "")]


async def test_an_o_positive_call_out_in_tam_luu(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        today = bot.clock.today()
        staff = bot.user(9000, name="Cán bộ")
        await bot.make_organiser(staff)
        tam_luu = [await reserve(bot, 9001 + n, phone=f"+8491230000{n}") for n in range(4)]
        elsewhere = await reserve(bot, 9010, phone="+84912300010", ward="Nhị Chiểu")
        recent = await reserve(bot, 9011, phone="+84912300011", last_donation=today - timedelta(weeks=5))
        blocked = await reserve(bot, 9012, phone="+84912300012")
        not_reserve = await reserve(bot, 9013, phone="+84912300013", is_reserve=False)
        rh_negative = await reserve(bot, 9014, phone="+84912300014", blood_rh="-")
        assert bot.app is not None
        async with bot.app.sessions() as session, session.begin():
            await session.execute(
                update(ChannelAccount)
                .where(ChannelAccount.user_id == str(blocked.id))
                .values(unreachable_at=bot.clock.now())
            )

        citizen = bot.user(9020)
        assert "chỉ dành cho cán bộ" in (await bot.send(citizen, "/khancap"))[0].text

        preview = await start_callout(bot, staff)
        assert "Người hiến dự bị phù hợp: 5" in preview[0]  # 4 in Tam Lưu + 1 in Nhị Chiểu
        assert "O+ · Tam Lưu: 4" in preview[0]
        preview_message = bot.emu.last_keyboard_message(staff.chat_id)
        launched = await bot.press(staff, "Gửi ngay")
        assert "tới 5 người" in launched[0].text
        tally = preview_message  # the preview became the live tally, edited in place
        await bot.emu.wait_until(lambda: "Nhận lời: 0/2" in (tally.text or ""), what="the tally")
        assert "Phù hợp: 5 · Đã nhắn: 5 (đợt 1)" in (tally.text or "")
        # wave 1 = 3 × 2 units = 6 places: the four Tam Lưu donors first, then Nhị Chiểu
        for user in (*tam_luu, elsewhere):
            await bot.emu.wait_until(lambda u=user: len(callout_messages(bot, u)) == 1, what="call-out")
        for skipped in (recent, blocked, not_reserve, rh_negative):
            assert callout_messages(bot, skipped) == []

        first = await bot.press(tam_luu[0], "Tôi đến được")
        assert "Bệnh viện Đa khoa Kinh Môn" in first[0].text and "BS Hùng" in first[0].text
        await bot.emu.wait_until(
            lambda: "Nhận lời: 1/2" in (tally.text or ""), what="the tally updates itself"
        )
        vague = await bot.send(tam_luu[1], "để tôi cố gắng xem")
        assert "Cảm ơn bạn rất nhiều" not in texts(vague), "a vague answer is not an acceptance"
        second = await bot.send(tam_luu[1], "có")
        assert "Xin mời bạn đến" in second[0].text
        third = await bot.press(tam_luu[2], "Tôi đến được")
        assert "đã đủ người" in third[0].text
        await bot.emu.wait_until(
            lambda: any("đã đủ 2 người" in (m.text or "") for m in bot.emu.messages(staff.chat_id)),
            what="the organiser hears it is filled",
        )
        tally = await bot.press(staff, "Người nhận lời")
        assert "0912 300 000" in tally[0].text and "0912 300 001" in tally[0].text
        callout = await bot.scalar(select(Callout))
        assert callout is not None and callout.status == "filled"
        assert await bot.scalar(select(AuditEntry).where(AuditEntry.action == "callout.create"))


async def test_a_second_wave_goes_out_when_the_first_does_not_fill(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        staff = bot.user(9100)
        await bot.make_organiser(staff)
        donors = [await reserve(bot, 9101 + n, phone=f"+8491231000{n}") for n in range(5)]
        await start_callout(bot, staff, units="1")  # waves of 3
        tally = bot.emu.last_keyboard_message(staff.chat_id)  # the preview becomes the live tally
        await bot.press(staff, "Gửi ngay")
        await bot.emu.wait_until(
            lambda: sum(1 for d in donors if callout_messages(bot, d)) == 3, what="wave 1"
        )
        first_wave = [d for d in donors if callout_messages(bot, d)]
        assert "Đã nhắn: 3 (đợt 1)" in (tally.text or "")
        assert bot.app is not None
        assert await advance_callouts(bot.app) == 0, "not before the interval"
        bot.clock.advance(minutes=21)
        assert await advance_callouts(bot.app) == 2
        await bot.emu.wait_until(lambda: all(callout_messages(bot, d) for d in donors), what="wave 2")
        assert all(len(callout_messages(bot, d)) == 1 for d in donors), "nobody asked twice"
        assert len(first_wave) == 3, "wave 2 asked the two the first wave left out"
        await bot.emu.wait_until(
            lambda: "Đã nhắn: 5 (đợt 2)" in (tally.text or ""), what="the tally counts wave 2"
        )
        bot.clock.advance(minutes=21)
        assert await advance_callouts(bot.app) == 0, "nobody is left to ask"


async def test_away_pauses_call_outs_until_the_donor_is_back(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        staff = bot.user(9200)
        await bot.make_organiser(staff)
        away = await reserve(bot, 9201, phone="+84912320001")
        present = await reserve(bot, 9202, phone="+84912320002")
        reply = await bot.send(away, "/vangmat 30/11/2026")
        assert "không gọi khẩn cấp cho bạn tới hết ngày 30/11/2026" in reply[0].text
        status = await bot.send(away, "/vangmat")
        assert "Bạn đang tạm vắng" in status[0].text and "30/11/2026" in status[0].text

        preview = await start_callout(bot, staff, units="1")
        assert "Người hiến dự bị phù hợp: 1" in preview[0], "the away donor is not counted"
        await bot.press(staff, "Gửi ngay")
        await bot.emu.wait_until(lambda: bool(callout_messages(bot, present)), what="call-out")
        assert callout_messages(bot, away) == []

        back = await bot.send(away, "/vangmat 0")
        assert "Bot sẽ lại gọi bạn" in back[0].text
        assert bot.app is not None
        bot.clock.advance(minutes=21)
        assert await advance_callouts(bot.app) == 1, "the next wave asks the donor who is back"
        await bot.emu.wait_until(lambda: bool(callout_messages(bot, away)), what="the call-out, once back")


async def test_a_call_out_from_the_command_line(tmp_path: Path) -> None:
    import asyncio
    from datetime import UTC

    from bot.cli import main

    async with running_bot(tmp_path, FixedClock(datetime.now(UTC))) as bot:
        donor = await reserve(bot, 9301, phone="+84912330001")
        config = tmp_path / "cli.toml"
        config.write_text(f'[database]\nurl = "{bot.settings.database.url}"\n', encoding="utf-8")
        base = ["--config", str(config), "callout", "create", "--units", "1", "--place", "BV Kinh Môn"]
        base += ["--address", "An Lưu", "--contact", "BS Hùng", "--deadline", "23:59"]
        # the CLI runs its own event loop, as it would in another process
        assert await asyncio.to_thread(main, [*base, "--groups", "C+"]) == 2
        assert await asyncio.to_thread(main, [*base, "--groups", "O+"]) == 0
        bot.clock.current = datetime.now(UTC)  # the CLI stamped its rows with the real time
        await bot.emu.wait_until(lambda: bool(callout_messages(bot, donor)), what="the call-out")
        accepted = await bot.press(donor, "Tôi đến được")
        assert "BV Kinh Môn" in accepted[0].text
        assert await asyncio.to_thread(main, ["--config", str(config), "callout", "status", "1"]) == 0


async def test_khancap_typed_again_starts_a_new_call_out_without_the_widened_groups(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        staff = bot.user(9400, name="Cán bộ")
        await bot.make_organiser(staff)
        await reserve(bot, 9401, phone="+84912340001")
        await reserve(bot, 9402, phone="+84912340002", blood_rh="-")
        await start_callout(bot, staff)
        preview = bot.emu.last_keyboard_message(staff.chat_id)
        await bot.press(staff, "Thêm nhóm")
        assert "Gọi cả nhóm tương thích: O−" in (preview.text or "")
        assert "Người hiến dự bị phù hợp: 2" in (preview.text or "")

        again = await start_callout(bot, staff)  # /khancap typed again, the same answers
        assert "Gọi cả nhóm tương thích" not in again[0], "nothing of the first call-out carries over"
        assert "Người hiến dự bị phù hợp: 1" in again[0]
