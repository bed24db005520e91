"""Replies of a turn when Telegram fails: a 5xx, a stall past the read timeout, a failure that lasts.

A real journey (a sign-up: confirmation, .ics, QR code) through the real PTB stack; the emulator fails
exactly the calls a test names (`FailCalls`). Whatever fails, the person ends up with every reply, in
order: retried within the turn, or brought later by the delivery loop from the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels import replies, telegram
from bot.channels.aiohttp_request import AiohttpRequest
from core.config import PROJECT_ROOT
from emulators.telegram import FailCalls, SentMessage, SimUser
from models.tables import Outbox, Signup
from tests.helpers import BotHarness, FixedClock, running_bot

KINH_MON = PROJECT_ROOT / "examples" / "kinh-mon-2020.toml"
BEFORE_ROUND_1 = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)
READ_TIMEOUT = 0.5  # instead of 5 s, so a stall past it is quick to test


@pytest.fixture
async def drive_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BotHarness]:
    monkeypatch.setattr(
        telegram, "api_request", lambda: AiohttpRequest(connection_pool_size=8, read_timeout=READ_TIMEOUT)
    )
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as harness:
        await harness.import_plan(KINH_MON)
        yield harness


async def _to_slot_buttons(bot: BotHarness, user_id: int) -> SimUser:
    user = bot.user(user_id)
    await bot.add_donor(user, phone=f"+8491200{user_id}")
    await bot.send(user, "/lichhien")
    await bot.press(user, "03/08/2020")
    return user


def assert_full_confirmation(messages: list[SentMessage], code: str) -> None:
    """The three replies of a sign-up, in order: the text, the calendar file, the QR code."""
    assert [m.kind for m in messages] == ["text", "document", "photo"]
    assert f"Mã đăng ký: {code}" in (messages[0].text or "")
    assert messages[1].file is not None and messages[1].file.filename.endswith(".ics")
    assert messages[2].file is not None and code in (messages[2].text or "")


async def _code(bot: BotHarness) -> str:
    signup = await bot.scalar(select(Signup))
    assert signup is not None
    return str(signup.code)


async def test_one_500_on_the_confirmation_loses_no_reply(drive_bot: BotHarness) -> None:
    user = await _to_slot_buttons(drive_bot, 7301)
    drive_bot.emu.add_hook(FailCalls("sendMessage", {1}))  # the confirmation's first try
    done = await drive_bot.press(user, "07:30")
    assert_full_confirmation(done, await _code(drive_bot))
    assert drive_bot.emu.messages(user)[-3:] == done


async def test_a_stall_past_the_read_timeout_loses_no_reply(drive_bot: BotHarness) -> None:
    user = await _to_slot_buttons(drive_bot, 7302)
    stall = FailCalls("sendMessage", {1}, fault="timeout", timeout_delay=READ_TIMEOUT + 2.0)
    drive_bot.emu.add_hook(stall)
    done = await drive_bot.press(user, "07:30")
    code = await _code(drive_bot)
    assert_full_confirmation(done, code)
    # The stalled call was delivered after all, late: a timeout is answered by sending again, so the
    # confirmation shows twice rather than never (Telegram's sendMessage cannot be made idempotent).
    before = len(drive_bot.emu.messages(user))
    late = await drive_bot.emu.wait_for_messages(user, before + 1, timeout=3)
    assert f"Mã đăng ký: {code}" in (late[-1].text or "")
    assert stall.injected == 1


async def test_replies_that_still_fail_come_later_from_the_outbox_in_order(drive_bot: BotHarness) -> None:
    user = await _to_slot_buttons(drive_bot, 7303)
    # Every try of the .ics within the turn fails; the QR behind it must not overtake it.
    drive_bot.emu.add_hook(FailCalls("sendDocument", range(1, replies.REPLY_ATTEMPTS + 1)))
    done = await drive_bot.press(user, "07:30")
    assert_full_confirmation(done, await _code(drive_bot))
    # The messages arrived; their outcomes are committed just after (the loop's group commit).
    for _ in range(100):
        rows = await drive_bot.rows(select(Outbox).order_by(Outbox.id))
        if all(row.status != "sending" for row in rows):
            break
        await asyncio.sleep(0.05)
    assert [(row.kind, row.status) for row in rows] == [("reply", "sent"), ("reply", "sent")]
    assert len(drive_bot.emu.calls_to("sendDocument")) == replies.REPLY_ATTEMPTS + 1


async def test_a_failed_answer_to_the_press_does_not_lose_the_turn(drive_bot: BotHarness) -> None:
    user = await _to_slot_buttons(drive_bot, 7304)
    drive_bot.emu.add_hook(FailCalls("answerCallbackQuery", {1}))  # only stops the button's spinner
    done = await drive_bot.press(user, "07:30")
    assert_full_confirmation(done, await _code(drive_bot))


async def test_the_next_turn_waits_behind_replies_still_in_the_outbox(drive_bot: BotHarness) -> None:
    emu = drive_bot.emu
    user = await _to_slot_buttons(drive_bot, 7305)
    chat = str(user.chat_id)

    async def turn(action: Awaitable[object]) -> None:
        target = drive_bot.turns[chat] + 1
        await action
        await emu.wait_until(lambda: drive_bot.turns[chat] >= target, what="the turn")

    # The .ics fails every try in the turn and the delivery loop's first one too: it waits for its
    # retry, the QR code behind it, and the test's clock stands still until it is moved.
    emu.add_hook(FailCalls("sendDocument", range(1, replies.REPLY_ATTEMPTS + 2)))
    slots = emu.last_keyboard_message(user)
    before = len(emu.messages(user))
    await turn(emu.press(user, slots, slots.button("07:30")))
    await emu.wait_until(lambda: len(emu.calls_to("sendDocument")) == replies.REPLY_ATTEMPTS + 1)
    await turn(emu.send_text(user, "/lichcuatoi"))  # its answer must not overtake them
    await asyncio.sleep(0.3)
    assert [m.kind for m in emu.messages(user)[before:]] == ["text"]  # the confirmation only, so far
    drive_bot.clock.advance(minutes=10)
    assert drive_bot.app is not None and drive_bot.app.dispatcher.on_pushed is not None
    drive_bot.app.dispatcher.on_pushed()
    late = (await emu.wait_for_messages(user, before + 4))[before:]
    assert_full_confirmation(late[:3], await _code(drive_bot))
    assert "Mã:" in (late[3].text or "") and late[3].button_labels() == ["Đổi giờ", "Hủy đăng ký"]
