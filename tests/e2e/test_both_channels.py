"""The journeys people take, on both channels: Telegram (buttons, through PTB and its emulator) and Zalo
(numbered choices typed back, through the Zalo channel and its emulator). Each test is written once; on
Zalo "choose" types the number the bot printed before the choice, as a person does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.tables import ChannelAccount, Conversation, Donation, Donor, Outbox, Signup
from tests.chats import Chats, chats_on
from tests.e2e.test_desk_records import PLAN  # one drive day at Tam Lưu, 03/08/2020

BEFORE = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)  # Monday 20/07/2020, 09:00 in Vietnam
BLOOD_DAY = datetime(2020, 8, 3, 1, 0, tzinfo=UTC)  # Monday 03/08/2020, 08:00 in Vietnam


@pytest.fixture(params=["telegram", "zalo"])
async def chat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Chats]:
    from tests.helpers import FixedClock

    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with chats_on(request.param, tmp_path, FixedClock(BEFORE)) as chats:
        await chats.import_plan(tmp_path / "plan.toml")
        yield chats


def joined(texts: list[str]) -> str:
    return "\n".join(texts)


async def count(chat: Chats, statement: object) -> int:
    async with chat.app.sessions() as session:
        return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]


async def test_registration(chat: Chats) -> None:
    lan = chat.user(6101, name="Lan")
    welcome = joined(await chat.send(lan, "/start"))
    assert "Bạn có đồng ý không?" in welcome
    await chat.choose(lan, "Đồng ý")
    await chat.send(lan, "nguyễn thị lan")
    await chat.send(lan, "3/8/1995")
    await chat.choose(lan, "Nữ")
    await chat.send(lan, "0912 610 101")
    await chat.choose(lan, "O+")
    await chat.choose(lan, "Tam Lưu")
    await chat.choose(lan, "Chưa từng hiến")
    done = joined(await chat.choose(lan, "Xác nhận"))
    assert "thành công" in done
    async with chat.app.sessions() as session:
        donor = await session.scalar(select(Donor))
        platform = await session.scalar(
            select(ChannelAccount.platform).where(ChannelAccount.donor_id == Donor.id)
        )
    assert donor is not None and (donor.full_name, donor.phone, donor.ward) == (
        "Nguyễn Thị Lan",
        "+84912610101",
        "Tam Lưu",
    )
    assert platform == chat.platform


async def test_self_check(chat: Chats) -> None:
    user = chat.user(6102)
    intro = await chat.send(user, "/kiemtra")
    assert "bao nhiêu tuổi" in joined(intro)
    await chat.choose(user, "Từ 18 đến 60")
    await chat.choose(user, "Nữ")
    await chat.choose(user, "Từ 50 kg")
    await chat.choose(user, "Hơn 12 tuần trước")
    await chat.choose(user, "Không có")  # permanent
    await chat.choose(user, "Không có")  # 12 months
    await chat.choose(user, "Không có")  # 6 months
    await chat.choose(user, "Không có")  # 4 weeks
    await chat.choose(user, "Không có")  # 7 days
    verdict = joined(await chat.choose(user, "Không có"))  # pregnancy / breastfeeding
    assert "bạn có thể đăng ký hiến máu" in verdict, verdict
    assert await count(chat, select(func.count()).select_from(Donor)) == 0, "nothing is kept"


async def book(chat: Chats, user: object, phone: str) -> tuple[list[str], Signup]:
    await chat.add_donor(user, phone=phone)
    await chat.send(user, "/lichhien")
    await chat.choose(user, "03/08/2020")
    done = await chat.choose(user, "07:00")
    async with chat.app.sessions() as session:
        signup = await session.scalar(select(Signup).join(Donor).where(Donor.phone == phone))
    assert isinstance(signup, Signup) and signup.code is not None
    return done, signup


async def test_sign_up_with_its_ticket(chat: Chats) -> None:
    lan = chat.user(6103)
    done, signup = await book(chat, lan, "+84912610103")
    shown = joined(done)
    assert "Đã giữ chỗ" in shown and f"Mã đăng ký: {signup.code}" in shown
    if chat.platform == "telegram":  # the calendar file and the QR code as files
        assert "Lịch hẹn để thêm vào điện thoại" in shown and "đưa mã QR này" in shown
    else:  # no uploads on Zalo, and no public URL here: a calendar link and the code in text
        assert "calendar.google.com/calendar/render?action=TEMPLATE" in shown
        assert f"Mã check-in của bạn: {signup.code}" in shown
        assert "Thứ Hai, 03/08/2020, 07:00–08:00, Nhà văn hóa Tam Lưu" in shown


async def test_check_in_and_the_thank_you(chat: Chats) -> None:
    staff = chat.user(6100, name="Cán bộ")
    await chat.make_organiser(staff)
    lan = chat.user(6104, name="Lan")
    _, signup = await book(chat, lan, "+84912610104")
    chat.clock.current = BLOOD_DAY
    screen = joined(await chat.send(staff, f"/checkin {signup.code}"))
    assert "Đã check-in: Lan" in screen
    recorded = joined(await chat.choose(staff, "350 ml"))
    assert "Đã ghi nhận kết quả" in recorded
    chat.clock.advance(minutes=11)  # past the ten minutes left to correct a mis-tap
    if chat.app.dispatcher.on_pushed is not None:
        chat.app.dispatcher.on_pushed()
    thanks = await chat.wait_for(lan, "Cảm ơn Lan")
    assert "Đây là lần hiến thứ 1 được ghi nhận" in thanks, thanks
    assert await count(chat, select(func.count()).select_from(Donation)) == 1


async def test_a_call_out_answered_by_typing(chat: Chats, tmp_path: Path) -> None:
    from bot.cli import main

    chat.clock.current = datetime.now(UTC)  # the CLI, another process, stamps rows with the real time
    donor = chat.user(6105, name="Minh")
    await chat.add_donor(donor, phone="+84912610105", is_reserve=True)
    config = tmp_path / "cli.toml"
    config.write_text(f'[database]\nurl = "{chat.app.settings.database.url}"\n', encoding="utf-8")
    create = ["--config", str(config), "callout", "create", "--units", "1", "--place", "BV Kinh Môn"]
    create += ["--address", "An Lưu", "--contact", "BS Hùng", "--deadline", "23:59", "--groups", "O+"]
    assert await asyncio.to_thread(main, create) == 0
    chat.clock.current = datetime.now(UTC)  # the call-out is due from when the CLI made it
    if chat.app.dispatcher.on_pushed is not None:
        chat.app.dispatcher.on_pushed()
    asked = await chat.wait_for(donor, "CẦN MÁU KHẨN CẤP")
    if chat.platform == "zalo":
        assert "1) " in asked, "the answers are numbered in the push"
    accepted = joined(await chat.send(donor, "tôi đến được"))  # typed, not pressed
    assert "BV Kinh Môn" in accepted and "BS Hùng" in accepted


async def test_mydata_and_erase(chat: Chats) -> None:
    lan = chat.user(6106, name="Lan")
    _, signup = await book(chat, lan, "+84912610106")
    mine = joined(await chat.send(lan, "/mydata"))
    assert "+84912610106" in mine or "0912 610 106" in mine
    if chat.platform == "zalo":  # no file: the JSON comes as text, every value in it
        assert '"phone": "+84912610106"' in mine and signup.code is not None and signup.code in mine
    question = joined(await chat.send(lan, "/xoa"))
    assert "không thể hoàn tác" in question
    done = joined(await chat.choose(lan, "Xóa tất cả"))
    assert "Đã xóa toàn bộ dữ liệu" in done
    assert await count(chat, select(func.count()).select_from(Donor)) == 0
    assert await count(chat, select(func.count()).select_from(Signup)) == 0
    left = await count(
        chat, select(func.count()).select_from(Outbox).where(Outbox.about_donor_id.is_not(None))
    )
    assert left == 0
    conversations = await count(chat, select(func.count()).select_from(Conversation))
    assert conversations <= 1  # at most the language chosen, nothing personal
