"""What a scope changes in a journey, through the real PTB stack and the emulator (domain/roles.py): a ward
organiser's /taodot is held in their ward without asking, and their /thongbao reaches only their ward's
donors — an organisation's organiser's only that organisation's — with the preview saying so; a ward
organiser's Move and Cancel under a day of another ward are refused and change nothing; a ward
organiser's call-out asks their ward's reserve donors only, in every wave, and
only that ward's organisers (and the area's) follow it.

Donors: Lan (Tam Lưu, THPT Kinh Môn), Minh (Tam Lưu), Hoa (Nhị Chiểu, THPT Kinh Môn).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core import buttons
from domain.figures import Scope
from models.tables import AuditEntry, Callout, DriveDay, Outbox
from scheduler.jobs import advance_callouts
from tests.e2e.test_callouts import callout_messages, reserve
from tests.e2e.test_drives import BEFORE_ROUND_1, KINH_MON
from tests.e2e.test_roles_matrix import SCHOOL
from tests.helpers import BotHarness, FixedClock, SimUser, running_bot, texts


async def _donors(bot: BotHarness) -> dict[str, int]:
    lan, minh, hoa = bot.user(8701, name="Lan"), bot.user(8702, name="Minh"), bot.user(8703, name="Hoa")
    return {
        "Lan": await bot.add_donor(lan, phone="+84912870001", organisation=SCHOOL),
        "Minh": await bot.add_donor(minh, phone="+84912870002"),
        "Hoa": await bot.add_donor(hoa, phone="+84912870003", ward="Nhị Chiểu", organisation=SCHOOL),
    }


async def _announce(bot: BotHarness, staff: SimUser, words: str) -> tuple[str, set[int]]:
    """/thongbao to everyone the scope allows; the preview's first line and who got an outbox row."""
    asked = await bot.send(staff, "/thongbao")
    assert asked[0].button_labels() == [
        "Tất cả người hiến trong phạm vi của tôi",
        "Người hiến dự bị trong phạm vi của tôi",
    ], "no other ward to choose"
    await bot.press(staff, "Tất cả người hiến trong phạm vi")
    preview = await bot.send(staff, words)
    await bot.press(staff, "Xác nhận")
    rows = await bot.rows(select(Outbox).where(Outbox.kind == "announcement"))
    return preview[0].text or "", {
        row.about_donor_id for row in rows if row.payload and words in str(row.payload)
    }


async def test_a_ward_organiser_announces_to_their_ward_only(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        donors = await _donors(bot)
        staff = bot.user(8790, name="Cán bộ phường")
        await bot.make_organiser(staff, scope=Scope.ward("Tam Lưu"))
        preview, reached = await _announce(bot, staff, "Chủ nhật này hiến máu ở nhà văn hóa.")
        assert "sẽ gửi tới người hiến ở Tam Lưu, tổng cộng 2 người" in preview
        assert reached == {donors["Lan"], donors["Minh"]}
        # A forged "one ward" press cannot widen it: the scope decides the audience.
        await bot.send(staff, "/thongbao")
        after_forged = await bot.forge(staff, buttons.AnnounceAudience("ward").pack())
        assert "Gõ nội dung thông báo" in texts(after_forged)


async def test_an_organisation_organiser_announces_to_their_organisation_only(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        donors = await _donors(bot)
        staff = bot.user(8791, name="Cán bộ trường")
        await bot.make_organiser(staff, scope=Scope.organisation(SCHOOL))
        preview, reached = await _announce(bot, staff, "Trường mình hiến máu thứ Bảy.")
        assert f"sẽ gửi tới người hiến của đơn vị {SCHOOL}, tổng cộng 2 người" in preview
        assert reached == {donors["Lan"], donors["Hoa"]}


async def test_a_ward_organiser_creates_drive_days_in_their_ward_without_being_asked(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        staff = bot.user(8792, name="Cán bộ phường")
        await bot.make_organiser(staff, scope=Scope.ward("Nhị Chiểu"))
        await bot.send(staff, "/taodot")
        await bot.press(staff, "Kinh Môn ngàn trái tim vàng")
        await bot.send(staff, "15/8/2020")
        await bot.send(staff, "7h-10h30")
        asked = await bot.send(staff, "Nhà văn hóa Nhị Chiểu")
        assert texts(asked) == "Tiếp nhận tối đa bao nhiêu người? Ví dụ: 250.", "the ward is not asked"
        summary = await bot.send(staff, "80")
        assert "Nhị Chiểu" in texts(summary)
        await bot.press(staff, "Xác nhận")
        row = await bot.scalar(select(DriveDay).where(DriveDay.place_name == "Nhà văn hóa Nhị Chiểu"))
        assert row is not None and row.ward == "Nhị Chiểu"


async def test_a_ward_organiser_moves_and_cancels_only_their_wards_days(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        days = await bot.rows(select(DriveDay).order_by(DriveDay.id))
        own = next(d for d in days if d.ward == "Tam Lưu")
        other = next(d for d in days if d.ward not in ("Tam Lưu", None))
        staff = bot.user(8793, name="Cán bộ phường")
        await bot.make_organiser(staff, scope=Scope.ward("Tam Lưu"))
        await bot.send(staff, "/lichhien")
        shown = await bot.forge(staff, buttons.Drive(own.id).pack())
        assert "🛠 Hủy buổi" in shown[0].button_labels()
        shown = await bot.forge(staff, buttons.Drive(other.id).pack())
        assert not any("🛠" in label for m in shown for label in m.button_labels()), "not theirs to change"
        for pressed in (buttons.DriveMove(other.id), buttons.DriveCancelYes(other.id)):
            refused = texts(await bot.forge(staff, pressed.pack()))
            assert (
                "⛔ Việc này nằm ngoài phạm vi của bạn (người tổ chức, phạm vi: phường/xã Tam Lưu)" in refused
            )
            assert "dời hoặc hủy buổi hiến máu trong phạm vi đó" in refused
        again = await bot.scalar(select(DriveDay).where(DriveDay.id == other.id))
        assert again is not None and (again.status, again.day) == ("scheduled", other.day)
        asked = texts(await bot.forge(staff, buttons.DriveMove(own.id).pack()))
        assert asked.startswith("Ngày mới?")


async def test_a_ward_organisers_call_out_asks_their_ward_only(tmp_path: Path) -> None:
    """Two O+ reserve donors in Tam Lưu, one in Nhị Chiểu; 1 unit → a wave of 3 would reach all three
    for the area's organiser, the ward's reaches the two of Tam Lưu, and the next wave nobody else."""
    async with running_bot(tmp_path, FixedClock()) as bot:
        here = [await reserve(bot, 8711 + n, phone=f"+8491287001{n}") for n in range(2)]
        there = await reserve(bot, 8720, phone="+84912870020", ward="Nhị Chiểu")
        staff = bot.user(8794, name="Cán bộ phường")
        await bot.make_organiser(staff, scope=Scope.ward("Tam Lưu"))
        await bot.send(staff, "/khancap")
        await bot.press(staff, "O+")
        await bot.press(staff, "Xong")
        await bot.press(staff, "Máu toàn phần")
        await bot.send(staff, "1")
        await bot.send(staff, "Bệnh viện Đa khoa Kinh Môn")
        await bot.send(staff, "Phường An Lưu, Kinh Môn")
        await bot.send(staff, "BS Hùng 0912 000 999")
        preview = texts(await bot.press(staff, "Trong 6 giờ"))  # no ward question: their ward
        assert "Người hiến dự bị phù hợp: 2" in preview and "O+ · Tam Lưu: 2" in preview
        assert "Nhị Chiểu" not in preview
        assert "Chỉ nhắn người hiến ở Tam Lưu (phạm vi của bạn)" in preview
        launched = await bot.press(staff, "Gửi ngay")
        assert "tới 2 người" in texts(launched)
        await bot.emu.wait_until(lambda: all(callout_messages(bot, user) for user in here), what="the wave")
        assert callout_messages(bot, there) == []
        callout = await bot.scalar(select(Callout))
        assert callout is not None and (callout.wards, callout.wards_only) == (["Tam Lưu"], True)
        assert bot.app is not None
        bot.clock.advance(minutes=21)
        assert await advance_callouts(bot.app) == 0, "the next wave finds nobody else in the ward"
        assert callout_messages(bot, there) == []
        # Its tally (who accepted, with phones) is the ward's and the area's, not another ward's.
        neighbour, area = bot.user(8797, name="Cán bộ Nhị Chiểu"), bot.user(8798, name="Cán bộ huyện")
        await bot.make_organiser(neighbour, scope=Scope.ward("Nhị Chiểu"))
        await bot.make_organiser(area)
        assert texts(await bot.send(neighbour, "/dskhancap")).startswith("Không có lời kêu gọi khẩn cấp nào")
        refused = texts(await bot.forge(neighbour, buttons.CalloutTally("list", callout.id).pack()))
        assert refused.startswith(
            "⛔ Việc này nằm ngoài phạm vi của bạn (người tổ chức, phạm vi: phường/xã Nhị"
        )
        for allowed in (staff, area):
            assert texts(await bot.send(allowed, "/dskhancap")).startswith(f"Lời kêu gọi #{callout.id}")


async def test_toi_names_the_new_roles_and_their_scopes(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        first = await bot.scalar(select(DriveDay).order_by(DriveDay.id).limit(1))
        assert first is not None
        desk, leader = bot.user(8795, name="Bàn 1"), bot.user(8796, name="Chủ nhiệm")
        await bot.make_organiser(desk, role="desk", scope=Scope.drive_day(first.id))
        await bot.make_organiser(leader, role="club_leader", scope=Scope.club("clb-tam-luu"))
        said = texts(await bot.send(desk, "/toi"))
        assert f"Bạn là cán bộ bàn đón tiếp — phạm vi: buổi hiến máu số {first.id}." in said
        said = texts(await bot.send(leader, "/toi"))
        assert "Bạn là trưởng câu lạc bộ — phạm vi: câu lạc bộ clb-tam-luu." in said
        refused = texts(await bot.send(leader, "/thongke"))
        assert refused == (
            "⛔ Vai trò của bạn (trưởng câu lạc bộ, phạm vi: câu lạc bộ clb-tam-luu) không được xem thống kê "
            "(/thongke).\nBạn có thể: chưa có việc nào của người tổ chức (chỉ xem /toi)."
        )


async def test_a_burst_of_the_same_refusal_is_audited_once(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        other = await bot.scalar(select(DriveDay).where(DriveDay.ward == "Nhị Chiểu"))
        assert other is not None
        staff = bot.user(8799, name="Cán bộ phường")
        await bot.make_organiser(staff, scope=Scope.ward("Tam Lưu"))
        await bot.send(staff, "/lichhien")
        for _ in range(3):
            said = texts(await bot.forge(staff, buttons.DriveCancelYes(other.id).pack()))
            assert said.startswith("⛔ Việc này nằm ngoài phạm vi của bạn")
        await bot.send(staff, "/hiemmau")
        refused = await bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))
        assert [(e.actor, e.target) for e in refused] == [("telegram:8799", f"drive_day:{other.id}")]
        assert refused[0].details == {"capability": "drive_change", "role": "organiser", "scope": "ward"}
        bot.clock.advance(minutes=11)
        await bot.forge(staff, buttons.DriveCancelYes(other.id).pack())
        assert len(await bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))) == 2


async def test_help_lists_the_commands_the_role_may_use(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(KINH_MON)
        desk, leader, area = (
            bot.user(8780, name="Bàn"),
            bot.user(8781, name="CLB"),
            bot.user(8782, name="Huyện"),
        )
        await bot.make_organiser(desk, role="desk", scope=Scope.drive_day(1))
        await bot.make_organiser(leader, role="club_leader", scope=Scope.club("clb"))
        await bot.make_organiser(area)
        said = texts(await bot.send(desk, "/help"))
        assert "Lệnh cho cán bộ tổ chức" in said and "/checkin" in said
        assert "/thongbao" not in said and "/taodot" not in said and "/khancap" not in said
        assert "Lệnh cho cán bộ tổ chức" not in texts(await bot.send(leader, "/help")), "none to list yet"
        said = texts(await bot.send(area, "/help"))
        assert all(f"/{name}" in said for name in ("checkin", "taodot", "khancap", "thongbao", "danhsach"))
