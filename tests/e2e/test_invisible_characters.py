"""NUL, other control characters, bidi overrides and zero-width characters never reach the core.

They are removed where a message enters the dispatcher (handlers.messages.Incoming.cleaned), for every
channel. On PostgreSQL a NUL in a text parameter fails the whole statement, so before this every Confirm
of a name with one failed; a right-to-left override in a name would show "naL ihT nễyugN" to organisers.
Newlines and tabs stay (announcements have several lines); a zero-width joiner inside an emoji sequence
(👩‍⚕️, 👨‍👩‍👧) stays, so the emoji is not split in two.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from models.tables import Callout, Donor
from tests.e2e.test_announce import donor
from tests.e2e.test_callouts import reserve
from tests.helpers import running_bot, texts

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u2060"
CONTROLS = "\x00\x01\x07\x1b\x7f\x85\x9f"


async def test_a_name_and_organisation_with_nul_and_invisible_characters_register(
    tmp_path: Path, database_url: str
) -> None:
    async with running_bot(tmp_path, database_url=database_url) as bot:
        user = bot.user(6301)
        await bot.send(user, "/start")
        await bot.press(user, "Tiếng Việt")
        await bot.press(user, "Đồng ý")
        asked = await bot.send(user, f"\u202enguyễn\x00 thị{ZERO_WIDTH} lan{BIDI}")
        assert "Ngày sinh" in texts(asked)
        await bot.send(user, "3/8/1995")
        await bot.press(user, "Nữ")
        await bot.send(user, "0912 630 100\x00")
        await bot.press(user, "O+")
        await bot.send(user, "52")
        await bot.press(user, "Nhị Chiểu")
        await bot.send(user, f"Trường{CONTROLS} THPT\u200b Kinh Môn\u202e")
        await bot.press(user, "Trường học")
        await bot.send(user, "15/6/2026")
        summary = await bot.press(user, "Có")
        assert "Nguyễn Thị Lan" in summary[0].text and "Trường THPT Kinh Môn" in summary[0].text
        done = await bot.press(user, "Xác nhận")
        assert "Cảm ơn Nguyễn Thị Lan" in texts(done), texts(done)
        stored = await bot.scalar(select(Donor))
        assert stored is not None
        assert (stored.full_name, stored.organisation) == ("Nguyễn Thị Lan", "Trường THPT Kinh Môn")


async def test_a_call_out_place_and_contact_with_nul_are_sent(tmp_path: Path, database_url: str) -> None:
    async with running_bot(tmp_path, database_url=database_url) as bot:
        staff = bot.user(6302, name="Cán bộ")
        await bot.make_organiser(staff)
        await reserve(bot, 6303, phone="+84912630300")
        await bot.send(staff, "/khancap")
        await bot.press(staff, "O+")
        await bot.press(staff, "Xong")
        await bot.press(staff, "Máu toàn phần")
        await bot.send(staff, "1\x00")
        for answer in ("Bệnh viện\x00 Kinh Môn\u202e", "Phường An Lưu\u2066", "BS Hùng\u200b 0912 000 999"):
            await bot.send(staff, answer)
        await bot.press(staff, "Trong 6 giờ")
        await bot.press(staff, "Xong")
        launched = await bot.press(staff, "Gửi ngay")
        assert "tới 1 người" in texts(launched), texts(launched)
        callout = await bot.scalar(select(Callout))
        assert callout is not None
        assert (callout.place, callout.address, callout.contact) == (
            "Bệnh viện Kinh Môn",
            "Phường An Lưu",
            "BS Hùng 0912 000 999",
        )


async def test_an_announcement_keeps_its_lines_tabs_and_emoji_and_loses_the_rest(
    tmp_path: Path, database_url: str
) -> None:
    async with running_bot(tmp_path, database_url=database_url) as bot:
        staff = bot.user(6304, name="Cán bộ")
        await bot.make_organiser(staff)
        await donor(bot, 6305, "+84912630500")
        await bot.send(staff, "/thongbao")
        await bot.press(staff, "Tất cả người hiến")
        health_worker, family = "👩\u200d⚕️", "👨\u200d👩\u200d👧"
        sent = f"Chủ nhật\x00 hiến máu{BIDI}\r\n\t7h–11h {health_worker}{ZERO_WIDTH[:3]}\u2028Mời {family}!"
        expected = f"Chủ nhật hiến máu\n\t7h–11h {health_worker}\nMời {family}!"
        _head, body = await bot.send(staff, sent)
        assert body.text == expected


async def test_a_message_of_invisible_characters_only_gets_a_sensible_answer(
    tmp_path: Path, database_url: str
) -> None:
    async with running_bot(tmp_path, database_url=database_url) as bot:
        user = bot.user(6306)
        reply = await bot.send(user, BIDI + ZERO_WIDTH + CONTROLS)
        assert "chỉ đọc được chữ" in texts(reply) or "gõ câu hỏi" in texts(reply), texts(reply)
