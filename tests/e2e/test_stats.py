"""/thongke through the real PTB stack and the emulator: the figures in words, the chart and the workbook,
each as the organiser's scope allows. Expected values are worked out by hand below.

The data (today 23/11/2026; year target 2026: 5 units, ward quota Tam Lưu 2 units; campaign
"Kinh Môn ngàn trái tim vàng" 2026 with a target of 4 units, one drive day 01/03/2026):

  donor        ward        donations before the bot  at the drive day   reserve
  Người A      Tam Lưu     20                        350 ml             O+
  Người B      Tam Lưu     -                         250 ml             -
  Người C      Nhị Chiểu   -                         450 ml             -
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.figures import Scope
from domain.plan_file import QuotaEntry, TargetValues
from emulators.telegram import SimUser
from models import quotas
from models.tables import AuditEntry, Campaign, Donation, Donor, DriveDay, Signup
from tests.chats import Chats, running_zalo
from tests.helpers import BotHarness, FixedClock, running_bot, texts

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Kinh Môn


async def seed_report_data(session: AsyncSession) -> None:
    """The data of this module's docstring, in the caller's transaction."""
    campaign = Campaign(key="kinh-mon-2026", name="Kinh Môn ngàn trái tim vàng", year=2026, target_units=4)
    session.add(campaign)
    await session.flush()
    day = DriveDay(
        campaign_id=campaign.id,
        key="d1",
        day=date(2026, 3, 1),
        start_time=time(7),
        end_time=time(11),
        place_name="Nhà văn hoá Tam Lưu",
        ward="Tam Lưu",
        capacity=50,
    )
    session.add(day)
    people = []
    for n, (ward, earlier, volume, reserve) in enumerate(
        [("Tam Lưu", 20, 350, True), ("Tam Lưu", None, 250, False), ("Nhị Chiểu", None, 450, False)]
    ):
        donor = Donor(
            full_name=f"Người {'ABC'[n]}",
            phone=f"+8491200000{n}",
            date_of_birth=date(1990, 1, 1),
            sex="male",
            weight_kg=60.0,
            blood_abo="O",
            blood_rh="+",
            ward=ward,
            is_reserve=reserve,
            earlier_donations=earlier,
            last_donation_on=date(2026, 3, 1),
            consent_at=NOW,
        )
        session.add(donor)
        people.append((donor, volume))
    await session.flush()
    for donor, volume in people:
        session.add(
            Donation(donor_id=donor.id, donated_on=date(2026, 3, 1), volume_ml=volume, drive_day_id=day.id)
        )
        session.add(Signup(donor_id=donor.id, drive_day_id=day.id, slot_start=time(7), status="donated"))
    await quotas.set_targets(
        session, year=2026, values=TargetValues(units=5), replace=True, actor="test", now=NOW
    )
    await quotas.set_quota(session, QuotaEntry("ward", "Tam Lưu", units=2), year=2026, actor="test", now=NOW)


@pytest.fixture
async def stats_bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, FixedClock(NOW)) as harness:
        assert harness.app is not None
        async with harness.app.sessions() as session, session.begin():
            await seed_report_data(session)
        yield harness


async def _organiser(bot: BotHarness, user_id: int, scope: Scope) -> SimUser:
    user = bot.user(user_id, name="Cán bộ")
    await bot.make_organiser(user, scope=scope)
    return user


def _workbook_cells(content: bytes) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


async def test_the_area_organiser_gets_the_year_in_words_a_chart_and_the_workbook(
    stats_bot: BotHarness,
) -> None:
    organiser = await _organiser(stats_bot, 7301, Scope.area())
    sent = await stats_bot.send(organiser, "/thongke")
    text, chart, workbook = sent
    said = text.text or ""
    assert "Kết quả công tác vận động hiến máu tình nguyện năm 2026 — Toàn địa bàn" in said
    # 3 units of the year's 5: 60 %, 2 short
    assert "Thu về 3 đơn vị máu, đạt 60 % chỉ tiêu (5), còn thiếu 2 đơn vị." in said
    assert "3 lượt đăng ký, 3 lượt đến điểm hiến, 3 lượt hiến được, 0 lượt tạm hoãn." in said
    # A gave 20 times before the bot: a repeat donor; B and C first-time: 1 of 3 = 33,3 %
    assert "3 người hiến máu: 2 người hiến lần đầu, 1 người hiến nhắc lại (33,3 %)." in said
    # 350 + 450 of three volumes: 2/3 = 66,66… % shown cut, never rounded up
    assert "từ 350 ml trở lên chiếm 66,6 %" in said
    assert "• Tam Lưu: 2/2 đơn vị (100 %)" in said and "• Nhị Chiểu: 1 đơn vị" in said
    assert "Lực lượng hiến máu dự bị: 1 người (O+: 1)." in said
    assert "Hiến máu trên 15 lần: 1 người." in said  # A: 20 + 1 = 21
    assert "Người A" not in said, "no names in the chat's text"

    assert chart.kind == "photo" and chart.file is not None
    assert chart.file.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert workbook.kind == "document" and workbook.file is not None
    assert workbook.file.filename == "thongke-2026.xlsx"
    sheets = _workbook_cells(workbook.file.content)
    assert ["Tam Lưu", 2, 2, 1, 0, 2] in sheets["Theo phường xã"]
    assert any(row[:3] == ["Người A", "Tam Lưu", 21] for row in sheets["Danh sách vinh danh"])

    entry = await stats_bot.scalar(select(AuditEntry).where(AuditEntry.action == "report.export"))
    assert entry is not None and entry.target == "area" and entry.actor == "telegram:7301"


async def test_a_ward_organiser_sees_their_ward_only(stats_bot: BotHarness) -> None:
    organiser = await _organiser(stats_bot, 7302, Scope.ward("Nhị Chiểu"))
    text, _chart, workbook = await stats_bot.send(organiser, "/thongke")
    said = text.text or ""
    assert "— Phường/xã Nhị Chiểu" in said
    assert "Thu về 1 đơn vị máu (chưa đặt chỉ tiêu)." in said
    assert "Tam Lưu" not in said
    assert "Hiến máu trên 15 lần: 0 người." in said
    assert workbook.file is not None
    cells = [cell for rows in _workbook_cells(workbook.file.content).values() for row in rows for cell in row]
    assert "Người A" not in cells and "Tam Lưu" not in cells


async def test_a_campaign_by_number_and_a_wrong_one(stats_bot: BotHarness) -> None:
    organiser = await _organiser(stats_bot, 7303, Scope.area())
    campaign = await stats_bot.scalar(select(Campaign))
    assert campaign is not None
    said = texts(await stats_bot.send(organiser, f"/thongke {campaign.id}"))
    assert "Kết quả chiến dịch «Kinh Môn ngàn trái tim vàng» — Toàn địa bàn" in said
    assert "Thu về 3 đơn vị máu, đạt 75 % chỉ tiêu (4), còn thiếu 1 đơn vị." in said  # 3 of 4
    wrong = texts(await stats_bot.send(organiser, "/thongke hè 2019"))
    assert "Không có chiến dịch «hè 2019»" in wrong
    assert f"• {campaign.id}: Kinh Môn ngàn trái tim vàng (2026)" in wrong
    assert "/thongke 2025" in wrong  # how to ask


async def test_donors_are_told_it_is_for_organisers(stats_bot: BotHarness) -> None:
    donor = stats_bot.user(7304)
    said = texts(await stats_bot.send(donor, "/thongke"))
    assert "Lệnh này chỉ dành cho cán bộ tổ chức." in said
    assert "đơn vị máu" not in said


async def test_on_zalo_without_a_public_url_the_files_become_text(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(NOW)) as zalo:
        async with zalo.app.sessions() as session, session.begin():  # type: ignore[union-attr]
            await seed_report_data(session)
        chat = Chats(zalo)
        staff = chat.user(9600, name="Cán bộ")
        await chat.make_organiser(staff)
        said = "\n".join(await chat.send(staff, "/thongke"))
        assert "Thu về 3 đơn vị máu, đạt 60 % chỉ tiêu (5), còn thiếu 2 đơn vị." in said
        assert "Biểu đồ không gửi được qua kênh này; số liệu ở tin trên." in said
        assert "Bảng Excel không gửi được qua kênh này." in said
        assert not [m for m in zalo.emu.messages(staff.chat_id) if m.method == "sendPhoto"]


async def test_on_zalo_with_a_public_url_the_chart_is_a_photo(tmp_path: Path) -> None:
    async with running_zalo(tmp_path, FixedClock(NOW), media=True) as zalo:
        async with zalo.app.sessions() as session, session.begin():  # type: ignore[union-attr]
            await seed_report_data(session)
        chat = Chats(zalo)
        staff = chat.user(9601, name="Cán bộ")
        await chat.make_organiser(staff)
        await chat.send(staff, "/thongke")
        (photo,) = [m for m in zalo.emu.messages(staff.chat_id) if m.method == "sendPhoto"]
        assert photo.photo_url and photo.caption == "Tiến độ thu máu so với chỉ tiêu"
