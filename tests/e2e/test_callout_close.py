"""Issue 12, item 10 end to end: the organiser's tally keeps its buttons and can be brought back with
/dskhancap; closing a call-out tells the donors who accepted or were asked; an accepted donor can
withdraw; a preview that matches nobody offers the compatible groups instead of "Send now"."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from emulators.telegram import SentMessage, SimUser
from models.tables import Callout, Outbox
from scheduler.jobs import advance_callouts
from tests.e2e.test_callouts import reserve
from tests.helpers import BotHarness, FixedClock, running_bot, texts

# The test clock: 23/11/2026 09:00 in Vietnam.


async def preview(
    bot: BotHarness, staff: SimUser, *, group: str = "O+", units: str = "2", component: str = "Máu toàn phần"
) -> SentMessage:
    """Goes through /khancap up to the preview; returns the preview message."""
    await bot.send(staff, "/khancap")
    await bot.press(staff, group)
    await bot.press(staff, "Xong")
    await bot.press(staff, component)
    await bot.send(staff, units)
    await bot.send(staff, "Bệnh viện Đa khoa Kinh Môn")
    await bot.send(staff, "Phường An Lưu, Kinh Môn")
    await bot.send(staff, "BS Hùng 0912 000 999")
    await bot.press(staff, "Trong 6 giờ")
    return (await bot.press(staff, "Tất cả các phường"))[0]


async def launch(bot: BotHarness, staff: SimUser, *, units: str = "2") -> SentMessage:
    """A call-out for O+ sent to the reserve donors; returns the live tally message."""
    shown = await preview(bot, staff, units=units)
    await bot.press(staff, "Gửi ngay")
    return shown


def of(bot: BotHarness, user: SimUser, marker: str) -> list[SentMessage]:
    return [m for m in bot.emu.messages(user.chat_id) if marker in (m.text or "")]


async def arrives(bot: BotHarness, user: SimUser, marker: str, count: int = 1) -> SentMessage:
    await bot.emu.wait_until(lambda: len(of(bot, user, marker)) >= count, what=f"{marker!r}")
    return of(bot, user, marker)[count - 1]


async def press_on(bot: BotHarness, user: SimUser, message: SentMessage, label: str) -> list[SentMessage]:
    return await bot._turn(user, bot.emu.press(user, message, message.button(label)))


CALL = "CẦN MÁU KHẨN CẤP"
TALLY_BUTTONS = ["🔄 Cập nhật", "👥 Người nhận lời", "⏱ Gia hạn 2 giờ", "⛔ Đóng lời kêu gọi"]


async def test_the_tally_keeps_its_buttons_and_comes_back_with_a_command(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        staff = bot.user(9500, name="Cán bộ")
        await bot.make_organiser(staff)
        donor = await reserve(bot, 9501, phone="+84912350001")
        tally = await launch(bot, staff)
        call = await arrives(bot, donor, CALL)
        listed = await bot.press(staff, "Người nhận lời")
        assert "chưa có ai" in listed[0].text
        await bot.emu.wait_until(lambda: bool(tally.button_labels()), what="the tally's buttons")
        assert tally.button_labels() == TALLY_BUTTONS, "the tally keeps its buttons"

        back = await bot.send(staff, "/dskhancap")
        assert len(back) == 1 and "Lời kêu gọi #1 · đang gọi" in back[0].text
        assert back[0].button_labels() == TALLY_BUTTONS
        await press_on(bot, staff, back[0], "Cập nhật")  # the tally brought back is the live one now
        await press_on(bot, donor, call, "Tôi đến được")
        await bot.emu.wait_until(lambda: "Nhận lời: 1/2" in (back[0].text or ""), what="the live tally")


async def test_closing_tells_who_accepted_and_who_was_asked(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        staff = bot.user(9510, name="Cán bộ")
        await bot.make_organiser(staff)
        coming, silent, declined = [await reserve(bot, 9511 + n, phone=f"+8491235101{n}") for n in range(3)]
        tally = await launch(bot, staff)
        calls = {user.id: await arrives(bot, user, CALL) for user in (coming, silent, declined)}
        await press_on(bot, coming, calls[coming.id], "Tôi đến được")
        await press_on(bot, declined, calls[declined.id], "Lần này không được")

        closed = await press_on(bot, staff, tally, "Đóng lời kêu gọi")
        assert closed == [] or "đã đóng" in texts(closed)
        await bot.emu.wait_until(lambda: "đã đóng" in (tally.text or ""), what="the closed tally")
        told = await arrives(bot, coming, "không cần đến nữa")
        assert "Bệnh viện Đa khoa Kinh Môn" in (told.text or "")
        await arrives(bot, silent, "không cần trả lời nữa")
        assert of(bot, declined, "đã kết thúc") == [], "who said no hears nothing more"
        late = await press_on(bot, silent, calls[silent.id], "Tôi đến được")
        assert "đã kết thúc" in late[0].text


async def test_an_accepted_donor_can_withdraw_and_the_call_out_reopens(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        staff = bot.user(9520, name="Cán bộ")
        await bot.make_organiser(staff)
        donors = [await reserve(bot, 9521 + n, phone=f"+8491235200{n}") for n in range(4)]
        tally = await launch(bot, staff, units="1")  # waves of 3
        await bot.emu.wait_until(lambda: sum(1 for d in donors if of(bot, d, CALL)) == 3, what="wave 1")
        first = next(d for d in donors if of(bot, d, CALL))
        accepted = await press_on(bot, first, of(bot, first, CALL)[0], "Tôi đến được")
        assert "Xin mời bạn đến" in accepted[0].text
        await arrives(bot, staff, "đã đủ 1 người")
        withdrawn = await bot.press(first, "Tôi không đến được nữa")
        assert "Đã ghi nhận" in withdrawn[0].text and "Xin mời" not in withdrawn[0].text
        await arrives(bot, staff, "mở lại")
        await bot.emu.wait_until(lambda: "đang gọi" in (tally.text or ""), what="the tally reopens")
        assert bot.app is not None
        assert await advance_callouts(bot.app) == 1, "the next wave goes at once"
        await bot.emu.wait_until(lambda: all(of(bot, d, CALL) for d in donors), what="wave 2")
        callout = await bot.scalar(select(Callout))
        assert callout is not None and callout.status == "open"


async def test_a_preview_without_matches_offers_compatible_groups_not_sending(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        staff = bot.user(9530, name="Cán bộ")
        await bot.make_organiser(staff)
        o_negative = await reserve(bot, 9531, phone="+84912353001", blood_rh="-")

        nobody = await preview(bot, staff, group="AB−")
        assert "Người hiến dự bị phù hợp: 0" in (nobody.text or "")
        labels = nobody.button_labels()
        assert not any("Gửi ngay" in label for label in labels), labels
        assert any("Thêm nhóm" in label and "O−" in label for label in labels), labels
        forged = await bot.forge(staff, "cogo:yes")  # a stale or forged Send: nothing is created
        assert "không có ai" in texts(forged)
        assert await bot.scalar(select(Callout)) is None

        assert await bot.press(staff, "Thêm nhóm") == [], "the preview is shown again in place"
        widened = bot.emu.last_keyboard_message(staff.chat_id)
        assert "Người hiến dự bị phù hợp: 1" in (widened.text or "") and "O− · Tam Lưu: 1" in (
            widened.text or ""
        )
        await bot.press(staff, "Gửi ngay")
        await arrives(bot, o_negative, CALL)
        callout = await bot.scalar(select(Callout))
        assert callout is not None and callout.groups == ["AB-"] and "O-" in (callout.donor_groups or [])

        # Platelets of AB− and nobody AB−: platelets are asked of the same group only, so there is no
        # compatible group to add either; only Cancel is offered.
        await bot.send(staff, "/huy")
        rare = await preview(bot, staff, group="AB−", component="Tiểu cầu")
        assert "Người hiến dự bị phù hợp: 0" in (rare.text or "")
        assert rare.button_labels() == ["Hủy"]


async def test_closing_from_the_command_line_tells_the_donors_too(tmp_path: Path) -> None:
    from bot.cli import main

    async with running_bot(tmp_path, FixedClock(datetime.now(UTC))) as bot:
        donor = await reserve(bot, 9541, phone="+84912354001")
        config = tmp_path / "cli.toml"
        config.write_text(f'[database]\nurl = "{bot.settings.database.url}"\n', encoding="utf-8")
        base = ["--config", str(config), "callout"]
        create = [*base, "create", "--units", "1", "--place", "BV Kinh Môn", "--address", "An Lưu"]
        create += ["--contact", "BS Hùng", "--deadline", "23:59", "--groups", "O+"]
        assert await asyncio.to_thread(main, [*create[:-1], "AB-"]) == 2, "nobody AB-: nothing is sent"
        assert await asyncio.to_thread(main, create) == 0
        bot.clock.current = datetime.now(UTC)
        await arrives(bot, donor, CALL)
        assert await asyncio.to_thread(main, [*base, "close", "1"]) == 0
        bot.clock.current = datetime.now(UTC)  # the CLI stamped its rows with the real time
        await arrives(bot, donor, "không cần trả lời nữa")
        rows = await bot.rows(select(Outbox.key).where(Outbox.key.startswith("callout-closed:")))
        assert len(rows) == 1
