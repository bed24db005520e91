"""Many chats at once, and one chat's quick taps, through the real PTB update processor."""

from __future__ import annotations

import asyncio

from tests.e2e.test_registration import register_until_summary
from tests.helpers import BotHarness


async def test_twenty_people_register_at_the_same_time(bot: BotHarness) -> None:
    users = [bot.user(4000 + n) for n in range(20)]

    async def one(n: int) -> None:
        user = users[n]
        await bot.send(user, "/dangky")
        await bot.press(user, "Tiếng Việt")
        await bot.press(user, "Đồng ý")
        await bot.send(user, f"Người Thứ {chr(ord('A') + n)}")
        await bot.send(user, "1/1/1990")
        await bot.press(user, "Nam")
        await bot.send(user, f"0912 000 {n:03d}")
        await bot.press(user, "B+")
        await bot.send(user, "60")
        await bot.press(user, "Tam Lưu")
        await bot.press(user, "Bỏ qua")
        await bot.press(user, "Không thuộc loại nào")
        await bot.press(user, "Chưa từng hiến")
        await bot.press(user, "Không")
        await bot.press(user, "Xác nhận")

    await asyncio.gather(*(one(n) for n in range(20)))
    assert await bot.count_donors() == 20
    assert (await bot.personal_rows())["accounts"] == 20


async def test_one_chats_updates_are_handled_in_order(bot: BotHarness) -> None:
    user = bot.user(4100)
    await register_until_summary(bot, user)
    # Three updates arrive together; handled out of order, "Sửa" would land on another step.
    await bot.emu.send_text(user, "/huy")
    await bot.emu.send_text(user, "/dangky")
    await bot.emu.send_text(user, "/help")
    await bot.emu.wait_until(lambda: len(bot.emu.messages(user.chat_id)) >= 16, what="3 turns")
    await asyncio.sleep(0.2)
    last = [m.text for m in bot.emu.messages(user.chat_id)[-4:]]
    assert last[0].startswith("Đã dừng")
    assert "chọn ngôn ngữ" in last[1]
    assert "/dangky" in last[2] and "chọn ngôn ngữ" in last[3]
