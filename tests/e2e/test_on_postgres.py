"""The whole registration and erasure through the emulator, on each database backend."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_registration import register_until_summary
from tests.helpers import running_bot


async def test_register_and_erase_on_each_backend(tmp_path: Path, database_url: str) -> None:
    async with running_bot(tmp_path, database_url=database_url) as bot:
        user = bot.user(5001)
        await register_until_summary(bot, user)
        await bot.press(user, "Xác nhận")
        donor = await bot.donor_by_phone("+84912345678")
        assert donor is not None and donor.ward == "Nhị Chiểu"
        await bot.send(user, "/xoa")
        await bot.press(user, "Xóa tất cả")
        assert await bot.personal_rows() == {
            "donors": 0,
            "donations": 0,
            "accounts": 0,
            "conversations": 0,
        }
