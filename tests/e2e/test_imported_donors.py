"""People imported from a paper list (`donorbot import donors`) get nothing from the bot, ever, until they
write to it themselves; then registration with their phone and birth date links their chat to the
imported profile (no second profile), and from then on the bot treats them as any donor."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from bot.cli import main
from models.tables import ChannelAccount, Donor, Outbox
from tests.helpers import BotHarness, texts

LIST = (
    "Họ tên;SĐT;Ngày sinh;Giới tính;Nhóm máu;Phường/Xã;Dự bị\n"
    "Nguyễn Thị Lan;0912 345 678;03/08/1995;Nữ;O+;P. Tam Lưu;x\n"
    "Trần Văn Bình;0912 345 602;01/01/1985;Nam;A+;Nhị Chiểu;\n"
)


async def test_an_imported_donor_hears_nothing_then_links_by_registering(
    bot: BotHarness, tmp_path: Path
) -> None:
    sheet = tmp_path / "list.csv"
    sheet.write_text(LIST, encoding="utf-8")
    config = tmp_path / "cli.toml"
    config.write_text(f'[database]\nurl = "{bot.settings.database.url}"\n', encoding="utf-8")
    argv = [
        "--config",
        str(config),
        "--log-level",
        "WARNING",
        "import",
        "donors",
        str(sheet),
        "--consent-date",
        "2019-08-07",
    ]
    assert await asyncio.to_thread(main, argv) == 0
    assert await bot.count_donors() == 2
    assert await bot.scalar(select(func.count()).select_from(ChannelAccount)) == 0
    assert await bot.scalar(select(func.count()).select_from(Outbox)) == 0
    assert bot.emu.state.sent == {}, "the bot wrote to nobody"

    lan = bot.user(1001)
    await bot.send(lan, "/start")
    await bot.press(lan, "Đồng ý")
    await bot.send(lan, "nguyen thi lan")
    await bot.send(lan, "3/8/1995")
    await bot.press(lan, "Nữ")
    linked = await bot.send(lan, "0912345678")
    assert "bot đã nối cuộc trò chuyện này với hồ sơ của Nguyễn Thị Lan" in texts(linked)
    assert await bot.count_donors() == 2, "no second profile"
    donor = await bot.donor_by_phone("+84912345678")
    assert donor is not None
    assert (donor.consent_source, donor.ward, donor.blood_abo, donor.is_reserve) == (
        "import_paper",
        "Tam Lưu",
        "O",
        True,
    )
    accounts = await bot.rows(select(ChannelAccount.user_id).where(ChannelAccount.donor_id == donor.id))
    assert accounts == ["1001"]
    profile = await bot.send(lan, "/hoso")
    assert "Nguyễn Thị Lan" in texts(profile) and "Tam Lưu" in texts(profile)
    # Bình never wrote: still nothing for him.
    binh = await bot.donor_by_phone("+84912345602")
    assert binh is not None
    assert await bot.rows(select(ChannelAccount.id).where(ChannelAccount.donor_id == binh.id)) == []
    assert (
        await bot.scalar(select(func.count()).select_from(Outbox).where(Outbox.about_donor_id == binh.id))
        == 0
    )
    assert await bot.scalar(select(func.count()).select_from(Donor)) == 2
