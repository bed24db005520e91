"""Issue 16 item 5 end to end: a club made in the chat, joined by its code (every way it is typed), the
member list for leaders and organisers only, a call-out that asks club members first, the club figures
in /thongke, and memberships in /mydata and gone after /xoa."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import select

from domain import clubs as rules
from domain.figures import Scope
from models import clubs
from models.tables import AuditEntry, Club, ClubJoinFailure, ClubMember, Donation
from scheduler.jobs import advance_callouts
from tests.e2e.test_callouts import callout_messages, reserve
from tests.helpers import BotHarness, FixedClock, running_bot, texts


async def new_club(bot: BotHarness, name: str = "CLB Hiến máu Tam Lưu") -> Club:
    staff = bot.user(7000, name="Cán bộ")
    await bot.make_organiser(staff)
    await bot.send(staff, "/taoclb")
    await bot.send(staff, name)
    done = await bot.press(staff, "Câu lạc bộ hiến máu")
    assert "Mã tham gia: CLB-" in done[0].text
    club = await bot.scalar(select(Club).where(Club.name == name))
    assert club is not None and rules.shown(club.join_code) in done[0].text
    return club


async def test_an_organiser_creates_a_club_and_donors_join_by_its_code(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        club = await new_club(bot)
        shown = rules.shown(club.join_code)
        bare = club.join_code
        lan = bot.user(7001)
        await bot.add_donor(lan, phone="+84912007001", is_reserve=True)
        joined = await bot.send(lan, shown)  # the code alone, with its dash
        assert "Bạn đã tham gia «CLB Hiến máu Tam Lưu»" in joined[0].text
        again = await bot.send(lan, f"/thamgia {bare.lower()}")  # lower case, no dash
        assert "đã là thành viên" in again[0].text
        assert await bot.count(ClubMember) == 1

        # English, lower case without the dash, the six characters alone after /join
        tom = bot.user(7002, language_code="en", name="Tom")
        await bot.add_donor(tom, phone="+84912007002", language="en")
        joined_en = await bot.send(tom, bare.lower())
        assert "You joined «CLB Hiến máu Tam Lưu»" in joined_en[0].text
        # Tom is not on the reserve list: joining a club does not change that, he is asked
        assert "Would you like to join the reserve" in texts(joined_en)
        assert "already a member" in (await bot.send(tom, f"/join {bare[3:]}"))[0].text
        assert "already a member" in (await bot.send(tom, f"/join CLB {bare[3:]}"))[0].text
        # the same code in Vietnamese with a space
        hoa = bot.user(7003)
        await bot.add_donor(hoa, phone="+84912007003")
        assert "Bạn đã tham gia" in (await bot.send(hoa, f"clb {bare[3:].lower()}"))[0].text
        assert "Bạn có muốn vào danh sách người hiến dự bị" in texts(bot.emu.messages(hoa.chat_id))
        assert await bot.count(ClubMember) == 3

        mine = await bot.send(lan, "/clbcuatoi")
        assert "CLB Hiến máu Tam Lưu — Câu lạc bộ hiến máu" in mine[0].text
        left = await bot.press(lan, "Rời «CLB Hiến máu Tam Lưu»")
        assert "Bạn đã rời" in left[0].text
        assert "chưa tham gia câu lạc bộ nào" in (await bot.send(lan, "/clbcuatoi"))[0].text
        assert await bot.scalar(select(AuditEntry).where(AuditEntry.action == "club.create"))
        assert await bot.scalar(select(AuditEntry).where(AuditEntry.action == "club.join"))


async def test_a_wrong_code_is_answered_and_guessing_is_locked_out(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        club = await new_club(bot)
        lan = bot.user(7011)
        await bot.add_donor(lan, phone="+84912007011")
        wrong = "CLB-ZZZZZZ" if club.join_code != "CLBZZZZZZ" else "CLB-YYYYYY"
        answer = await bot.send(lan, wrong)
        assert "Mã câu lạc bộ không đúng" in answer[0].text
        assert "Đây không phải mã câu lạc bộ" in (await bot.send(lan, "/thamgia hello"))[0].text
        for _ in range(rules.MAX_FAILURES - 1):
            last = await bot.send(lan, wrong)
        assert "tạm khóa" in last[0].text
        refused = await bot.send(lan, rules.shown(club.join_code))  # the right one, locked out too
        assert "đang tạm khóa" in refused[0].text
        assert await bot.count(ClubMember) == 0
        assert await bot.count(ClubJoinFailure) == rules.MAX_FAILURES
        # an invite code and a check-in code are not club codes
        assert "Mã mời không đúng" in (await bot.send(lan, "K7M2-QX9P"))[0].text


async def test_someone_not_registered_registers_first_and_then_joins(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        club = await new_club(bot)
        new = bot.user(7021, name="Mai")
        first = await bot.send(new, rules.shown(club.join_code))
        assert "cần đăng ký người hiến máu trước" in first[0].text
        assert await bot.count(ClubMember) == 0
        await bot.press(new, "Đồng ý")
        await bot.send(new, "Nguyễn Thị Mai")
        again = await bot.send(new, f"/thamgia {club.join_code}")  # mid-registration: the answers stay
        assert "cần đăng ký người hiến máu trước" in again[0].text and "Ngày sinh" in texts(again)
        await bot.send(new, "03/08/1995")
        await bot.press(new, "Nữ")
        await bot.send(new, "0912 007 021")
        await bot.press(new, "O+")
        await bot.press(new, "Tam Lưu")
        await bot.send(new, "15/6/2026")
        confirmed = await bot.press(new, "Xác nhận")
        assert "Bạn đã tham gia «CLB Hiến máu Tam Lưu»" in texts(confirmed)
        assert await bot.count(ClubMember) == 1


async def test_the_member_list_is_for_leaders_and_organisers_only(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        club = await new_club(bot)
        staff = bot.user(7000)
        lead, member = bot.user(7031, name="Hùng"), bot.user(7032, name="Nga")
        lead_id = await bot.add_donor(lead, phone="+84912007031", full_name="Trần Văn Hùng")
        await bot.add_donor(member, phone="+84912007032", full_name="Lê Thị Nga", is_reserve=True)
        for user in (lead, member):
            await bot.send(user, rules.shown(club.join_code))
        listed = await bot.send(staff, "/clb")
        assert "CLB Hiến máu Tam Lưu (Câu lạc bộ hiến máu)" in listed[0].text
        assert "2 thành viên, 0 trưởng nhóm" in listed[0].text
        assert "chỉ trưởng nhóm" in (await bot.send(member, f"/clb {club.key}"))[0].text
        assert bot.app is not None
        async with bot.app.sessions() as session, session.begin():
            row = await session.get(Club, club.id)
            assert row is not None
            await clubs.set_role(session, row, lead_id, "leader", actor="cli:test", now=bot.clock.now())
        led = await bot.send(lead, "/clb")
        assert "Các câu lạc bộ bạn làm trưởng nhóm" in led[0].text and club.key in led[0].text
        assert "chỉ dành cho cán bộ" in (await bot.send(member, "/clb"))[0].text
        shown = await bot.send(lead, f"/clb {club.key}")
        assert "Lê Thị Nga" in shown[0].text and "0912 007 032" in shown[0].text
        assert "Trần Văn Hùng · trưởng nhóm" in shown[0].text
        assert "Lê Thị Nga" in (await bot.send(staff, f"/clb {club.key}"))[0].text
        # a ward organiser of another ward does not see it
        other = bot.user(7033)
        await bot.make_organiser(other, scope=Scope.ward("Nhị Chiểu"))
        assert "chỉ trưởng nhóm" in (await bot.send(other, f"/clb {club.key}"))[0].text
        entry = await bot.scalar(select(AuditEntry).where(AuditEntry.action == "club.members"))
        assert entry is not None and entry.details == {"rows": 2}


async def test_a_call_out_reaches_club_members_first(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        club = await new_club(bot)
        staff = bot.user(7000)
        member = await reserve(bot, 7041, phone="+84912007041", ward="Nhị Chiểu")  # ranked after Tam Lưu
        outsider = await reserve(bot, 7042, phone="+84912007042")
        not_reserve = await reserve(bot, 7043, phone="+84912007043", is_reserve=False)
        for user in (member, not_reserve):
            await bot.send(user, rules.shown(club.join_code))
        await bot.send(staff, "/khancap")
        await bot.press(staff, "O+")
        await bot.press(staff, "Xong")
        await bot.press(staff, "Máu toàn phần")
        await bot.send(staff, "1")
        await bot.send(staff, "Bệnh viện Đa khoa Kinh Môn")
        await bot.send(staff, "Phường An Lưu, Kinh Môn")
        await bot.send(staff, "BS Hùng 0912 000 999")
        await bot.press(staff, "Trong 6 giờ")
        await bot.press(staff, "Tam Lưu")
        asked = await bot.press(staff, "Xong")
        assert "Nhắn thành viên câu lạc bộ trước" in asked[0].text
        preview = await bot.press(staff, "Mọi câu lạc bộ trước")
        assert "đợt 1 gửi cho 1 thành viên phù hợp" in preview[0].text
        await bot.press(staff, "Gửi ngay")
        await bot.emu.wait_until(lambda: len(callout_messages(bot, member)) == 1, what="the club member")
        assert callout_messages(bot, outsider) == [], "not in the first wave"
        assert callout_messages(bot, not_reserve) == [], "a member who did not join the reserve"
        assert bot.app is not None
        bot.clock.advance(minutes=21)
        assert await advance_callouts(bot.app) == 1
        await bot.emu.wait_until(lambda: len(callout_messages(bot, outsider)) == 1, what="wave 2")
        assert callout_messages(bot, not_reserve) == []
        entry = await bot.scalar(select(AuditEntry).where(AuditEntry.action == "callout.create"))
        assert entry is not None and entry.details["clubs_first"] == "all"


async def test_stats_show_club_figures_and_mydata_and_erasure_cover_memberships(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock()) as bot:
        club = await new_club(bot)
        staff = bot.user(7000)
        lan = await reserve(bot, 7051, phone="+84912007051")
        donor_id = await bot.scalar(select(ClubMember.donor_id))
        assert donor_id is None
        await bot.send(lan, rules.shown(club.join_code))
        donor = await bot.donor_by_phone("+84912007051")
        assert donor is not None
        assert bot.app is not None
        async with bot.app.sessions() as session, session.begin():
            session.add(
                Donation(donor_id=donor.id, donated_on=bot.clock.today() - timedelta(days=100), volume_ml=350)
            )
        stats = await bot.send(staff, "/thongke")
        assert "Câu lạc bộ (thành viên · lượt hiến năm nay · dự bị):" in stats[0].text
        assert "• CLB Hiến máu Tam Lưu: 1 thành viên · 1 lượt hiến · 1 dự bị" in stats[0].text
        (book_file,) = [m.file for m in stats if m.file is not None and m.file.filename.endswith(".xlsx")]
        book = openpyxl.load_workbook(io.BytesIO(book_file.content))
        sheet = book["Câu lạc bộ"]
        rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
        assert ["Câu lạc bộ", "Khóa", "Loại", "Phường/xã", "Thành viên", "Lượt hiến trong năm",
                "Thành viên dự bị", "O+"] in rows  # fmt: skip
        assert [
            club.name,
            club.key,
            "Câu lạc bộ hiến máu",
            1,
            1,
            1,
            1,
        ] in rows  # no ward: /taoclb by an area organiser

        await bot.send(lan, "sai-ma")  # not a code: nothing counted
        reply = await bot.send(lan, "/mydata")
        files = [m.file for m in reply if m.file is not None and m.file.filename.endswith(".json")]
        exported = json.loads(files[0].content)
        assert exported["clubs"][0]["club"] == "CLB Hiến máu Tam Lưu"
        assert exported["clubs"][0]["source"] == "chat"

        await bot.send(lan, "/xoa")
        await bot.press(lan, "Xóa tất cả")
        assert await bot.count(ClubMember) == 0
        assert await bot.count(Club) == 1
