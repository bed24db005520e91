"""/danhsach (/roster) through the real PTB stack and the emulator: sign-ups made in the chat, then the
organiser's short message and the A4 workbook, the no-shows after the day, the scopes and the audit log.

The data (today Monday 20/07/2020; a drive day in Tam Lưu on 03/08/2020, 07:00–11:30, slots of 30 min,
and one in Tam Lưu on 04/08/2020), worked out by hand:

  donor  ward        before the bot                    books            at the desk     first time?
  Lan    Tam Lưu     nothing                           03/08 07:00      checked in      yes
  Minh   Tam Lưu     earlier_donations = 3             03/08 07:30      never came      no
  Hoa    Nhị Chiểu   a donation on 01/12/2019          03/08 07:00      never came      no
  Nam    Tam Lưu     nothing (reserve donor)           04/08 07:00      —               yes

Sorted by slot and then name: 07:00 Hoa, 07:00 Lan, 07:30 Minh.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time
from pathlib import Path

import openpyxl
from sqlalchemy import select

from domain.figures import Scope
from models.tables import AuditEntry, Donation, Donor, DriveDay, Signup
from tests.chats import Chats, running_zalo
from tests.e2e.test_booking import book, load, plan, session
from tests.helpers import BotHarness, FixedClock, running_bot, texts

BEFORE = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)  # Monday 20/07/2020, 09:00 in Vietnam
ON_THE_DAY = datetime(2020, 8, 3, 1, 0, tzinfo=UTC)  # 08:00 on 03/08/2020
AFTER = datetime(2020, 8, 3, 5, 0, tzinfo=UTC)  # 12:00, half an hour after the day closed


def _sheet(content: bytes, title: str = "Danh sách") -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book[title].iter_rows(values_only=True)]


async def _setup(bot: BotHarness, tmp_path: Path) -> dict[str, int]:
    ids = await load(
        bot,
        tmp_path,
        plan(
            2020,
            session("day", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
            session("next", "2020-08-04", "Trường THCS Tam Lưu", "Tam Lưu"),
        ),
    )
    lan, minh = bot.user(8901, name="Lan"), bot.user(8902, name="Minh")
    hoa, nam = bot.user(8903, name="Hoa"), bot.user(8904, name="Nam")
    await bot.add_donor(lan, phone="+84912890001")
    await bot.add_donor(minh, phone="+84912890002", earlier_donations=3)
    hoa_id = await bot.add_donor(hoa, phone="+84912890003", ward="Nhị Chiểu")
    await bot.add_donor(nam, phone="+84912890004", is_reserve=True)
    assert bot.app is not None
    async with bot.app.sessions() as db, db.begin():
        db.add(Donation(donor_id=hoa_id, donated_on=date(2019, 12, 1), self_reported=True))
    await book(bot, lan, "Nhà văn hóa Tam Lưu", "07:00")
    await book(bot, minh, "Nhà văn hóa Tam Lưu", "07:30")
    await book(bot, hoa, "Nhà văn hóa Tam Lưu", "07:00")
    await book(bot, nam, "Trường THCS Tam Lưu", "07:00")
    return ids


async def test_the_roster_after_sign_ups_in_the_chat_then_the_no_shows(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        ids = await _setup(bot, tmp_path)
        staff = bot.user(8990, name="Cán bộ")
        await bot.make_organiser(staff)
        day = ids["day"]

        # On the morning of the day Lan is checked in at the desk with her code.
        bot.clock.current = ON_THE_DAY
        codes = {s.donor_id: s.code for s in await bot.rows(select(Signup).where(Signup.drive_day_id == day))}
        lan = await bot.donor_by_phone("+84912890001")
        assert lan is not None
        await bot.send(staff, f"/checkin {codes[lan.id]}")

        sent = await bot.send(staff, f"/danhsach {day}")
        message, document = sent
        said = message.text or ""
        assert (
            f"Danh sách đăng ký buổi hiến máu số {day} — 03/08/2020, Nhà văn hóa Tam Lưu (Toàn địa bàn)"
            in said
        )
        assert "3 người đăng ký, 1 người đã đến." in said
        assert "• 07:00: 2 đăng ký, 1 đã đến" in said
        assert "• 07:30: 1 đăng ký, 0 đã đến" in said
        assert "Lan" not in said and "0912" not in said, "no names or phones in the short message"

        assert document.kind == "document" and document.file is not None
        assert document.file.filename == f"danh-sach-buoi-{day}-2020-08-03.xlsx"
        rows = _sheet(document.file.content)
        assert rows[2] == [
            "STT",
            "Họ và tên",
            "Số điện thoại",
            "Giờ hẹn",
            "Dự bị",
            "Lần đầu",
            "Tình trạng",
            "Ký tên",
        ]
        assert rows[3] == [1, "Hoa", "0912 890 003", "07:00", None, None, "Chưa đến", None]
        assert rows[4] == [2, "Lan", "0912 890 001", "07:00", None, "Có", "Đã đến (08:00)", None]
        assert rows[5] == [3, "Minh", "0912 890 002", "07:30", None, None, "Chưa đến", None]
        assert len(rows) == 6, "Nam booked the other day"
        book = openpyxl.load_workbook(io.BytesIO(document.file.content))
        assert book["Danh sách"].page_setup.paperSize == 9  # A4

        # The next day has Nam, a reserve donor who never donated.
        nam_rows = _sheet((await bot.send(staff, f"/danhsach {ids['next']}"))[1].file.content)  # type: ignore[union-attr]
        assert nam_rows[3] == [1, "Nam", "0912 890 004", "07:00", "Có", "Có", "Chưa đến", None]

        # No-shows: not before the day is over; after it, Hoa and Minh (Lan came).
        early = texts(await bot.send(staff, f"/danhsach {day} vang"))
        assert f"Buổi hiến máu số {day} chưa kết thúc" in early
        bot.clock.current = AFTER
        (absent,) = await bot.send(staff, f"/danhsach {day} vắng")
        assert absent.text == (
            f"Người đăng ký nhưng không đến buổi hiến máu số {day} — 03/08/2020, Nhà văn hóa Tam Lưu"
            " (Toàn địa bàn)\n"
            "07:00 · Hoa · 0912 890 003\n"
            "07:30 · Minh · 0912 890 002"
        )

        # A wrong id and a bare command.
        assert "Không có buổi hiến máu số 999." in texts(await bot.send(staff, "/danhsach 999"))
        assert "Gõ /danhsach và số buổi hiến máu" in texts(await bot.send(staff, "/danhsach"))
        assert "Gõ /danhsach và số buổi hiến máu" in texts(await bot.send(staff, f"/danhsach {day} abc"))

        # Every roster given out is audited: who, which day, how many rows, never a name or a phone.
        entries = await bot.rows(
            select(AuditEntry).where(AuditEntry.action.like("roster.%")).order_by(AuditEntry.id)
        )
        assert [(e.action, e.actor, e.target, e.details) for e in entries] == [
            (
                "roster.export",
                "telegram:8990",
                f"drive_day:{day}",
                {"scope": "area", "format": "xlsx", "rows": 3},
            ),
            (
                "roster.export",
                "telegram:8990",
                f"drive_day:{ids['next']}",
                {"scope": "area", "format": "xlsx", "rows": 1},
            ),
            (
                "roster.no_shows",
                "telegram:8990",
                f"drive_day:{day}",
                {"scope": "area", "format": "text", "rows": 2},
            ),
        ]
        logged = repr([(e.target, e.details) for e in entries])
        assert "Hoa" not in logged and "890003" not in logged and "890 003" not in logged


async def test_a_ward_organiser_sees_their_ward_only_and_a_donor_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        ids = await _setup(bot, tmp_path)
        nhi_chieu, tam_luu = bot.user(8991, name="Cán bộ"), bot.user(8992, name="Cán bộ")
        await bot.make_organiser(nhi_chieu, scope=Scope.ward("Nhị Chiểu"))
        await bot.make_organiser(tam_luu, scope=Scope.ward("Tam Lưu"))

        # Hoa of Nhị Chiểu booked the Tam Lưu day: her organiser sees her, and only her.
        message, document = await bot.send(nhi_chieu, f"/danhsach {ids['day']}")
        assert "(Phường/xã Nhị Chiểu)" in (message.text or "")
        assert "1 người đăng ký, 0 người đã đến." in (message.text or "")
        assert document.file is not None
        rows = _sheet(document.file.content)
        assert [row[1] for row in rows[3:]] == ["Hoa"]
        cells = [cell for row in rows for cell in row]
        assert "Lan" not in cells and "Minh" not in cells and "0912 890 001" not in cells
        # The next day only Tam Lưu's Nam booked: another ward's people, refused plainly.
        refused = await bot.send(nhi_chieu, f"/danhsach {ids['next']}")
        assert texts(refused) == (
            f"Buổi hiến máu số {ids['next']} không thuộc phạm vi bạn phụ trách: "
            "không có người hiến nào của bạn đăng ký buổi này."
        )
        assert all(m.file is None for m in refused)

        # The Tam Lưu organiser gets the day in their ward without Hoa.
        _, theirs = await bot.send(tam_luu, f"/danhsach {ids['day']}")
        assert theirs.file is not None
        assert [row[1] for row in _sheet(theirs.file.content)[3:]] == ["Lan", "Minh"]

        # A donor is told it is for organisers, and sees nobody.
        donor = bot.user(8901)
        said = texts(await bot.send(donor, f"/danhsach {ids['day']}"))
        assert "Lệnh này chỉ dành cho cán bộ tổ chức." in said
        assert "Hoa" not in said and "0912" not in said
        audited = await bot.rows(select(AuditEntry.details).where(AuditEntry.action == "roster.export"))
        assert sorted(d["rows"] for d in audited) == [1, 2]  # the refusals left no entry


async def test_on_zalo_the_file_becomes_the_list_cut_to_one_message(tmp_path: Path) -> None:
    """80 people of 40-odd characters a line do not fit in Zalo's 2,000: the list ends with how many
    more there are, and the short message comes first as on Telegram."""
    async with running_zalo(tmp_path, FixedClock(BEFORE)) as zalo:
        path = tmp_path / "plan.toml"
        path.write_text(plan(2020, session("day", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu")), "utf-8")
        await zalo.import_plan(path)
        assert zalo.app is not None
        async with zalo.app.sessions() as db, db.begin():
            day = await db.scalar(select(DriveDay.id))
            assert day is not None
            for n in range(80):
                donor = Donor(
                    full_name=f"Nguyễn Thị Người Số {n:02d}",
                    phone=f"+849128910{n:02d}",
                    date_of_birth=date(1990, 1, 1),
                    sex="female",
                    ward="Tam Lưu",
                    consent_at=BEFORE,
                )
                db.add(donor)
                await db.flush()
                db.add(Signup(drive_day_id=day, donor_id=donor.id, slot_start=time(7, 30 * (n % 2))))
        chat = Chats(zalo)
        staff = chat.user(9700, name="Cán bộ")
        await chat.make_organiser(staff)
        short, listed = await chat.send(staff, f"/danhsach {day}")
        assert "80 người đăng ký, 0 người đã đến." in short
        assert "• 07:00: 40 đăng ký, 0 đã đến" in short and "• 07:30: 40 đăng ký, 0 đã đến" in short
        lines = listed.split("\n")
        assert lines[0].startswith(f"Danh sách đăng ký buổi hiến máu số {day}")
        assert lines[1] == "07:00 · Nguyễn Thị Người Số 00 · 0912 891 000 · lần đầu · Chưa đến"
        people = lines[1:-1]
        # heading 85 characters + newline; each person 66 + newline; "… và 52 người nữa." 18:
        # 86 + 28 × 67 + 18 = 1,980 ≤ 2,000, and a 29th would make 2,047.
        assert len(listed) == 1980 and len(people) == 28
        assert lines[-1] == f"… và {80 - len(people)} người nữa."
        assert not [m for m in zalo.emu.messages(staff.chat_id) if m.method != "sendMessage"]
