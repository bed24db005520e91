"""A profile's chats are protected against a chat that links itself with a known phone and birth date.

Who may do what (docs/ARCHITECTURE.md, "Threat model"): only a chat that got a link notice can take
the chat it names off the profile; a removal made by an intruder does not lock the owner out; a chat
linked recently needs an older chat's approval for /mydata, /xoa and a phone change; wrong birth dates
are counted across dialogues and lock linking; /xoa leaves nothing that names the donor anywhere.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from emulators.telegram import SentMessage, SimUser
from models import honours
from models.tables import Base, ChannelAccount, Signup
from scheduler.jobs import run_planners_once
from tests.e2e.test_privacy_and_profile import link_as_newcomer, register_to_confirm, registered
from tests.e2e.test_reminders import PLAN
from tests.helpers import BotHarness, FixedClock, running_bot, texts

OWNER_PHONE = "0912345678"  # the profile `registered` makes: Nguyễn Thị Lan, 03/08/1995
OWNER_BIRTH = "03/08/1995"


@pytest.fixture
async def bot(tmp_path: Path, clock: FixedClock, database_url: str) -> AsyncIterator[BotHarness]:
    """The bot on each backend: these promises must hold on SQLite and PostgreSQL alike."""
    async with running_bot(tmp_path, clock, database_url=database_url) as harness:
        yield harness


async def arrives(bot: BotHarness, user: SimUser, words: str, count: int = 1) -> list[SentMessage]:
    """Waits until `count` messages containing `words` reached the user's chat (pushes), returns them."""

    def found() -> list[SentMessage]:
        return [m for m in bot.emu.messages(user.chat_id) if words in (m.text or "")]

    await bot.emu.wait_until(lambda: len(found()) >= count, what=f"{count} × {words!r}")
    return found()


async def press_on(bot: BotHarness, user: SimUser, message: SentMessage, label: str) -> list[SentMessage]:
    """Taps a button of one particular message (not just the latest one with buttons)."""
    return await bot._turn(user, bot.emu.press(user, message, message.button(label)))


async def on_profile(bot: BotHarness, user: SimUser) -> bool:
    return "0912 345 678" in texts(await bot.send(user, "/hoso"))


# --- 1. takeover ------------------------------------------------------------------------------


async def test_a_newly_linked_chat_cannot_take_the_owners_chat_off(bot: BotHarness) -> None:
    owner = await registered(bot, 3101)
    intruder = await link_as_newcomer(bot, 3102, OWNER_PHONE, OWNER_BIRTH)
    # Ids are small and sequential: the intruder tries every one of them as the unlink button's value.
    for forged in range(1, 6):
        reply = await bot.forge(intruder, f"unlink:{forged}")
        assert "Đã gỡ" not in texts(reply), forged
        assert "không còn dùng được" in texts(reply) or "không còn được nối" in texts(reply)
    assert await on_profile(bot, owner), "the owner's chat is still on the profile"
    assert (
        await bot.scalar(select(ChannelAccount.unlinked_from).where(ChannelAccount.user_id == "3101")) is None
    )
    # The owner's notice was not cancelled by any of that, and its button still works.
    (notice,) = await arrives(bot, owner, "vừa được nối thêm")
    done = await press_on(bot, owner, notice, "Không phải tôi")
    assert "Đã gỡ cuộc trò chuyện kia" in texts(done)
    assert not await on_profile(bot, intruder)


async def test_an_owner_removed_by_an_intruder_can_always_get_back_in(bot: BotHarness) -> None:
    owner = await registered(bot, 3111)
    intruder = await link_as_newcomer(bot, 3112, OWNER_PHONE, OWNER_BIRTH)
    second = await link_as_newcomer(bot, 3113, OWNER_PHONE, OWNER_BIRTH)  # the owner's new phone
    # The intruder was on the profile before the owner's second chat, so it got that notice and uses it.
    (about_second,) = await arrives(bot, intruder, "vừa được nối thêm")
    assert "Đã gỡ" in texts(await press_on(bot, intruder, about_second, "Không phải tôi"))
    assert not await on_profile(bot, second)
    refused = await register_to_confirm(bot, second, phone=OWNER_PHONE, birth=OWNER_BIRTH)
    assert "không nối được cuộc trò chuyện này" in texts(refused)
    # The owner's first chat takes the intruder off (the first of its two notices is about it) ...
    about_intruder, _about_second = await arrives(bot, owner, "vừa được nối thêm", count=2)
    assert "Đã gỡ" in texts(await press_on(bot, owner, about_intruder, "Không phải tôi"))
    assert not await on_profile(bot, intruder)
    # ... and from then on the removal the intruder made no longer holds.
    await bot.send(second, "/huy")
    await link_as_newcomer(bot, 3113, OWNER_PHONE, OWNER_BIRTH)
    assert await on_profile(bot, second)
    # The intruder itself stays refused: the owner's chat that removed it is still on the profile.
    again = await register_to_confirm(bot, intruder, phone=OWNER_PHONE, birth=OWNER_BIRTH)
    assert "không nối được cuộc trò chuyện này" in texts(again)


async def test_a_new_chat_needs_an_older_chats_approval_for_sensitive_actions(bot: BotHarness) -> None:
    owner = await registered(bot, 3121)
    newcomer = await link_as_newcomer(bot, 3122, OWNER_PHONE, OWNER_BIRTH)

    held = await bot.send(newcomer, "/mydata")
    assert "cần được xác nhận từ cuộc trò chuyện bạn dùng trước đó" in texts(held)
    assert all(m.file is None for m in held) and "3121" not in texts(held)
    assert "cần được xác nhận" in texts(await bot.send(newcomer, "/xoa"))
    await bot.send(newcomer, "/hoso")
    assert "cần được xác nhận" in texts(await bot.press(newcomer, "Sửa Điện thoại"))
    assert await bot.count_donors() == 1
    again = await bot.send(newcomer, "/mydata")
    assert "vẫn đang chờ" in texts(again)  # asked once, not once per command

    (wants_data,) = await arrives(bot, owner, "muốn xem và tải về toàn bộ dữ liệu")
    (wants_erase,) = await arrives(bot, owner, "muốn xóa toàn bộ hồ sơ")
    assert "0912" not in (wants_data.text or "")
    allowed = await press_on(bot, owner, wants_data, "Đúng, là tôi")
    assert "Đã đồng ý" in texts(allowed)
    await arrives(bot, newcomer, "đã đồng ý")
    exported = json.loads((await bot.send(newcomer, "/mydata"))[-1].file.content)  # type: ignore[union-attr]
    assert exported["phone"] == "+84912345678" and len(exported["chat_accounts"]) == 2

    # Someone asking to erase the owner's profile is not the owner: refusing also takes that chat off.
    refused = await press_on(bot, owner, wants_erase, "Không phải tôi")
    assert "Đã từ chối và gỡ cuộc trò chuyện kia" in texts(refused)
    assert not await on_profile(bot, newcomer)
    assert await on_profile(bot, owner) and await bot.count_donors() == 1
    # A forged approval from the newcomer's own chat, or a second answer, changes nothing.
    assert "không còn dùng được" in texts(await bot.forge(newcomer, "appr:2:yes"))
    assert "đã được trả lời" in texts(await bot.forge(owner, "appr:2:yes"))
    assert not await on_profile(bot, newcomer)


async def test_a_chat_linked_long_enough_ago_needs_no_approval(bot: BotHarness) -> None:
    await registered(bot, 3131)
    newcomer = await link_as_newcomer(bot, 3132, OWNER_PHONE, OWNER_BIRTH)
    bot.clock.advance(days=7, minutes=1)
    data = await bot.send(newcomer, "/mydata")
    assert data[-1].file is not None and "cần được xác nhận" not in texts(data)


# --- 2. birth-date guessing and the phone oracle -----------------------------------------------


async def phone_step_reply(bot: BotHarness, user: SimUser, phone: str, birth: str) -> str:
    await bot.send(user, "/dangky")
    await bot.press(user, "Đồng ý")
    await bot.send(user, "Trần Văn Khách")
    await bot.send(user, birth)
    await bot.press(user, "Nam")
    return texts(await bot.send(user, phone))


async def test_the_phone_step_reads_the_same_for_registered_and_new_numbers(bot: BotHarness) -> None:
    await registered(bot, 3141)
    registered_number = await phone_step_reply(bot, bot.user(3142), OWNER_PHONE, "1/1/1990")
    new_number = await phone_step_reply(bot, bot.user(3143), "0977 000 111", "1/1/1990")
    assert registered_number == new_number
    assert "Nhóm máu" in new_number


async def test_wrong_birth_dates_lock_the_phone_across_dialogues_and_the_owner_is_told(
    bot: BotHarness,
) -> None:
    owner = await registered(bot, 3151)
    guesser = bot.user(3152)
    first = await register_to_confirm(bot, guesser, phone=OWNER_PHONE, birth="1/1/1990")
    assert "chưa lưu được hồ sơ với số điện thoại này" in texts(first)
    assert await bot.count_donors() == 1
    for birth in ("2/2/1992", "4/4/1994"):  # each in a new dialogue: /huy used to reset the count
        await bot.send(guesser, "/huy")
        await register_to_confirm(bot, guesser, phone=OWNER_PHONE, birth=birth)
    await bot.send(guesser, "/huy")
    locked = await register_to_confirm(bot, guesser, phone=OWNER_PHONE, birth=OWNER_BIRTH)
    assert "tạm khóa việc nối với số điện thoại này" in texts(locked)
    assert not await on_profile(bot, guesser), "the right birth date does not help while locked"
    # Another chat hits the same lock for this phone.
    other = bot.user(3153)
    assert "tạm khóa" in texts(await register_to_confirm(bot, other, phone=OWNER_PHONE, birth=OWNER_BIRTH))
    # The owner heard of each wrong attempt, with nothing about who made it.
    told = await arrives(bot, owner, "nhập sai ngày sinh", count=3)
    assert all("3152" not in (m.text or "") and "Trần" not in (m.text or "") for m in told)
    assert len(told) == 3
    # A day later the lock is over.
    bot.clock.advance(hours=24, minutes=1)
    await bot.send(guesser, "/huy")
    await link_as_newcomer(bot, 3152, OWNER_PHONE, OWNER_BIRTH)
    assert await on_profile(bot, guesser)


async def test_a_phone_change_cannot_test_numbers_one_after_another(bot: BotHarness) -> None:
    await registered(bot, 3161)
    for n in range(4):
        await bot.add_donor(bot.user(3170 + n), phone=f"+8491200000{n}")
    user = bot.user(3161)
    await bot.send(user, "/hoso")
    await bot.press(user, "Sửa Điện thoại")
    for n in range(3):
        assert "đã thuộc một hồ sơ khác" in texts(await bot.send(user, f"091200000{n}"))
    stopped = await bot.send(user, "0912000003")
    assert "tạm dừng việc đổi số điện thoại" in texts(stopped)
    assert "đã thuộc một hồ sơ khác" not in texts(stopped)


# --- 5. erasure leaves nothing behind ----------------------------------------------------------


async def dump_every_table(bot: BotHarness) -> list[tuple[str, str]]:
    """Every value of every row of every table the schema has (today's and any added later)."""
    assert bot.app is not None
    found: list[tuple[str, str]] = []
    async with bot.app.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                values: dict[str, Any] = dict(row)
                found.append((table.name, json.dumps(values, ensure_ascii=False, default=str)))
    return found


async def test_erasure_leaves_nothing_that_names_the_donor_in_any_table(
    tmp_path: Path, database_url: str
) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    start = FixedClock(datetime(2020, 7, 20, 2, 0, tzinfo=UTC))
    async with running_bot(tmp_path, start, database_url=database_url) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        organiser = bot.user(555001, name="Cán bộ")
        await bot.make_organiser(organiser)
        await bot.send(organiser, "/help")
        donor = bot.user(987654321, name="Mười")
        await bot.send(donor, "/dangky")
        await bot.press(donor, "Đồng ý")
        for answer in ("Trịnh Thị Mười", "09/07/1991"):
            await bot.send(donor, answer)
        await bot.press(donor, "Nữ")
        await bot.send(donor, "0912 777 888")
        await bot.press(donor, "B+")
        await bot.press(donor, "Tam Lưu")
        await bot.press(donor, "Chưa từng hiến")
        await bot.press(donor, "Xác nhận")
        await bot.press(donor, "Có")  # joins the reserve
        await bot.send(donor, "/hoso")
        await bot.press(donor, "Sửa Cân nặng")
        await bot.send(donor, "51")
        await bot.press(donor, "Sửa Đơn vị")
        await bot.send(donor, "Công ty May Mười Phương")
        # A second chat with a wrong birth date first (counted, told), then the right one.
        second = bot.user(987654322, name="Mười 2")
        await register_to_confirm(bot, second, phone="0912777888", birth="1/1/1990")
        await bot.send(second, "/huy")
        await link_as_newcomer(bot, 987654322, "0912777888", "09/07/1991")
        # A sign-up, a check-in at the desk, a donation, and a dizzy follow-up told to the organiser.
        await bot.send(donor, "/lichhien")
        await bot.press(donor, "03/08/2020")
        await bot.press(donor, "08:00")
        signup = await bot.scalar(select(Signup))
        assert signup is not None
        code = signup.code
        bot.clock.current = datetime(2020, 8, 3, 2, 0, tzinfo=UTC)
        await bot.send(organiser, f"/checkin {code}")
        await bot.press(organiser, "350 ml")
        bot.clock.current = datetime(2020, 8, 4, 3, 0, tzinfo=UTC)
        assert bot.app is not None
        await run_planners_once(bot.app)
        await arrives(bot, donor, "thấy trong người thế nào")
        await bot.press(donor, "Chóng mặt")
        (notice,) = await arrives(bot, organiser, "0912 777 888")
        assert "Trịnh Thị Mười" in (notice.text or "")
        async with bot.app.sessions() as session:
            assert await honours.total_count(session, signup.donor_id) == 1

        await bot.send(donor, "/xoa")
        assert "Đã xóa toàn bộ dữ liệu" in texts(await bot.press(donor, "Xóa tất cả"))

        needles = [
            "Trịnh Thị Mười",
            "Trinh Thi Muoi",
            "Mười Phương",
            "+84912777888",
            "0912 777 888",
            "912777888",
            "1991-07-09",
            "09/07/1991",
            "987654321",
            "987654322",
            code,
        ]
        leaks = [
            (table, needle, text[:160])
            for table, text in await dump_every_table(bot)
            for needle in needles
            if needle.casefold() in text.casefold()
        ]
        assert leaks == []
