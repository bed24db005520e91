"""Campaigns made in the chat (/taochiendich), /taodot's address, slot length and audience, and the A4
poster of a drive day (/apphich, `donorbot poster`), through the emulator and the real command line."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.cli import main
from models.tables import AuditEntry, Campaign, DriveDay, Quota
from services.reports import poster as posters
from tests.chats import Chats, running_zalo
from tests.e2e.test_drives import BEFORE_ROUND_1, KINH_MON
from tests.helpers import BotHarness, FixedClock, running_bot, texts

A4_POINTS = (595.28, 841.89)


def media_box(pdf: bytes) -> tuple[float, float]:
    """The one page's size in points, read from the PDF's MediaBox."""
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(boxes) == 1, boxes
    return float(boxes[0][0]), float(boxes[0][1])


async def campaigns(bot: BotHarness) -> list[Campaign]:
    return list(await bot.rows(select(Campaign).order_by(Campaign.id)))


async def test_a_campaign_made_in_the_chat_with_its_targets_and_ward_quotas(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        staff, citizen = bot.user(8101, name="Cán bộ"), bot.user(8102)
        assert "chỉ dành cho cán bộ" in texts(await bot.send(citizen, "/taochiendich"))
        await bot.make_organiser(staff)
        assert "/taochiendich" in texts(await bot.send(staff, "/help"))
        assert "Chưa có chiến dịch nào. Gõ /taochiendich" in texts(await bot.send(staff, "/taodot"))
        await bot.import_plan(KINH_MON)
        assert "Tên chiến dịch?" in texts(await bot.send(staff, "/taochiendich"))
        assert "Ngày bắt đầu" in texts(await bot.send(staff, "Hành trình đỏ Kinh Môn"))
        bad = texts(await bot.send(staff, "32/13/2020"))
        assert "Ngày chưa đúng" in bad and "Ngày bắt đầu chiến dịch?" in bad
        await bot.send(staff, "1/8/2020")
        before = texts(await bot.send(staff, "31/7/2020"))
        assert "Ngày kết thúc phải từ ngày bắt đầu (01/08/2020)" in before
        assert "Ngày kết thúc chiến dịch?" in before
        assert "Đơn vị tổ chức?" in texts(await bot.send(staff, "30/9/2020"))
        assert "Khẩu hiệu" in texts(await bot.press(staff, "Bỏ qua"))
        await bot.send(staff, "Mỗi giọt máu cho đi – một cuộc đời ở lại")
        await bot.send(staff, "1.200")
        over = texts(await bot.send(staff, "120"))
        assert "không thể quá 100 %" in over and "nhắc lại cần đạt" in over
        await bot.send(staff, "60 %")
        await bot.send(staff, "bo qua")  # typed without diacritics
        await bot.send(staff, "300")
        wrong = texts(await bot.send(staff, "Hải Dương: 50"))
        assert "«Hải Dương» không có trong danh sách phường/xã" in wrong
        summary = texts(await bot.send(staff, "Tam Lưu: 120\nnhi chieu: 90"))
        assert "• Thời gian: 01/08/2020 – 30/09/2020" in summary
        assert "• Chỉ tiêu: 1.200 đơn vị máu" in summary and "• Tỷ lệ hiến nhắc lại: 60 %" in summary
        assert "• Tỷ lệ đơn vị 350 ml: không có" in summary
        assert "• Chỉ tiêu phường/xã: Tam Lưu: 120; Nhị Chiểu: 90" in summary
        assert len(await campaigns(bot)) == 1, "nothing written before Confirm"
        done = texts(await bot.press(staff, "Xác nhận"))
        _, row = await campaigns(bot)
        assert (
            f"Đã tạo chiến dịch «Hành trình đỏ Kinh Môn» (số {row.id}, mã hanh-trinh-do-kinh-mon-2020)"
            in done
        )
        assert (row.year, row.first_day, row.last_day) == (2020, date(2020, 8, 1), date(2020, 9, 30))
        assert (row.target_units, row.target_repeat_share, row.target_350_share) == (1200, 0.6, None)
        assert row.target_reserve_donors == 300 and row.organising_unit is None
        assert row.slogan == "Mỗi giọt máu cho đi – một cuộc đời ở lại"
        quotas = await bot.rows(select(Quota).where(Quota.campaign_id == row.id))
        assert sorted((q.kind, q.name, q.units) for q in quotas) == [
            ("ward", "Nhị Chiểu", 90),
            ("ward", "Tam Lưu", 120),
        ]
        created = await bot.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.create"))
        assert created is not None and created.actor == f"telegram:{staff.id}"
        # /taodot offers the newest first
        asked = await bot.send(staff, "/taodot")
        assert asked[0].button_labels()[0] == "Hành trình đỏ Kinh Môn (2020)"


async def test_mistakes_are_said_in_english_and_cancel_leaves_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        staff = bot.user(8111, language_code="en")
        await bot.add_donor(staff, phone="+84912100111", language="en")
        await bot.make_organiser(staff)
        assert "The campaign's name?" in texts(await bot.send(staff, "/newcampaign"))
        assert "Please type the campaign's name" in texts(await bot.send(staff, "ab"))
        await bot.send(staff, "Red Journey")
        bad = texts(await bot.send(staff, "tomorrow-ish"))
        assert "That is not a date" in bad and "The campaign's first day?" in bad
        await bot.send(staff, "2020-08-01")
        before = texts(await bot.send(staff, "15/07/2020"))
        assert "The last day cannot be before the first day (1 Aug 2020)" in before
        await bot.send(staff, "31/08/2020")
        for _ in ("unit", "slogan", "units"):
            await bot.press(staff, "Skip")
        over = texts(await bot.send(staff, "150%"))
        assert "A share cannot be over 100 %" in over and "repeat donors" in over
        await bot.send(staff, "62,5")
        await bot.send(staff, "skip")
        await bot.send(staff, "skip")
        assert "Quotas per ward" in texts(await bot.send(staff, "lots"))  # re-asked after the error
        stopped = texts(await bot.send(staff, "/cancel"))
        assert "/newcampaign" in stopped
        assert await campaigns(bot) == []
        state = await bot.conversation(staff)
        assert state is None or state.flow is None
        assert await bot.scalar(select(AuditEntry).where(AuditEntry.action == "campaign.create")) is None


async def test_a_session_with_address_slot_length_and_audience(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        staff = bot.user(8121)
        await bot.make_organiser(staff)
        await bot.send(staff, "/taodot")
        await bot.press(staff, "Kinh Môn ngàn trái tim vàng")
        await bot.send(staff, "15/8/2020")
        await bot.send(staff, "7h-10h30")
        await bot.send(staff, "Trường THPT Kinh Môn")
        await bot.press(staff, "Tam Lưu")
        summary = await bot.send(staff, "80")
        shown = summary[0].text or ""
        assert "• Địa chỉ: chưa có" in shown and "• Mỗi lượt: 30 phút" in shown
        assert "• Dành cho: mọi người" in shown
        assert "Địa chỉ cụ thể" in texts(await bot.press(staff, "🏠 Địa chỉ"))
        assert "Bạn vui lòng nhập địa chỉ" in texts(await bot.send(staff, "x"))
        again = texts(await bot.send(staff, "Số 1 đường Trần Hưng Đạo, phường Tam Lưu"))
        assert "• Địa chỉ: Số 1 đường Trần Hưng Đạo, phường Tam Lưu" in again
        asked = await bot.press(staff, "⏱ Thời lượng mỗi lượt")
        assert asked[0].button_labels() == ["15 phút", "20 phút", "30 phút", "60 phút"]
        assert "• Mỗi lượt: 15 phút" in texts(await bot.press(staff, "15 phút"))
        await bot.press(staff, "👥 Đối tượng")
        assert "• Dành cho: trường học" in texts(await bot.press(staff, "Trường học"))
        done = texts(await bot.press(staff, "Xác nhận"))
        row = await bot.scalar(select(DriveDay).where(DriveDay.place_name == "Trường THPT Kinh Môn"))
        assert row is not None
        assert (row.address, row.slot_minutes, row.audience) == (
            "Số 1 đường Trần Hưng Đạo, phường Tam Lưu",
            15,
            "school",
        )
        assert f"/apphich {row.id}" in done
        # a school donor sees it (a session for schools)
        donor = bot.user(8122)
        await bot.add_donor(donor, phone="+84912100122", organisation_type="school")
        listing = await bot.send(donor, "/lichhien")
        assert "Trường THPT Kinh Môn" in texts(listing)


async def test_the_poster_arrives_as_an_a4_pdf(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        staff, citizen = bot.user(8131), bot.user(8132)
        await bot.make_organiser(staff)
        row = await bot.scalar(select(DriveDay).where(DriveDay.key == "r1-bac-an-phu"))
        assert row is not None
        assert "chỉ dành cho cán bộ" in texts(await bot.send(citizen, f"/apphich {row.id}"))
        assert "Gõ /apphich và số của buổi" in texts(await bot.send(staff, "/apphich"))
        assert "Không có buổi hiến máu số 9999" in texts(await bot.send(staff, "/apphich 9999"))
        (document,) = await bot.send(staff, f"/apphich {row.id}")
        assert document.kind == "document" and document.file is not None
        assert document.file.filename == f"ap-phich-buoi-{row.id}-2020-08-05.pdf"
        assert "Áp phích A4 cho buổi hiến máu Thứ Tư, 05/08/2020" in (document.text or "")
        pdf = document.file.content
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page ") == 1
        width, height = media_box(pdf)
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1
        made = await bot.scalar(select(AuditEntry).where(AuditEntry.action == "poster.make"))
        assert made is not None and made.target == f"session:{row.id}"
        # the words typed instead of the command
        (again,) = await bot.send(staff, f"áp phích {row.id}")
        assert again.kind == "document"


FUTURE_PLAN = """
[campaign]
key = "hanh-trinh-do-2099"
name = "Hành trình đỏ 2099"
year = 2099
slogan = "Mỗi giọt máu cho đi – một cuộc đời ở lại"

[[sessions]]
key = "tam-luu"
date = 2099-12-13
start = "07:00"
end = "11:30"
place = "Nhà văn hóa khu dân cư Tam Lưu"
address = "Số 5 đường Trần Hưng Đạo"
capacity = 100
"""


async def test_the_poster_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI reads the real clock: a drive day ahead of it."""
    plan = tmp_path / "future.toml"
    plan.write_text(FUTURE_PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock()) as bot:
        await bot.import_plan(plan)
        row = await bot.scalar(select(DriveDay).where(DriveDay.key == "tam-luu"))
        assert row is not None
    config = tmp_path / "cli.toml"
    config.write_text(f'[database]\nurl = "{bot.settings.database.url}"\n', encoding="utf-8")
    png_path, pdf_path = tmp_path / "p.png", tmp_path / "p.pdf"
    base = ["--config", str(config), "poster", str(row.id)]
    png = [*base, "--format", "png", "--output", str(png_path), "--bot", "@hienmau_kinhmon_bot"]
    assert await asyncio.to_thread(main, png) == 0
    said = capsys.readouterr().out
    assert f"QR: https://t.me/hienmau_kinhmon_bot?start=drive_{row.id}, code DK {row.id}" in said
    assert await asyncio.to_thread(main, [*base, "--output", str(pdf_path)]) == 0
    width, height = media_box(pdf_path.read_bytes())
    assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1
    image = Image.open(io.BytesIO(png_path.read_bytes())).convert("L")
    assert abs(image.height / image.width - 297 / 210) < 0.002
    link = f"https://t.me/hienmau_kinhmon_bot?start=drive_{row.id}"
    assert posters.qr_matrix(link) == read_qr(image, len(posters.qr_matrix(link)))
    assert await asyncio.to_thread(main, [*base[:-1], "9999"]) == 2
    assert await asyncio.to_thread(main, [*base, "--bot", "not a name"]) == 2


def read_qr(image: Image.Image, modules: int) -> list[list[bool]]:
    """The QR code's modules as drawn: the pixel at each module's centre, dark or light."""
    left, top, right, bottom = posters.qr_box_px(image.width, image.height)
    size_x, size_y = (right - left) / modules, (bottom - top) / modules
    pixels = image.load()
    assert pixels is not None
    return [
        [
            pixels[int(left + (col + 0.5) * size_x), int(top + (line + 0.5) * size_y)] < 128  # type: ignore[operator]
            for col in range(modules)
        ]
        for line in range(modules)
    ]


async def test_on_zalo_the_poster_is_a_photo_by_url(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(BEFORE_ROUND_1), media=True) as zalo:
        chat = Chats(zalo)
        await chat.import_plan(KINH_MON)
        staff = chat.user(9610, name="Cán bộ")
        await chat.make_organiser(staff)
        row = await zalo_drive_day(chat, "r1-bac-an-phu")
        await chat.send(staff, f"/apphich {row}")
        (photo,) = [m for m in zalo.emu.messages(staff.chat_id) if m.method == "sendPhoto"]
        assert photo.photo_url and photo.photo_url.endswith(".png")
        assert "Áp phích A4 cho buổi hiến máu Thứ Tư, 05/08/2020" in (photo.caption or "")


async def test_on_zalo_without_a_public_url_the_poster_is_its_words(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(BEFORE_ROUND_1)) as zalo:
        chat = Chats(zalo)
        await chat.import_plan(KINH_MON)
        staff = chat.user(9611, name="Cán bộ")
        await chat.make_organiser(staff)
        row = await zalo_drive_day(chat, "r1-bac-an-phu")
        said = "\n".join(await chat.send(staff, f"/apphich {row}"))
        assert f"nhắn «DK {row}» cho bot để đăng ký" in said
        assert not [m for m in zalo.emu.messages(staff.chat_id) if m.method == "sendPhoto"]


async def zalo_drive_day(chat: Chats, key: str) -> int:
    async with chat.app.sessions() as session:
        found = await session.scalar(select(DriveDay.id).where(DriveDay.key == key))
    assert found is not None
    return int(found)
