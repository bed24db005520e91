"""The thin Zalo client and poller against the Zalo emulator: error mapping, redaction, de-duplication,
backoff and a prompt stop."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from bot.channels.zalo_client import (
    ZaloAuthError,
    ZaloClient,
    ZaloPermanent,
    ZaloRetryLater,
    ZaloTransient,
    ZaloUnreachable,
)
from bot.channels.zalo_events import ZaloEvent, parse_update
from bot.channels.zalo_poller import ZaloPoller
from emulators.zalo import TINY_PNG, ZaloEmulator, ZaloFaults, ZaloRateLimiter
from scheduler.sender import Permanent, RetryLater, Transient, Unreachable

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
async def emu() -> AsyncIterator[ZaloEmulator]:
    async with ZaloEmulator() as emulator:
        yield emulator


@pytest.fixture
async def client(emu: ZaloEmulator) -> AsyncIterator[ZaloClient]:
    zalo = ZaloClient(emu.token, base_url=emu.url, timeout=0.5)
    try:
        yield zalo
    finally:
        await zalo.close()


@pytest.fixture
async def png_url() -> AsyncIterator[str]:
    async def png(request: web.Request) -> web.Response:
        return web.Response(body=TINY_PNG, content_type="image/png")

    app = web.Application()
    app.router.add_get("/qr.png", png)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/qr.png"
    finally:
        await runner.cleanup()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- calls that work ----------------------------------------------------------------------------


async def test_the_methods_reach_the_platform(emu: ZaloEmulator, client: ZaloClient, png_url: str) -> None:
    lan = emu.user("5001", "Lan")
    assert (await client.get_me())["account_name"] == "Bot Hiến Máu"
    text_id = await client.send_message("5001", "Xin chào")
    photo_id = await client.send_photo("5001", png_url, caption="Mã QR")
    await client.send_chat_action("5001")
    assert [m.message_id for m in emu.messages(lan)] == [text_id, photo_id]
    assert emu.texts(lan) == ["Xin chào", "Mã QR"] and emu.messages(lan)[1].photo == TINY_PNG
    assert emu.calls_to("sendChatAction")[0].params == {"chat_id": "5001", "action": "typing"}


async def test_get_updates_returns_one_update_or_none(emu: ZaloEmulator, client: ZaloClient) -> None:
    lan = emu.user("5001")
    assert await client.get_updates(0) is None  # the 408 "no update" answer
    emu.empty_poll = "empty_result"
    assert await client.get_updates(0) is None
    sent = await emu.send_text(lan, "xin chào")
    assert await client.get_updates(1) == sent


async def test_the_long_poll_outlives_the_request_timeout(emu: ZaloEmulator, client: ZaloClient) -> None:
    lan = emu.user("1")
    poll = asyncio.create_task(client.get_updates(2))
    await asyncio.sleep(0.8)  # longer than the client's 0.5 s timeout for ordinary calls
    await emu.send_text(lan, "muộn")
    update = await poll
    assert update is not None and update["message"]["text"] == "muộn"


async def test_webhook_methods(emu: ZaloEmulator, client: ZaloClient) -> None:
    await client.set_webhook("https://bot.example.vn/zalo", "s3cret-token")
    assert (await client.get_webhook_info())["url"] == "https://bot.example.vn/zalo"
    with pytest.raises(ZaloPermanent) as conflict:
        await client.get_updates(0)
    assert conflict.value.error_code == 409
    await client.delete_webhook()
    assert (await client.get_webhook_info())["url"] == ""


# --- the error mapping ------------------------------------------------------------------------


async def test_a_blocked_user_is_unreachable(emu: ZaloEmulator, client: ZaloClient) -> None:
    emu.block(emu.user("7"))
    with pytest.raises(Unreachable) as error:
        await client.send_message("7", "hi")
    assert isinstance(error.value, ZaloUnreachable) and error.value.error_code == 403
    assert str(error.value).startswith("zalo sendMessage: 403")


@pytest.mark.parametrize(
    ("text", "chat", "code", "words"),
    [("x" * 2001, "7", 400, "2000"), ("hi", "nobody", 400, "chat not found")],
)
async def test_bad_requests_are_permanent(
    emu: ZaloEmulator, client: ZaloClient, text: str, chat: str, code: int, words: str
) -> None:
    emu.user("7")
    with pytest.raises(Permanent) as error:
        await client.send_message(chat, text)
    assert isinstance(error.value, ZaloPermanent) and error.value.error_code == code
    assert words in str(error.value) and error.value.method == "sendMessage"


async def test_an_unknown_method_and_odd_codes_are_permanent(emu: ZaloEmulator, client: ZaloClient) -> None:
    with pytest.raises(ZaloPermanent) as unknown:
        await client.call("editMessageText", {})
    assert unknown.value.error_code == 404
    emu.add_hook(ZaloFaults()).error("sendMessage", error_code=-124, description="odd")
    emu.user("7")
    with pytest.raises(ZaloPermanent) as odd:
        await client.send_message("7", "hi")
    assert (odd.value.error_code, odd.value.description) == (-124, "odd")


async def test_rate_limits_ask_to_retry_later(emu: ZaloEmulator, client: ZaloClient) -> None:
    emu.user("7")
    emu.add_hook(ZaloRateLimiter(per_chat_per_second=1))
    await client.send_message("7", "một")
    with pytest.raises(RetryLater) as plain:
        await client.send_message("7", "hai")
    assert isinstance(plain.value, ZaloRetryLater)
    assert (plain.value.error_code, plain.value.retry_after) == (429, 1.0)  # nothing advertised: 1 s
    faults = emu.add_hook(ZaloFaults())
    faults.error("getMe", error_code=429, http_status=429, headers={"Retry-After": "7"})
    faults.error("getMe", error_code=429, parameters={"retry_after": 3})
    with pytest.raises(ZaloRetryLater) as header:
        await client.get_me()
    with pytest.raises(ZaloRetryLater) as parameter:
        await client.get_me()
    assert (header.value.retry_after, parameter.value.retry_after) == (7.0, 3.0)


async def test_server_errors_and_hangs_are_transient(emu: ZaloEmulator, client: ZaloClient) -> None:
    emu.user("7")
    faults = emu.add_hook(ZaloFaults())
    faults.server_error("sendMessage").hang("sendMessage", seconds=3)
    with pytest.raises(Transient) as server:
        await client.send_message("7", "một")
    assert isinstance(server.value, ZaloTransient) and server.value.error_code == 500
    started = time.monotonic()
    with pytest.raises(ZaloTransient, match="timed out"):
        await client.send_message("7", "hai")
    assert time.monotonic() - started < 2


async def test_a_refused_token_is_an_auth_error(emu: ZaloEmulator) -> None:
    wrong = ZaloClient("42:not-the-token", base_url=emu.url)
    try:
        with pytest.raises(ZaloAuthError) as error:
            await wrong.get_me()
    finally:
        await wrong.close()
    assert error.value.error_code == 401
    assert "not-the-token" not in str(error.value)


async def test_transport_errors_never_show_the_token(caplog: pytest.LogCaptureFixture) -> None:
    token = "123456:SUPER-secret-token"
    closed = ZaloClient(token, base_url=f"http://127.0.0.1:{_closed_port()}", timeout=2)
    bad_url = ZaloClient(token, base_url="http://[not a host")
    caplog.set_level(logging.DEBUG)
    try:
        for zalo in (closed, bad_url):
            with pytest.raises(ZaloTransient) as error:
                await zalo.send_message("1", "hi")
            assert "SUPER-secret" not in str(error.value) and "SUPER-secret" not in repr(error.value)
            assert error.value.__cause__ is None and error.value.__suppress_context__
            assert error.value.error_code is None
        assert "SUPER-secret" not in repr(closed)
    finally:
        await closed.close()
        await bad_url.close()
    assert "SUPER-secret" not in caplog.text


async def test_a_shared_session_stays_open(emu: ZaloEmulator) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        zalo = ZaloClient(emu.token, base_url=emu.url, session=session)
        await zalo.get_me()
        await zalo.close()
        assert not session.closed


# --- events -------------------------------------------------------------------------------------


async def test_parse_update_reads_both_shapes_and_every_event(emu: ZaloEmulator) -> None:
    lan = emu.user("5001", "Lan")
    text = await emu.send_text(lan, "chào", group="g1")
    event = parse_update({"ok": True, "result": text})
    assert event == parse_update(text)
    assert event == ZaloEvent(
        name="message.text.received",
        message_id=text["message"]["message_id"],
        chat_id="g1",
        chat_type="GROUP",
        user_id="5001",
        display_name="Lan",
        text="chào",
        date=datetime.fromtimestamp(text["message"]["date"] / 1000, tz=UTC),
    )
    assert event.in_group and event.kind == "text"
    for send, kind in (
        (emu.send_image, "image"),
        (emu.send_sticker, "sticker"),
        (emu.send_voice, "voice"),
        (emu.send_unsupported, "unsupported"),
    ):
        parsed = parse_update(await send(lan))
        assert parsed is not None and parsed.kind == kind and parsed.text is None
        assert parsed.chat_id == "5001" and not parsed.in_group


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {"ok": False, "error_code": 408},
        {"event_name": "message.reaction.received", "message": {}},
        {"event_name": "message.text.received"},
        {"event_name": "message.text.received", "message": {"message_id": "1", "from": {"id": "1"}}},
        {"event_name": "message.text.received", "message": {"message_id": 1.5, "from": {}, "chat": {}}},
        {"ok": True, "result": None},
    ],
)
def test_parse_update_returns_none_for_the_unknown_and_the_malformed(body: object) -> None:
    assert parse_update(body) is None


def test_a_missing_chat_type_errs_towards_a_group() -> None:
    message = {"message_id": "m", "from": {"id": "1"}, "chat": {"id": "2"}, "date": "oops"}
    event = parse_update({"event_name": "message.text.received", "message": message})
    assert event is not None and event.in_group and event.date is None and event.text is None


# --- the poller ---------------------------------------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.events: list[ZaloEvent] = []
        self.changed = asyncio.Event()

    async def __call__(self, event: ZaloEvent) -> None:
        self.events.append(event)
        self.changed.set()

    async def wait_for(self, n: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while len(self.events) < n:
                self.changed.clear()
                await self.changed.wait()


async def _running(poller: ZaloPoller) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    return stop, asyncio.create_task(poller.run(stop))


async def test_the_poller_drops_repeated_events(emu: ZaloEmulator, client: ZaloClient) -> None:
    lan = emu.user("1")
    emu.duplicate_every(2)
    got = Collector()
    poller = ZaloPoller(client, got, poll_timeout=1)
    for text in ("a", "b", "c", "d"):
        await emu.send_text(lan, text)
    stop, task = await _running(poller)
    await got.wait_for(4)
    await emu.wait_until(lambda: not emu.pending_events, "the repeats to be fetched")
    await emu.wait_until(lambda: poller.duplicates == 2, "two repeats to be dropped")
    stop.set()
    await task
    assert [e.text for e in got.events] == ["a", "b", "c", "d"]


async def test_the_poller_forgets_the_oldest_ids(client: ZaloClient) -> None:
    got = Collector()
    poller = ZaloPoller(client, got, poll_timeout=0, seen=2)
    bodies = [
        {
            "event_name": "message.text.received",
            "message": {"message_id": m, "from": {"id": "1"}, "chat": {"id": "1"}},
        }
        for m in ("m1", "m2", "m3", "m1")
    ]
    for body in bodies:
        await poller._handle(body)
    assert [e.message_id for e in got.events] == ["m1", "m2", "m3", "m1"]  # m1 fell out of memory


async def test_the_poller_backs_off_and_keeps_going(
    emu: ZaloEmulator, client: ZaloClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    lan = emu.user("1")
    faults = emu.add_hook(ZaloFaults())
    faults.server_error("getUpdates", times=2).hang("getUpdates", seconds=3)
    # The long poll's own timeout is the poll timeout + a margin (10 s): shortened so the hang
    # times out quickly.
    monkeypatch.setattr("bot.channels.zalo_client.LONG_POLL_MARGIN", 0.5)
    got = Collector()
    poller = ZaloPoller(client, got, poll_timeout=0, backoff_first=0.05)
    await emu.send_text(lan, "sau sự cố")
    stop, task = await _running(poller)
    await got.wait_for(1, timeout=8)
    stop.set()
    await task
    assert [e.text for e in got.events] == ["sau sự cố"]
    assert [kind for _, kind in faults.injected] == ["server_error", "server_error", "hang"]
    assert poller.failures == 0


def test_the_backoff_is_full_jitter_doubling_to_the_cap(client: ZaloClient) -> None:
    class Top:
        def uniform(self, low: float, high: float) -> float:
            return high

    poller = ZaloPoller(client, Collector(), poll_timeout=1, rng=Top())  # type: ignore[arg-type]
    ceilings = []
    for failures in range(1, 10):
        poller.failures = failures
        ceilings.append(poller._backoff())
    assert ceilings == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


async def test_a_refused_token_ends_the_poller(emu: ZaloEmulator) -> None:
    wrong = ZaloClient("42:nope-nope", base_url=emu.url)
    try:
        with pytest.raises(ZaloAuthError):
            await asyncio.wait_for(ZaloPoller(wrong, Collector(), poll_timeout=1).run(asyncio.Event()), 5)
    finally:
        await wrong.close()


async def test_stop_returns_promptly_during_a_long_poll(emu: ZaloEmulator, client: ZaloClient) -> None:
    poller = ZaloPoller(client, Collector(), poll_timeout=30)
    stop, task = await _running(poller)
    await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), "the long poll")
    started = time.monotonic()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert time.monotonic() - started < 0.5


async def test_a_failing_handler_does_not_stop_the_poller(emu: ZaloEmulator, client: ZaloClient) -> None:
    lan = emu.user("1")
    got = Collector()

    async def flaky(event: ZaloEvent) -> None:
        if event.text == "một":
            raise RuntimeError("bug")
        await got(event)

    await emu.send_text(lan, "một")
    await emu.send_text(lan, "hai")
    stop, task = await _running(ZaloPoller(client, flaky, poll_timeout=1))
    await got.wait_for(1)
    stop.set()
    await task
    assert [e.text for e in got.events] == ["hai"]


def test_a_message_without_an_event_name_is_read_by_its_content() -> None:
    """The getUpdates sample in the docs of December 2025 carries no `event_name` and names the sender
    `first_name`: such a message is still a text (or an image, a sticker) from that person."""
    message = {
        "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
        "text": "Xin chào",
        "message_id": "16f6366b3f02645a3d15",
        "date": 1766619597466,
        "from": {"id": "e4ea2cd5189df1c3a88c", "first_name": "Nguyen Van A"},
    }
    event = parse_update({"ok": True, "result": {"message": message}})
    assert event is not None and (event.name, event.text, event.display_name) == (
        "message.text.received",
        "Xin chào",
        "Nguyen Van A",
    )
    sticker = {**message, "text": None, "sticker": "0e078a2fb66a5f34067b"}
    parsed = parse_update({"message": sticker})
    assert parsed is not None and parsed.name == "message.sticker.received" and parsed.text is None
