"""Recognition through the real PTB stack and the emulator: /hoso's count, next date and milestones,
the congratulation when a desk result reaches one, and an organiser's correction the donor cannot undo."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import recognition
from bot.cli.main import parser
from models.tables import Donation, Donor, Signup
from tests.chats import Chats, chats_on
from tests.e2e.test_drives import BEFORE_ROUND_1, KINH_MON
from tests.helpers import BotHarness, FixedClock, running_bot, texts


@pytest.fixture
async def drive_bot(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as harness:
        await harness.import_plan(KINH_MON)
        yield harness


def messages_with(bot: BotHarness, chat_id: int, needle: str) -> list[str]:
    return [m.text or "" for m in bot.emu.messages(chat_id) if needle in (m.text or "")]


async def test_a_desk_result_reaching_a_milestone_congratulates_and_hoso_shows_the_next(
    drive_bot: BotHarness,
) -> None:
    lan = drive_bot.user(7101, name="Lan")
    organiser = drive_bot.user(7102, name="Cán bộ")
    # 4 times before the bot, the last on 01/03/2020 (today is 20/07/2020: 12 weeks have passed)
    await drive_bot.add_donor(lan, phone="+84912007101", last_donation=date(2020, 3, 1), earlier_donations=4)
    await drive_bot.make_organiser(organiser)
    before = (await drive_bot.send(lan, "/hoso"))[0].text
    assert "• Số lần hiến trước khi dùng bot: 4 lần" in before
    assert "• Số lần hiến đã ghi nhận: 4" in before
    assert "• Theo hồ sơ, bạn có thể hiến máu từ hôm nay" in before
    assert "• Còn 1 lần nữa đến mốc 5 lần" in before and "Các mốc đã đạt" not in before

    await drive_bot.send(lan, "/lichhien")
    await drive_bot.press(lan, "03/08/2020")
    await drive_bot.press(lan, "07:00")
    signup = await drive_bot.scalar(select(Signup))
    assert signup is not None
    drive_bot.clock.current = datetime(2020, 8, 3, 2, 0, tzinfo=UTC)  # the blood day, 09:00
    checked = await drive_bot.send(organiser, f"/start checkin_{signup.code.lower()}")
    assert "Số lần hiến đã ghi nhận: 4" in checked[0].text
    await drive_bot.press(organiser, "350 ml")
    drive_bot.clock.advance(minutes=10)  # both wait out the time to correct a mis-tap
    await drive_bot.emu.wait_until(
        lambda: bool(messages_with(drive_bot, lan.chat_id, "Chúc mừng")), what="the congratulation"
    )
    await drive_bot.emu.wait_until(
        lambda: bool(messages_with(drive_bot, lan.chat_id, "Cảm ơn Lan")), what="the thank-you"
    )
    [congratulation] = messages_with(drive_bot, lan.chat_id, "Chúc mừng")
    assert congratulation.startswith("🎉 Chúc mừng Lan! Bạn vừa tròn 5 lần hiến máu tình nguyện.")
    assert "Mốc tiếp theo: 10 lần." in congratulation
    [thanks] = messages_with(drive_bot, lan.chat_id, "Cảm ơn Lan")
    assert "lần hiến thứ 5" in thanks

    after = (await drive_bot.send(lan, "/hoso"))[0].text
    assert "• Lần hiến gần nhất: 03/08/2020" in after
    assert "• Số lần hiến đã ghi nhận: 5" in after
    assert "• Lần hiến tới có thể từ ngày: 26/10/2020" in after  # 12 weeks after 03/08/2020
    assert "• Các mốc đã đạt: 5 lần" in after
    assert "• Còn 5 lần nữa đến mốc 10 lần" in after


async def test_the_donor_edits_the_count_until_an_organiser_corrects_it(
    drive_bot: BotHarness, tmp_path: Path
) -> None:
    lan = drive_bot.user(7103, name="Lan")
    await drive_bot.add_donor(lan, phone="+84912007103", last_donation=date(2020, 3, 1))
    profile = await drive_bot.send(lan, "/hoso")
    assert "• Số lần hiến trước khi dùng bot: chưa có" in profile[0].text
    assert "• Số lần hiến đã ghi nhận: 1" in profile[0].text  # the reported last donation
    asked = await drive_bot.press(lan, "Sửa Số lần hiến trước khi dùng bot")
    assert "bao nhiêu lần, tính cả lần gần nhất" in asked[0].text
    assert "gõ một con số từ 0 đến 500" in texts(await drive_bot.send(lan, "nhiều lắm"))
    saved = await drive_bot.send(lan, "mười lăm lần")
    assert "Đã lưu «Số lần hiến trước khi dùng bot»" in saved[0].text
    shown = saved[-1].text
    assert "• Số lần hiến trước khi dùng bot: 15 lần" in shown
    assert "• Số lần hiến đã ghi nhận: 15" in shown, "the last donation is one of the 15"
    assert "• Các mốc đã đạt: 5, 10 và 15 lần" in shown and "• Còn 5 lần nữa đến mốc 20 lần" in shown
    assert not messages_with(drive_bot, lan.chat_id, "Chúc mừng"), "a stated count is not a donation"

    # the organiser checks the hospital's records: 18 times before the bot
    out = io.StringIO()
    args = parser().parse_args(["donor", "earlier-count", "--phone", "0912 007 103", "18"])
    settings = drive_bot.settings
    assert await recognition.run(args, settings, out=out, now=drive_bot.clock.now()) == 0
    assert out.getvalue() == "Lan (0912 007 103): donations before the bot 15 → 18; 18 in all.\n"
    profile = await drive_bot.send(lan, "/hoso")
    assert "• Số lần hiến trước khi dùng bot: 18 lần" in profile[0].text
    refused = await drive_bot.press(lan, "Sửa Số lần hiến trước khi dùng bot")
    assert "đã được ban tổ chức đối chiếu với sổ sách ngày 20/07/2020" in refused[0].text

    out = io.StringIO()
    args = parser().parse_args(["honours", "--year", "2020"])
    assert await recognition.run(args, settings, out=out, now=drive_bot.clock.now()) == 0
    assert out.getvalue() == (
        "Honour list: more than 15 donations\n"
        "  Name  Ward     Donations  Before the bot\n"
        "  ----  -------  ---------  --------------\n"
        "  Lan   Tam Lưu         18              18\n"
        "Reached a milestone in 2020\n"
        "  (none)\n"
    )
    err = io.StringIO()
    args = parser().parse_args(["honours", "--milestone", "7"])
    assert await recognition.run(args, settings, out=io.StringIO(), err=err) == 2
    assert err.getvalue().startswith(
        "donorbot honours: --milestone: 7 is not one of [recognition] milestones"
    )


@pytest.fixture(params=["telegram", "zalo"])
async def chat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Chats]:
    async with chats_on(request.param, tmp_path, FixedClock(BEFORE_ROUND_1)) as chats:
        yield chats


async def test_a_count_of_1_or_2_is_a_count_on_both_channels(chat: Chats) -> None:
    """On Zalo choices are numbered: the count question has none, so "1" is one time, not choice 1; at
    the registration summary (Confirm = 1, Edit = 2) the hint's example carries "lần"."""
    lan = chat.user(7201, name="Lan")
    await chat.add_donor(lan, phone="+84912007201", last_donation_on=date(2020, 3, 1))
    await chat.send(lan, "/hoso")
    asked = "\n".join(await chat.choose(lan, "Sửa Số lần hiến trước khi dùng bot"))
    assert "bao nhiêu lần" in asked
    shown = "\n".join(await chat.send(lan, "1"))
    assert "Số lần hiến trước khi dùng bot: 1 lần" in shown and "Số lần hiến đã ghi nhận: 1" in shown

    new = chat.user(7202, name="Bình")
    await chat.send(new, "/start")
    await chat.choose(new, "Đồng ý")
    for answer in ("Trần Văn Bình", "20/1/1990"):
        await chat.send(new, answer)
    await chat.choose(new, "Nam")
    await chat.send(new, "0912 007 202")
    await chat.choose(new, "A+")
    await chat.choose(new, "Nhị Chiểu")
    summary = "\n".join(await chat.send(new, "1/5/2020"))
    assert "ví dụ: «3 lần»" in summary
    summary = "\n".join(await chat.send(new, "2 lần"))
    assert "Số lần hiến trước khi dùng bot: 2 lần" in summary
    await chat.choose(new, "Xác nhận")
    async with chat.app.sessions() as session:
        donor = await session.scalar(select(Donor).where(Donor.phone == "+84912007202"))
        assert donor is not None and donor.earlier_donations == 2


async def test_a_self_reported_donation_reaching_a_milestone_congratulates(drive_bot: BotHarness) -> None:
    lan = drive_bot.user(7104, name="Lan")
    donor_id = await drive_bot.add_donor(lan, phone="+84912007104")  # nothing said before the bot
    assert drive_bot.app is not None
    async with drive_bot.app.sessions() as session, session.begin():  # 4 donations at earlier drives
        for month in (1, 4, 7, 10):
            session.add(
                Donation(
                    donor_id=donor_id,
                    donated_on=date(2019, month, 5),
                    self_reported=False,
                    created_at=drive_bot.clock.now(),
                )
            )
    await drive_bot.send(lan, "/hoso")
    await drive_bot.press(lan, "Sửa Lần hiến gần nhất")
    shown = (await drive_bot.send(lan, "1/7/2020"))[-1].text  # given at a hospital: the 5th
    assert "• Số lần hiến đã ghi nhận: 5" in shown and "• Các mốc đã đạt: 5 lần" in shown
    drive_bot.clock.advance(minutes=10)
    await drive_bot.emu.wait_until(
        lambda: bool(messages_with(drive_bot, lan.chat_id, "Chúc mừng")), what="the congratulation"
    )
    [congratulation] = messages_with(drive_bot, lan.chat_id, "Chúc mừng")
    assert "Bạn vừa tròn 5 lần hiến máu tình nguyện" in congratulation
    await drive_bot.press(lan, "Sửa Lần hiến gần nhất")  # the same date again: nothing new
    await drive_bot.send(lan, "1/7/2020")
    drive_bot.clock.advance(minutes=10)
    await drive_bot.send(lan, "/hoso")
    assert len(messages_with(drive_bot, lan.chat_id, "Chúc mừng")) == 1
