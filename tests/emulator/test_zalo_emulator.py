"""The Zalo emulator, driven with plain aiohttp requests the way any client would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from emulators.zalo import (
    SECRET_HEADER,
    TINY_PNG,
    ThreadedZaloEmulator,
    ZaloEmulator,
    ZaloFaults,
    ZaloRateLimiter,
)

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
async def emu() -> AsyncIterator[ZaloEmulator]:
    async with ZaloEmulator() as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    """POSTs JSON to the emulator and returns (HTTP status, decoded body)."""

    def __init__(self, emu: ZaloEmulator, http: aiohttp.ClientSession) -> None:
        self.emu, self.http = emu, http

    async def __call__(
        self, method: str, body: dict[str, Any] | None = None, *, token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        url = f"{self.emu.url}/bot{token or self.emu.token}/{method}"
        async with self.http.post(url, json=body or {}) as response:
            return response.status, await response.json()


@pytest.fixture
def api(emu: ZaloEmulator, http: aiohttp.ClientSession) -> Api:
    return Api(emu, http)


@pytest.fixture
async def local_site() -> AsyncIterator[tuple[str, list[tuple[dict[str, str], Any]]]]:
    """A tiny app on 127.0.0.1: /ok.png (a PNG), /text (not a PNG), /missing.png (404), and
    /hook (records webhook posts; answers 200)."""
    received: list[tuple[dict[str, str], Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/ok.png", _png)
    app.router.add_get("/text", _text)
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        await runner.cleanup()


async def _png(request: web.Request) -> web.Response:
    return web.Response(body=TINY_PNG, content_type="image/png")


async def _text(request: web.Request) -> web.Response:
    return web.Response(text="<html>not an image</html>", content_type="text/html")


# --- envelopes and identity ---------------------------------------------------------------------


async def test_get_me_answers_the_bot_in_an_ok_envelope(emu: ZaloEmulator, api: Api) -> None:
    status, body = await api("getMe")
    assert status == 200
    assert body == {
        "ok": True,
        "result": {
            "id": emu.bot_id,
            "account_name": "Bot Hiến Máu",
            "account_type": "BASIC",
            "can_join_groups": True,
        },
    }
    assert emu.bot_name == "Bot Hiến Máu"
    assert emu.token.startswith(emu.bot_id + ":")


async def test_a_wrong_token_is_http_401_and_is_recorded(emu: ZaloEmulator, api: Api) -> None:
    status, body = await api("getMe", token="999:wrong")
    assert (status, body["ok"], body["error_code"]) == (401, False, 401)
    assert emu.calls[-1].http_status == 401 and not emu.calls[-1].ok


async def test_an_unknown_method_is_ok_false_404(api: Api) -> None:
    status, body = await api("editMessageText", {"chat_id": "1", "text": "x"})
    assert status == 200
    assert body["ok"] is False and body["error_code"] == 404


# --- sendMessage --------------------------------------------------------------------------------


async def test_send_message_is_recorded_and_answers_an_id(emu: ZaloEmulator, api: Api) -> None:
    lan = emu.user(5001, "Lan")
    _, body = await api("sendMessage", {"chat_id": "5001", "text": "Xin chào Lan"})
    assert body["ok"] is True
    result = body["result"]
    assert isinstance(result["message_id"], str) and abs(result["date"] - time.time() * 1000) < 5000
    (sent,) = emu.messages(lan)
    assert (sent.chat_id, sent.method, sent.text, sent.message_id) == (
        "5001",
        "sendMessage",
        "Xin chào Lan",
        result["message_id"],
    )
    assert emu.texts("5001") == ["Xin chào Lan"]


async def test_the_2000_character_cap(emu: ZaloEmulator, api: Api) -> None:
    emu.user("7")
    _, at_cap = await api("sendMessage", {"chat_id": "7", "text": "ạ" * 2000})
    _, over = await api("sendMessage", {"chat_id": "7", "text": "a" * 2001})
    _, empty = await api("sendMessage", {"chat_id": "7", "text": ""})
    assert at_cap["ok"] is True
    for refused in (over, empty):
        assert refused["ok"] is False and refused["error_code"] == 400
        assert "2000" in refused["description"]
    assert len(emu.messages("7")) == 1


async def test_buttons_are_refused(emu: ZaloEmulator, api: Api) -> None:
    emu.user("7")
    markup = {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    _, body = await api("sendMessage", {"chat_id": "7", "text": "Đồng ý?", "reply_markup": markup})
    assert body["ok"] is False and body["error_code"] == 400
    assert "reply_markup" in body["description"]
    assert emu.messages("7") == []


async def test_unknown_chat_is_400_and_a_blocking_user_403(emu: ZaloEmulator, api: Api) -> None:
    lan = emu.user("8")
    emu.block(lan)
    _, unknown = await api("sendMessage", {"chat_id": "404404", "text": "hi"})
    _, blocked = await api("sendMessage", {"chat_id": "8", "text": "hi"})
    _, action = await api("sendChatAction", {"chat_id": "8", "action": "typing"})
    assert (unknown["ok"], unknown["error_code"]) == (False, 400)
    assert (blocked["ok"], blocked["error_code"]) == (False, 403)
    assert action["error_code"] == 403
    emu.unblock(lan)
    _, again = await api("sendMessage", {"chat_id": "8", "text": "hi"})
    assert again["ok"] is True


async def test_sticker_and_chat_action(emu: ZaloEmulator, api: Api) -> None:
    emu.user("9")
    _, sticker = await api("sendSticker", {"chat_id": "9", "sticker": "abc"})
    _, typing = await api("sendChatAction", {"chat_id": "9", "action": "typing"})
    _, upload = await api("sendChatAction", {"chat_id": "9", "action": "upload_photo"})
    assert sticker["ok"] and typing == {"ok": True, "result": True}
    assert upload["ok"] is False and upload["error_code"] == 400
    assert [(m.method, m.sticker) for m in emu.messages("9")] == [("sendSticker", "abc")]
    assert [c.params["action"] for c in emu.calls_to("sendchataction")] == ["typing", "upload_photo"]


# --- sendPhoto ----------------------------------------------------------------------------------


async def test_send_photo_fetches_the_url_and_records_the_png(
    emu: ZaloEmulator, api: Api, local_site: tuple[str, list[Any]]
) -> None:
    base, _ = local_site
    emu.user("10")
    _, ok = await api("sendPhoto", {"chat_id": "10", "photo": f"{base}/ok.png", "caption": "Mã QR"})
    assert ok["ok"] is True
    (sent,) = emu.messages("10")
    assert (sent.method, sent.photo_url, sent.caption, sent.photo) == (
        "sendPhoto",
        f"{base}/ok.png",
        "Mã QR",
        TINY_PNG,
    )
    assert emu.texts("10") == ["Mã QR"]


@pytest.mark.parametrize("path", ["/text", "/missing.png", None])
async def test_send_photo_refuses_what_zalo_could_not_fetch(
    emu: ZaloEmulator, api: Api, local_site: tuple[str, list[Any]], path: str | None
) -> None:
    base, _ = local_site
    emu.user("10")
    url = f"{base}{path}" if path else "http://127.0.0.1:1/closed.png"
    _, body = await api("sendPhoto", {"chat_id": "10", "photo": url})
    assert body["ok"] is False and body["error_code"] == 400
    assert body["description"] == "photo not reachable"
    assert emu.messages("10") == []


async def test_send_photo_caps_the_caption(
    emu: ZaloEmulator, api: Api, local_site: tuple[str, list[Any]]
) -> None:
    base, _ = local_site
    emu.user("10")
    _, body = await api("sendPhoto", {"chat_id": "10", "photo": f"{base}/ok.png", "caption": "x" * 2001})
    assert body["error_code"] == 400 and "2000" in body["description"]


# --- getUpdates ---------------------------------------------------------------------------------


async def test_get_updates_returns_one_event_object_and_removes_it(emu: ZaloEmulator, api: Api) -> None:
    lan = emu.user("5001", "Lan")
    queued = await emu.send_text(lan, "xin chào")
    await emu.send_text(lan, "lần hai")
    _, first = await api("getUpdates", {"timeout": 1})
    _, second = await api("getUpdates", {"timeout": "1"})  # the docs' table says string
    assert first == {"ok": True, "result": queued}
    result = first["result"]
    assert result["event_name"] == "message.text.received"
    message = result["message"]
    assert message["text"] == "xin chào" and isinstance(message["message_id"], str)
    assert message["from"] == {"id": "5001", "display_name": "Lan", "is_bot": False}
    assert message["chat"] == {"id": "5001", "chat_type": "PRIVATE"}
    assert abs(message["date"] - time.time() * 1000) < 5000
    assert second["result"]["message"]["text"] == "lần hai"
    assert emu.pending_events == []


async def test_an_empty_long_poll_waits_then_answers_408(emu: ZaloEmulator, api: Api) -> None:
    started = time.monotonic()
    _, body = await api("getUpdates", {"timeout": 0.3})
    assert time.monotonic() - started >= 0.3
    assert body == {"ok": False, "error_code": 408, "description": "Request timeout"}
    emu.empty_poll = "empty_result"
    _, empty = await api("getUpdates", {"timeout": 0})
    assert empty == {"ok": True, "result": None}


async def test_a_timeout_that_is_not_a_number_is_400(api: Api) -> None:
    _, body = await api("getUpdates", {"timeout": "soon"})
    assert body["ok"] is False and body["error_code"] == 400


async def test_stopping_releases_a_pending_long_poll(http: aiohttp.ClientSession) -> None:
    emu = await ZaloEmulator().start()
    url = f"{emu.url}/bot{emu.token}/getUpdates"
    poll = asyncio.create_task(http.post(url, json={"timeout": 30}))
    await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), "the poll to arrive")
    started = time.monotonic()
    await emu.stop()
    async with await poll as response:
        assert (await response.json())["error_code"] == 408
    assert time.monotonic() - started < 2


async def test_a_long_poll_wakes_when_an_event_arrives(emu: ZaloEmulator, api: Api) -> None:
    lan = emu.user("1")
    poll = asyncio.create_task(api("getUpdates", {"timeout": 10}))
    await emu.wait_until(lambda: bool(emu.calls_to("getUpdates")), "the poll to arrive")
    started = time.monotonic()
    await emu.send_image(lan)
    _, body = await poll
    assert time.monotonic() - started < 2
    assert body["result"]["event_name"] == "message.image.received"


async def test_every_kind_of_event_is_shaped_as_documented(
    emu: ZaloEmulator, http: aiohttp.ClientSession
) -> None:
    lan = emu.user("1", "Lan")
    image = await emu.send_image(lan, caption="ảnh")
    sticker = await emu.send_sticker(lan)
    voice = await emu.send_voice(lan)
    unsupported = await emu.send_unsupported(lan)
    in_group = await emu.send_text(lan, "chào nhóm", group="g-42")
    assert [e["event_name"] for e in (image, sticker, voice, unsupported, in_group)] == [
        "message.image.received",
        "message.sticker.received",
        "message.voice.received",
        "message.unsupported.received",
        "message.text.received",
    ]
    async with http.get(image["message"]["photo_url"]) as response:
        assert await response.read() == TINY_PNG
    assert image["message"]["caption"] == "ảnh"
    assert sticker["message"]["sticker"] and voice["message"]["voice_url"].endswith(".aac")
    assert set(unsupported["message"]) == {"message_id", "date", "from", "chat"}
    assert in_group["message"]["chat"] == {"id": "g-42", "chat_type": "GROUP"}
    assert in_group["message"]["from"]["id"] == "1"


async def test_duplicate_every_repeats_each_nth_event_once(emu: ZaloEmulator, api: Api) -> None:
    lan = emu.user("1")
    emu.duplicate_every(2)
    for text in ("a", "b", "c", "d"):
        await emu.send_text(lan, text)
    seen = []
    for _ in range(6):
        _, body = await api("getUpdates", {"timeout": 0})
        seen.append((body["result"]["message"]["text"], body["result"]["message"]["message_id"]))
    assert [text for text, _ in seen] == ["a", "b", "b", "c", "d", "d"]
    assert seen[1][1] == seen[2][1]  # the same message id: pollers de-duplicate by it
    _, empty = await api("getUpdates", {"timeout": 0})
    assert empty["error_code"] == 408


# --- webhook ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["result", "top"])
async def test_webhook_posts_each_event_with_the_secret(
    emu: ZaloEmulator, api: Api, local_site: tuple[str, list[Any]], shape: str
) -> None:
    base, received = local_site
    emu.webhook_body_shape = shape  # type: ignore[assignment]
    lan = emu.user("1")
    _, set_answer = await api("setWebhook", {"url": f"{base}/hook", "secret_token": "s3cret-token"})
    assert set_answer["ok"] is True
    event = await emu.send_text(lan, "qua webhook")
    await emu.wait_until(lambda: len(emu.webhook_deliveries) == 1, "a webhook delivery")
    (delivery,) = emu.webhook_deliveries
    assert delivery.status == 200
    ((headers, body),) = received
    assert headers[SECRET_HEADER] == "s3cret-token"
    assert body == ({"ok": True, "result": event} if shape == "result" else event)
    _, info = await api("getWebhookInfo")
    assert info["result"]["url"] == f"{base}/hook" and info["result"]["updated_at"] > 0
    _, conflict = await api("getUpdates", {"timeout": 0})
    assert conflict["ok"] is False and conflict["error_code"] == 409


async def test_webhook_records_a_failing_receiver_and_delete_switches_back(
    emu: ZaloEmulator, api: Api, local_site: tuple[str, list[Any]]
) -> None:
    base, _ = local_site
    lan = emu.user("1")
    await api("setWebhook", {"url": f"{base}/nowhere", "secret_token": "12345678"})
    await emu.send_text(lan, "một")
    await emu.wait_until(lambda: len(emu.webhook_deliveries) == 1, "a webhook delivery")
    assert emu.webhook_deliveries[0].status == 404
    _, deleted = await api("deleteWebhook")
    assert deleted["ok"] is True
    _, info = await api("getWebhookInfo")
    assert info["result"]["url"] == ""
    await emu.send_text(lan, "hai")
    _, body = await api("getUpdates", {"timeout": 1})
    assert body["result"]["message"]["text"] == "hai"


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://example.com/hook", "secret_token": "12345678"},
        {"url": "https://example.com/hook", "secret_token": "short"},
        {"url": "https://example.com/hook", "secret_token": "x" * 257},
        {"secret_token": "12345678"},
    ],
)
async def test_set_webhook_validates_url_and_secret(
    emu: ZaloEmulator, api: Api, body: dict[str, Any]
) -> None:
    _, answer = await api("setWebhook", body)
    assert answer["ok"] is False and answer["error_code"] == 400
    _, info = await api("getWebhookInfo")
    assert info["result"]["url"] == ""


# --- hooks --------------------------------------------------------------------------------------


async def test_rate_limiter_answers_429_over_the_cap(emu: ZaloEmulator, api: Api) -> None:
    now = [100.0]
    limiter = emu.add_hook(ZaloRateLimiter(per_second=3, per_chat_per_second=2, clock=lambda: now[0]))
    for user_id in ("1", "2"):
        emu.user(user_id)
    answers = [
        (await api("sendMessage", {"chat_id": chat, "text": "x"}))[1] for chat in ("1", "1", "1", "2", "2")
    ]
    assert [a["ok"] for a in answers] == [True, True, False, True, False]
    assert answers[2] == {"ok": False, "error_code": 429, "description": "too many requests"}
    assert limiter.rejected == 2
    now[0] += 1.01
    _, later = await api("sendMessage", {"chat_id": "1", "text": "x"})
    assert later["ok"] is True
    _, me = await api("getMe")  # only sends count
    assert me["ok"] is True


async def test_rate_limiter_can_advertise_retry_after(emu: ZaloEmulator, http: aiohttp.ClientSession) -> None:
    emu.add_hook(ZaloRateLimiter(per_chat_per_second=1, http_status=429, advertise_retry_after=True))
    emu.user("1")
    url = f"{emu.url}/bot{emu.token}/sendMessage"
    async with http.post(url, json={"chat_id": "1", "text": "x"}) as first:
        assert first.status == 200
    async with http.post(url, json={"chat_id": "1", "text": "x"}) as second:
        assert second.status == 429 and second.headers["Retry-After"] == "1"
        assert (await second.json())["parameters"] == {"retry_after": 1}


async def test_faults_fail_the_next_calls_of_a_method(emu: ZaloEmulator, http: aiohttp.ClientSession) -> None:
    faults = emu.add_hook(ZaloFaults())
    faults.server_error("sendMessage").error("sendMessage", error_code=-201, description="boom")
    emu.user("1")
    url = f"{emu.url}/bot{emu.token}/sendMessage"
    statuses = []
    for _ in range(3):
        async with http.post(url, json={"chat_id": "1", "text": "x"}) as response:
            statuses.append((response.status, (await response.json()).get("error_code")))
    assert statuses == [(500, 500), (200, -201), (200, None)]
    assert faults.injected == [("sendMessage", "server_error"), ("sendMessage", "error")]
    assert faults.pending == 0 and emu.texts("1") == ["x"]


async def test_a_hang_outlasts_the_client_timeout(emu: ZaloEmulator, http: aiohttp.ClientSession) -> None:
    emu.add_hook(ZaloFaults()).hang("getMe", seconds=2)
    url = f"{emu.url}/bot{emu.token}/getMe"
    with pytest.raises(TimeoutError):
        async with http.post(url, json={}, timeout=aiohttp.ClientTimeout(total=0.3)):
            pass
    async with http.post(url, json={}) as response:
        assert (await response.json())["ok"] is True


# --- waiting and threads ------------------------------------------------------------------------


async def test_wait_for_messages_explains_a_miss(emu: ZaloEmulator, api: Api) -> None:
    emu.user("1")
    await api("sendMessage", {"chat_id": "1", "text": "a" * 2001})
    with pytest.raises(AssertionError, match=r"sendMessage 200/400 text must be 1-2000"):
        await emu.wait_for_messages("1", 1, timeout=0.2)


def test_threaded_emulator_serves_while_the_caller_blocks() -> None:
    import json
    import urllib.request

    with ThreadedZaloEmulator() as threaded:
        lan = threaded.call(threaded.emulator.user, "1")
        threaded.run(threaded.emulator.send_text(lan, "chào"))
        request = urllib.request.Request(
            f"{threaded.url}/bot{threaded.token}/getUpdates",
            data=json.dumps({"timeout": 1}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.loads(response.read())
        assert body["result"]["message"]["text"] == "chào"
        assert threaded.call(lambda: len(threaded.emulator.calls)) == 1
