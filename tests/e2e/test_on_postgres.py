"""The whole registration and erasure through the emulator, on each database backend."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from models.tables import Callout
from tests.e2e.test_callouts import reserve
from tests.e2e.test_registration import register_until_summary
from tests.helpers import running_bot, texts


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


async def test_a_call_out_with_the_longest_place_address_and_contact_is_sent(
    tmp_path: Path, database_url: str
) -> None:
    columns = Callout.__table__.c
    samples = {
        "place": "Bệnh viện Đa khoa Kinh Môn",
        "address": "Phường An Lưu,",
        "contact": "BS Hùng 0912 000 999,",
    }
    longest = {  # single-spaced, as the dialogue stores it, and exactly as long as the column
        name: " ".join([text] * 100)[: columns[name].type.length - 1] + "x" for name, text in samples.items()
    }
    assert all(len(v) == columns[k].type.length for k, v in longest.items())
    async with running_bot(tmp_path, database_url=database_url) as bot:
        staff = bot.user(5101, name="Cán bộ")
        await bot.make_organiser(staff)
        donor = await reserve(bot, 5102, phone="+84912510200")
        await bot.send(staff, "/khancap")
        await bot.press(staff, "O+")
        await bot.press(staff, "Xong")
        await bot.press(staff, "Máu toàn phần")
        await bot.send(staff, "1")
        for name in ("place", "address", "contact"):
            refused = await bot.send(staff, longest[name] + "x")  # the dialogue takes what the column holds
            assert f"3–{columns[name].type.length} " in texts(refused), texts(refused)
            await bot.send(staff, longest[name])
        await bot.press(staff, "Trong 6 giờ")
        await bot.press(staff, "Xong")
        launched = await bot.press(staff, "Gửi ngay")
        assert "tới 1 người" in texts(launched), texts(launched)
        callout = await bot.scalar(select(Callout))
        assert callout is not None and (callout.place, callout.address, callout.contact) == tuple(
            longest[name] for name in ("place", "address", "contact")
        )
        await bot.emu.wait_until(
            lambda: any(longest["place"] in (m.text or "") for m in bot.emu.messages(donor.chat_id)),
            what="the call-out with the whole place",
        )
