"""The app's HTTP server on 127.0.0.1 (a free port), asked with a real aiohttp client: /healthz, the body
limit, the webhook's secret and JSON checks, and media links (signed, expiring, surviving a restart)."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

from bot.web.media import MediaDisabledError, MediaStore
from bot.web.server import WebServer
from bot.web.webhook import read_one_json, secret_guard
from core.config import Settings
from services.tickets import qr_png
from tests.helpers import FixedClock, make_settings

SECRET = "s3cret-Zalo-webhook-token"
PUBLIC = "https://bot.example.vn"
PHONE = "0912345678"
CODE = "K7M2Q9"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def web_settings(tmp_path: Path, **web_values: Any) -> Settings:
    values: dict[str, Any] = {"port": 0, "max_body_bytes": 1024, "public_url": PUBLIC}
    values.update(web_values)
    return make_settings(tmp_path, web=values)


@asynccontextmanager
async def serving(
    settings: Settings, clock: FixedClock, mount: Callable[[WebServer], None] = lambda s: None
) -> AsyncIterator[tuple[WebServer, aiohttp.ClientSession]]:
    server = WebServer(settings, clock=clock)
    mount(server)
    await server.start()
    try:
        async with aiohttp.ClientSession(server.base_url) as client:
            yield server, client
    finally:
        await server.stop()


def local(url: str) -> str:
    """The path (and query) of a public URL, asked of the test server instead of the proxy."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def test_healthz_answers_ok_with_the_security_headers(tmp_path: Path, clock: FixedClock) -> None:
    async with serving(web_settings(tmp_path), clock) as (server, client):
        assert server.port > 0 and server.base_url == f"http://127.0.0.1:{server.port}"
        for path in ("/healthz", "/nothing-here"):
            async with client.get(path) as response:
                assert response.status == (200 if path == "/healthz" else 404)
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers["Referrer-Policy"] == "no-referrer"
                csp = response.headers["Content-Security-Policy"]
                assert csp == "default-src 'none'; frame-ancestors 'none'"
        async with client.get("/healthz") as response:
            assert await response.text() == "ok"
    with pytest.raises(RuntimeError):
        _ = server.port  # stopped


async def test_pages_errors_and_the_log_keep_to_the_rules(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<p>Xin chào</p>", content_type="text/html")

    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError(f"failed for {PHONE}")

    def mount(server: WebServer) -> None:
        server.add_route("GET", "/page", page, name="page")
        server.add_route("GET", "/boom/{who}", boom)

    caplog.set_level(logging.DEBUG)
    async with serving(web_settings(tmp_path), clock, mount) as (server, client):
        async with client.get("/page") as response:
            assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        async with client.get(f"/boom/{PHONE}?q={CODE}") as response:
            assert response.status == 500
            assert PHONE not in await response.text()
            assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        with pytest.raises(RuntimeError):
            server.add_route("GET", "/late", page)  # routes are added before start
    access = [
        r.getMessage()
        for r in caplog.records
        if r.name == "donorbot.web" and r.levelno == logging.INFO and r.getMessage()[:4] == "GET "
    ]
    assert [line.rsplit(" ", 2)[0] for line in access] == ["GET page 200", "GET /boom/{who} 500"]
    assert "GET /boom/{who} failed: builtins.RuntimeError" in caplog.text
    assert PHONE not in caplog.text and CODE not in caplog.text  # neither the error's text nor the path


async def test_a_body_above_the_limit_gets_413_and_the_handler_does_not_run(
    tmp_path: Path, clock: FixedClock
) -> None:
    ran: list[int] = []

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        ran.append(len(body))
        return web.Response(text=str(len(body)))

    async def chunks(total: int) -> AsyncIterator[bytes]:
        for _ in range(total // 100):
            yield b"x" * 100

    async with serving(web_settings(tmp_path), clock, lambda s: s.add_route("POST", "/echo", echo)) as (
        _,
        client,
    ):
        async with client.post("/echo", data=b"x" * 1000) as response:
            assert (response.status, await response.text()) == (200, "1000")
        async with client.post("/echo", data=b"x" * 2000) as response:
            assert response.status == 413
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        async with client.post("/echo", data=chunks(3000)) as response:  # no Content-Length
            assert response.status == 413
    assert ran == [1000]


def webhook_route(received: list[dict[str, Any]], guard_box: list[Any]) -> Callable[[WebServer], None]:
    def mount(server: WebServer) -> None:
        guard = secret_guard(SECRET)
        guard_box.append(guard)

        async def on_update(request: web.Request) -> web.Response:
            received.append(await read_one_json(request, 512))
            return web.json_response({"ok": True})

        server.add_route("POST", "/zalo/webhook", guard(on_update), name="zalo_webhook")

    return mount


async def test_the_webhook_refuses_a_missing_or_wrong_secret_before_reading_the_body(
    tmp_path: Path, clock: FixedClock
) -> None:
    received: list[dict[str, Any]] = []
    guards: list[Any] = []
    update = b'{"ok": true, "result": {"event_name": "message.text.received"}}'
    async with serving(web_settings(tmp_path), clock, webhook_route(received, guards)) as (_, client):
        refused = [
            {},
            {"X-Bot-Api-Secret-Token": "wrong"},
            {"X-Bot-Api-Secret-Token": SECRET[:-1]},  # a prefix
            {"X-Bot-Api-Secret-Token": SECRET + "x"},
            {"X-Bot-Api-Secret-Token": SECRET.upper()},
            {"X-Bot-Api-Secret-Token": "Mật-khẩu-sai"},  # not ASCII: compared as bytes, no error
            {"X-Other": SECRET},
        ]
        for headers in refused:
            async with client.post("/zalo/webhook", data=update, headers=headers) as response:
                assert response.status == 403, headers
                assert "secret" not in (await response.text()).lower()
        # Not parsed: an invalid body with a wrong secret is a 403, not a 400.
        async with client.post(
            "/zalo/webhook", data=b"[1, 2", headers={"X-Bot-Api-Secret-Token": "wrong"}
        ) as response:
            assert response.status == 403
        # Sent twice, once right: refused (a proxy may have checked the other one).
        twice = [("X-Bot-Api-Secret-Token", "wrong"), ("X-Bot-Api-Secret-Token", SECRET)]
        async with client.post("/zalo/webhook", data=update, headers=twice) as response:
            assert response.status == 403
        assert received == []
        assert guards[0].rejected == len(refused) + 2

        async with client.post(
            "/zalo/webhook", data=update, headers={"X-Bot-Api-Secret-Token": SECRET}
        ) as response:
            assert (response.status, await response.json()) == (200, {"ok": True})
    assert received == [{"ok": True, "result": {"event_name": "message.text.received"}}]
    assert guards[0].rejected == len(refused) + 2


async def test_the_guard_calls_back_on_each_refusal_and_refuses_an_empty_secret(
    tmp_path: Path, clock: FixedClock
) -> None:
    with pytest.raises(ValueError, match="empty"):
        secret_guard("")
    refusals: list[None] = []
    ran: list[None] = []
    guard = secret_guard(SECRET, "X-Custom-Secret", on_reject=lambda: refusals.append(None))

    async def handler(request: web.Request) -> web.Response:
        ran.append(None)
        return web.Response(text="done")

    async with serving(
        web_settings(tmp_path), clock, lambda s: s.add_route("POST", "/hook", guard(handler))
    ) as (_, client):
        for headers in ({"X-Bot-Api-Secret-Token": SECRET}, {"X-Custom-Secret": "nope"}):
            async with client.post("/hook", headers=headers) as response:
                assert response.status == 403
        assert (len(refusals), guard.rejected, ran) == (2, 2, [])
        async with client.post("/hook", headers={"X-Custom-Secret": SECRET}) as response:
            assert (response.status, await response.text()) == (200, "done")
    assert (len(refusals), ran) == (2, [None])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(
            b'{"event_name": "message.text.received", "message": {"text": "Xin ch\xc3\xa0o"}}',
            200,
            id="one object",
        ),
        pytest.param(b"[]", 400, id="a list"),
        pytest.param(b'[{"event_name": "x"}]', 400, id="a list of one object"),
        pytest.param(b'"text"', 400, id="a string"),
        pytest.param(b"42", 400, id="a number"),
        pytest.param(b"null", 400, id="null"),
        pytest.param(b'{"a": 1}{"b": 2}', 400, id="two objects"),
        pytest.param(b'{"a": 1}\n{"b": 2}\n', 400, id="two lines"),
        pytest.param(b'{"a": "\xff\xfe"}', 400, id="invalid utf-8"),
        pytest.param(b'{"a": NaN}', 400, id="NaN"),
        pytest.param(b'{"a": 1', 400, id="cut short"),
        pytest.param(b"", 400, id="empty"),
        pytest.param(b'{"text": "' + b"x" * 600 + b'"}', 413, id="over the limit"),
    ],
)
async def test_the_webhook_body_must_be_exactly_one_json_object(
    tmp_path: Path, clock: FixedClock, body: bytes, status: int
) -> None:
    received: list[dict[str, Any]] = []
    headers = {"X-Bot-Api-Secret-Token": SECRET}
    async with (
        serving(web_settings(tmp_path), clock, webhook_route(received, [])) as (_, client),
        client.post("/zalo/webhook", data=body, headers=headers) as response,
    ):
        assert response.status == status
    assert len(received) == (status == 200)
    if received:
        assert received[0]["message"]["text"] == "Xin chào"


async def test_a_chunked_webhook_body_over_the_limit_gets_413(tmp_path: Path, clock: FixedClock) -> None:
    received: list[dict[str, Any]] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 100
        yield b'"}'

    headers = {"X-Bot-Api-Secret-Token": SECRET}
    async with (
        serving(web_settings(tmp_path), clock, webhook_route(received, [])) as (_, client),
        client.post("/zalo/webhook", data=chunks(), headers=headers) as response,
    ):
        assert response.status == 413
    assert received == []


async def test_a_media_link_serves_the_png_until_it_expires(tmp_path: Path, clock: FixedClock) -> None:
    settings = web_settings(tmp_path)
    store = MediaStore(settings, clock=clock)
    assert store.enabled
    png = qr_png(f"https://t.me/donorbot?start=checkin_{CODE}", filename="qr.png").content
    url = store.put(png, "image/png")
    async with serving(settings, clock, store.mount) as (_, client):
        async with client.get(local(url)) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "image/png"
            assert response.headers["Cache-Control"] == "private, max-age=86400"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert await response.read() == png
        clock.advance(hours=23, minutes=59)
        async with client.get(local(url)) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == "private, max-age=60"
        clock.advance(minutes=1)
        async with client.get(local(url)) as response:
            assert response.status == 404


async def test_links_that_are_not_genuine_and_live_all_get_the_same_404(
    tmp_path: Path, clock: FixedClock
) -> None:
    settings = web_settings(tmp_path)
    store = MediaStore(settings, clock=clock)
    url = store.put(b"\x89PNG fake", "image/png")
    deleted = store.put(b"\x89PNG other", "image/png")
    token = local(url).removeprefix("/media/").removesuffix(".png")
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    for path in store.folder.iterdir():
        if path.name.endswith(".png") and path.read_bytes() == b"\x89PNG other":
            path.unlink()
    answers: set[tuple[int, str]] = set()
    async with serving(settings, clock, store.mount) as (_, client):
        for path in (
            f"/media/{flipped}.png",  # tampered
            f"/media/{token[:-1]}.png",  # cut short
            f"/media/{token}.jpg",  # another type
            f"/media/{token}.ics",
            f"/media/{'A' * len(token)}.png",
            local(deleted),  # genuine, but its file is gone
            "/media/.png",
            "/nothing-here",
        ):
            async with client.get(path) as response:
                answers.add((response.status, await response.text()))
        async with client.get(local(url)) as response:
            assert response.status == 200  # the real one still works
    assert answers == {(404, "404: Not Found")}


async def test_links_survive_a_restart_on_the_same_data_dir(tmp_path: Path, clock: FixedClock) -> None:
    settings = web_settings(tmp_path)
    url = MediaStore(settings, clock=clock).put(b"\x89PNG before restart", "image/png")
    secret = tmp_path / "web_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "media").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (tmp_path / "media").iterdir())
    key = secret.read_text()
    async with (
        serving(settings, clock, MediaStore(settings, clock=clock).mount) as (_, client),
        client.get(local(url)) as response,
    ):
        assert (response.status, await response.read()) == (200, b"\x89PNG before restart")
    assert secret.read_text() == key  # created once

    # A secret from the environment signs instead; links signed with another key no longer open.
    with_env = settings.model_copy(update={"web_secret": "another-key-from-DONORBOT_WEB_SECRET"})
    async with (
        serving(with_env, clock, MediaStore(with_env, clock=clock).mount) as (_, client),
        client.get(local(url)) as response,
    ):
        assert response.status == 404


async def test_the_url_holds_only_the_token_and_the_log_only_the_route(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = web_settings(tmp_path)
    store = MediaStore(settings, clock=clock)
    png = qr_png(f"{CODE} {PHONE} Nguyễn Thị Hoa", filename=f"qr-{CODE}.png").content
    urls = [store.put(png, "image/png") for _ in range(20)]
    assert len(set(urls)) == 20  # random: the same picture twice gets two links
    for url in urls:
        assert url.startswith(f"{PUBLIC}/media/")
        assert re.fullmatch(r"/media/[A-Za-z0-9_-]{54}\.png", urlsplit(url).path), url
        assert PHONE not in url and PHONE[1:] not in url and CODE not in url
    for path in store.folder.iterdir():
        assert PHONE not in path.name and CODE not in path.name
    caplog.set_level(logging.INFO, logger="donorbot.web")
    async with serving(settings, clock, store.mount) as (_, client):
        async with client.get(local(urls[0]) + f"?phone={PHONE}") as response:
            assert response.status == 200
        async with client.get(f"/healthz?code={CODE}") as response:
            assert response.status == 200
    token = urlsplit(urls[0]).path.removeprefix("/media/").removesuffix(".png")
    access = [
        r.getMessage()
        for r in caplog.records
        if r.name == "donorbot.web" and r.levelno == logging.INFO and r.getMessage()[:4] == "GET "
    ]
    assert [line.rsplit(" ", 2)[0] for line in access] == ["GET media 200", "GET healthz 200"]
    logged = caplog.text
    assert token not in logged and PHONE not in logged and CODE not in logged


def test_without_a_public_url_media_are_off_and_nothing_is_written(tmp_path: Path, clock: FixedClock) -> None:
    store = MediaStore(web_settings(tmp_path, public_url=None), clock=clock)
    assert not store.enabled
    with pytest.raises(MediaDisabledError):
        store.put(b"\x89PNG", "image/png")
    assert not (tmp_path / "web_secret").exists() and not (tmp_path / "media").exists()


def test_only_known_types_are_kept(tmp_path: Path, clock: FixedClock) -> None:
    store = MediaStore(web_settings(tmp_path), clock=clock)
    with pytest.raises(ValueError, match="text/html"):
        store.put(b"<script>", "text/html")
    assert store.put(b"BEGIN:VCALENDAR", "text/calendar").endswith(".ics")


def test_expired_files_are_swept_on_put_at_most_once_a_minute(tmp_path: Path, clock: FixedClock) -> None:
    store = MediaStore(web_settings(tmp_path, media_ttl_hours=1.0), clock=clock)

    def kept() -> list[bytes]:
        return sorted(p.read_bytes() for p in store.folder.iterdir())

    store.put(b"a", "image/png")
    clock.advance(hours=1)  # "a" has expired
    store.put(b"b", "image/png")
    assert kept() == [b"b"]
    clock.advance(minutes=59, seconds=50)
    store.put(b"c", "image/png")  # swept: "b" has 10 s left
    assert kept() == [b"b", b"c"]
    clock.advance(seconds=30)
    store.put(b"d", "image/png")  # "b" expired, but the last sweep was 30 s ago
    assert kept() == [b"b", b"c", b"d"]
    clock.advance(seconds=31)
    store.put(b"e", "image/png")
    assert kept() == [b"c", b"d", b"e"]
