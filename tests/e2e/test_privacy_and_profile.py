"""/mydata, /xoa, /hoso and linking a second chat to an existing donor, end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select, update

from emulators.telegram import SentMessage, SimUser
from models import erasure
from models.tables import AuditEntry, ChannelAccount
from tests.e2e.test_registration import register_until_summary
from tests.helpers import BotHarness, texts


async def registered(bot: BotHarness, user_id: int) -> SimUser:
    user = bot.user(user_id)
    await register_until_summary(bot, user)
    await bot.press(user, "Xác nhận")
    return user


async def test_mydata_sends_the_profile_and_a_json_file(bot: BotHarness) -> None:
    user = await registered(bot, 3001)
    messages = await bot.send(user, "/mydata")
    assert "Nguyễn Thị Lan" in messages[0].text and "0912 345 678" in messages[0].text
    document = messages[-1]
    assert document.file is not None and document.file.filename.endswith(".json")
    exported = json.loads(document.file.content)
    assert exported["phone"] == "+84912345678"
    assert exported["date_of_birth"] == "1995-08-03"
    assert exported["donations"] == [
        {
            "date": "2026-06-15",
            "volume_ml": None,
            "kind": "whole_blood",
            "place": None,
            "self_reported": True,
            "recorded_at": "2026-11-23T02:00:00+00:00",
        }
    ]
    assert exported["chat_accounts"][0]["user_id"] == "3001"


async def test_mydata_of_a_stranger_says_nothing_is_stored(bot: BotHarness) -> None:
    reply = await bot.send(bot.user(3002), "/mydata")
    assert "không lưu dữ liệu cá nhân nào" in reply[0].text


async def test_erase_asks_first_then_leaves_no_row_behind(bot: BotHarness) -> None:
    user = await registered(bot, 3003)
    other = bot.user(3004)
    await register_until_summary(bot, other, phone="0912 999 888")  # must survive the erase
    question = await bot.send(user, "/xoa")
    assert "không thể hoàn tác" in question[0].text
    kept = await bot.press(user, "Không xóa")
    assert "không xóa gì" in kept[0].text
    assert await bot.count_donors() == 1
    await bot.send(user, "/delete")
    done = await bot.press(user, "Xóa tất cả")
    assert "Đã xóa toàn bộ dữ liệu" in done[0].text
    assert await bot.personal_rows() == {"donors": 0, "donations": 0, "accounts": 0, "conversations": 1}
    assert (await bot.conversation(other)) is not None
    after = await bot.send(user, "/mydata")
    assert "không lưu dữ liệu cá nhân nào" in after[0].text


async def test_profile_edit_saves_one_field(bot: BotHarness) -> None:
    user = await registered(bot, 3005)
    profile = await bot.send(user, "/hoso")
    assert "Hồ sơ của bạn" in profile[0].text and "Số lần hiến đã ghi nhận: 1" in profile[0].text
    question = await bot.press(user, "Sửa Cân nặng")
    assert "Cân nặng" in question[0].text
    bad = await bot.send(user, "năm mươi")
    assert "ví dụ: 52" in texts(bad)
    saved = await bot.send(user, "49")
    assert "Đã lưu «Cân nặng»" in saved[0].text and "49 kg" in saved[-1].text
    donor = await bot.donor_by_phone("+84912345678")
    assert donor is not None and donor.weight_kg == 49
    await bot.press(user, "Sửa Lần hiến gần nhất")
    await bot.press(user, "Chưa từng hiến")
    assert await bot.count_donations() == 0


async def test_profile_phone_cannot_take_someone_elses_number(bot: BotHarness) -> None:
    first = await registered(bot, 3006)
    second = bot.user(3007)
    await bot.send(second, "/dangky")
    await bot.press(second, "Đồng ý")
    await bot.send(second, "Phan Văn Đức")
    await bot.send(second, "9/9/1999")
    await bot.press(second, "Nam")
    await bot.send(second, "0977 111 222")
    await bot.press(second, "A+")
    await bot.press(second, "Tam Lưu")
    await bot.press(second, "Chưa từng hiến")
    await bot.press(second, "Xác nhận")
    await bot.send(second, "/hoso")
    await bot.press(second, "Sửa Điện thoại")
    reply = await bot.send(second, "0912345678")
    assert "đã thuộc một hồ sơ khác" in texts(reply)
    donor = await bot.donor_by_phone("+84977111222")
    assert donor is not None and donor.full_name == "Phan Văn Đức"
    assert first.id != second.id


async def test_an_existing_phone_links_the_chat_when_the_birth_date_matches(bot: BotHarness) -> None:
    await registered(bot, 3008)
    newcomer = bot.user(3009, name="Lan (máy mới)")
    await bot.send(newcomer, "/start")
    await bot.press(newcomer, "Đồng ý")
    await bot.send(newcomer, "Nguyễn Thị Lan")
    await bot.send(newcomer, "3/8/1995")
    await bot.press(newcomer, "Nữ")
    linked = await bot.contact(newcomer, "+84 912 345 678")
    assert "Đã nhận số điện thoại" in linked[0].text
    assert "đã nối cuộc trò chuyện này với hồ sơ của Nguyễn Thị Lan" in texts(linked)
    assert await bot.count_donors() == 1
    assert (await bot.personal_rows())["accounts"] == 2
    profile = await bot.send(newcomer, "/hoso")
    assert "0912 345 678" in profile[0].text


async def link_as_newcomer(bot: BotHarness, user_id: int, phone: str, birth: str) -> SimUser:
    newcomer = bot.user(user_id, name="Người lạ")
    await bot.send(newcomer, "/start")
    await bot.press(newcomer, "Đồng ý")
    await bot.send(newcomer, "Nguyễn Thị Lan")
    await bot.send(newcomer, birth)
    await bot.press(newcomer, "Nữ")
    linked = await bot.send(newcomer, phone)
    assert "đã nối cuộc trò chuyện này" in texts(linked)
    return newcomer


async def register_to_confirm(bot: BotHarness, user: SimUser, *, phone: str, birth: str) -> list[SentMessage]:
    """A whole registration with `phone` and `birth`, up to the answer to Confirm."""
    await bot.send(user, "/dangky")
    await bot.press(user, "Đồng ý")
    await bot.send(user, "Nguyễn Thị Lan")
    await bot.send(user, birth)
    await bot.press(user, "Nữ")
    await bot.send(user, phone)
    await bot.press(user, "O+")
    await bot.press(user, "Tam Lưu")
    await bot.press(user, "Chưa từng hiến")
    return await bot.press(user, "Xác nhận")


async def test_the_owner_hears_of_a_new_link_and_can_take_it_off(bot: BotHarness) -> None:
    owner = await registered(bot, 3012)  # Nguyễn Thị Lan, 0912 345 678, 03/08/1995
    before = len(bot.emu.messages(owner.chat_id))
    stranger = await link_as_newcomer(bot, 3013, "0912345678", "03/08/1995")

    await bot.emu.wait_for_messages(owner, before + 1)
    notice = bot.emu.last_message(owner.chat_id)
    assert "vừa được nối thêm với một cuộc trò chuyện khác" in (notice.text or "")
    assert "Nguyễn Thị Lan" in (notice.text or "")
    assert "0912" not in (notice.text or "")  # nothing the owner does not know already, no phone
    assert not [m for m in bot.emu.messages(stranger.chat_id) if "nối thêm" in (m.text or "")]

    done = await bot.press(owner, "Không phải tôi")
    assert "Đã gỡ cuộc trò chuyện kia khỏi hồ sơ" in texts(done)
    profile = await bot.send(stranger, "/hoso")
    assert "0912 345 678" not in texts(profile) and "Nguyễn Thị Lan" not in texts(profile)
    assert (await bot.personal_rows())["accounts"] == 2  # the stranger's chat stays, with no profile
    mine = await bot.send(owner, "/hoso")
    assert "0912 345 678" in texts(mine)
    rows = await bot.rows(select(AuditEntry).where(AuditEntry.action == "donor.unlink"))
    assert len(rows) == 1 and "0912" not in str(rows[0].details)

    assert not notice.reply_markup  # the button went with the press: it cannot be pressed twice

    # The removed chat cannot link itself again, even with the right birth date; the owner hears nothing more.
    count = len(bot.emu.messages(owner.chat_id))
    refused = await register_to_confirm(bot, stranger, phone="0912345678", birth="03/08/1995")
    assert "không nối được cuộc trò chuyện này" in texts(refused)
    assert "0912 345 678" not in texts(await bot.send(stranger, "/hoso"))
    assert len(bot.emu.messages(owner.chat_id)) == count
    assert await bot.count_donors() == 1

    # When the owner erases the profile, nothing points at it any more, the refusal included.
    found = await bot.donor_by_phone("+84912345678")
    assert found is not None and bot.app is not None
    await bot.send(owner, "/xoa")
    assert "Đã xóa toàn bộ dữ liệu" in texts(await bot.press(owner, "Xóa tất cả"))
    async with bot.app.sessions() as session:
        assert await erasure.count_rows_for(session, found.id) == 0


async def test_language_can_be_switched_later(bot: BotHarness) -> None:
    user = await registered(bot, 3012)
    await bot.send(user, "/ngonngu")
    switched = await bot.press(user, "English")
    assert switched[0].text == "Switched to English."
    donor = await bot.donor_by_phone("+84912345678")
    assert donor is not None and donor.language == "en"
    assert "Your profile" in (await bot.send(user, "/hoso"))[0].text


async def test_writing_again_after_blocking_makes_the_person_reachable(bot: BotHarness) -> None:
    user = await registered(bot, 3013)
    assert bot.app is not None
    async with bot.app.sessions() as session, session.begin():
        await session.execute(update(ChannelAccount).values(unreachable_at=datetime.now(UTC)))
    await bot.send(user, "/hoso")
    account = await bot.scalar(select(ChannelAccount))
    assert account is not None and account.unreachable_at is None
