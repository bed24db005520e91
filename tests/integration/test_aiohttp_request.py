"""The bot's Bot API transport (AiohttpRequest) under PTB's `Bot`, against the local emulator over HTTP."""

from __future__ import annotations

import asyncio
import socket
import time
import traceback
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.aiohttp_request import AiohttpRequest
from emulators.telegram import FaultInjector, RateLimiter, TelegramEmulator

pytestmark = pytest.mark.timeout(15)


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator() as emulator:
        yield emulator


def aiohttp_bot(emu: TelegramEmulator, **timeouts: float) -> Bot:
    return Bot(
        emu.token,
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        request=AiohttpRequest(connection_pool_size=8, **timeouts),
    )


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    async with aiohttp_bot(emu) as b:
        yield b


async def test_text_with_buttons_arrives_as_sent(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tôi đi được", callback_data="co:7")]])

    sent = await bot.send_message(lan.id, "Cần gấp nhóm máu O+ tại BV Kinh Môn", reply_markup=markup)

    (message,) = emu.messages(lan)
    assert message.text == "Cần gấp nhóm máu O+ tại BV Kinh Môn"
    assert message.button("Tôi đi được") == "co:7"
    assert sent.message_id == message.message_id


async def test_file_upload_keeps_bytes_name_and_caption(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    payload = "BEGIN:VCALENDAR\r\nSUMMARY:Hiến máu\r\n".encode() + bytes(range(256))
    name = 'lịch "hiến máu".ics'

    await bot.send_document(lan.id, InputFile(payload, filename=name), caption="Lịch của bạn")

    (doc,) = emu.messages(lan)
    assert doc.kind == "document"
    assert doc.file is not None
    assert doc.file.content == payload
    assert doc.file.filename == name
    assert doc.text == "Lịch của bạn"


async def test_telegram_errors_become_ptb_errors(emu: TelegramEmulator, bot: Bot) -> None:
    lan = emu.user(1001, "Lan", started=True)
    for faults, error in (
        (FaultInjector(server_error=1.0), NetworkError),
        (FaultInjector(blocked=1.0), Forbidden),
        (FaultInjector(chat_not_found=1.0), BadRequest),
    ):
        emu.hooks[:] = [faults]
        with pytest.raises(error):
            await bot.send_message(lan.id, "x")
    emu.hooks[:] = [RateLimiter(per_bot=30, per_chat=1)]
    await bot.send_message(lan.id, "một")
    with pytest.raises(RetryAfter):
        await bot.send_message(lan.id, "hai")
    assert [m.text for m in emu.messages(lan)] == ["một"]


async def test_a_stalled_answer_times_out_and_the_bot_goes_on(emu: TelegramEmulator) -> None:
    lan = emu.user(1001, "Lan", started=True)
    async with aiohttp_bot(emu, read_timeout=0.2) as bot:
        emu.hooks[:] = [FaultInjector(timeout=1.0, timeout_delay=1.0)]
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(lan.id, "chậm")
        assert time.monotonic() - started < 0.9
        emu.hooks.clear()
        await bot.send_message(lan.id, "tiếp")
        await emu.wait_for_messages(lan, 2, timeout=2)  # the stalled one is delivered late, as on Telegram


async def test_long_poll_waits_longer_than_the_read_timeout(emu: TelegramEmulator) -> None:
    # PTB adds the poll's own `timeout` to the read timeout; the transport must honour the sum.
    async with aiohttp_bot(emu, read_timeout=0.2) as bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert time.monotonic() - started >= 0.9


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(connection_pool_size=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.post(f"http://127.0.0.1:{port}/bot123:abc/getMe")
    finally:
        await request.shutdown()


async def test_errors_never_carry_the_bot_token() -> None:
    # aiohttp names the whole URL in some errors; these end up in logs and in the outbox.
    token = "123456:" + "A1b2" * 8  # built here, so the traceback's source lines do not show it
    request = AiohttpRequest(connection_pool_size=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"http://127.0.0.1:99999/bot{token}/getMe")  # a port typo
    finally:
        await request.shutdown()
    shown = "".join(traceback.format_exception(caught.value))
    assert token.split(":")[1] not in shown
    assert "127.0.0.1:99999/bot<token>/getMe" in str(caught.value)


async def test_pool_wait_is_bounded_by_pool_and_connect_timeouts(emu: TelegramEmulator) -> None:
    lan = emu.user(1001, "Lan", started=True)
    emu.hooks[:] = [FaultInjector(timeout=1.0, timeout_delay=1.0)]
    request = AiohttpRequest(connection_pool_size=1, read_timeout=5.0, connect_timeout=0.1, pool_timeout=0.1)
    async with Bot(emu.token, base_url=emu.base_url, request=request) as bot:
        first = asyncio.create_task(bot.send_message(lan.id, "một"))
        await emu.wait_until(lambda: bool(emu.calls_to("sendMessage")), timeout=1)
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(lan.id, "hai")  # the only connection is busy with the first
        assert time.monotonic() - started < 0.8
        await first


async def test_use_before_initialize_is_refused(emu: TelegramEmulator) -> None:
    bot = aiohttp_bot(emu)
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps the transport's RuntimeError
        await bot.send_message(1001, "x")
