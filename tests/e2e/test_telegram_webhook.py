"""Telegram by webhook: the emulator POSTs each update to the bot's HTTP server with the secret; a request
without it is refused and counted; two instances on one PostgreSQL behind a round-robin proxy carry one
chat's dialogue between them, update after update, as if they were one."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.bootstrap import build_app, serve
from bot.web import health
from bot.web.server import WebServer
from emulators.telegram import TelegramEmulator
from models.tables import Conversation, Donor
from tests.helpers import (
    TELEGRAM_WEBHOOK_SECRET,
    BotHarness,
    FixedClock,
    make_settings,
    running_bot,
    shared_knowledge,
    telegram_webhook,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REJECTED = 'donorbot_webhook_rejected_total{channel="telegram"}'


async def sample(http: aiohttp.ClientSession, url: str, name: str) -> float:
    async with http.get(url) as response:
        for line in (await response.text()).splitlines():
            key, _, value = line.rpartition(" ")
            if key == name:
                return float(value)
    return 0.0


async def test_webhook_mode_takes_updates_and_refuses_strangers(tmp_path: Path) -> None:
    async with running_bot(tmp_path, webhook=True) as bot:
        public = bot.settings.web.public_url
        path = bot.settings.telegram.webhook_path
        (call,) = bot.emu.calls_to("setWebhook")
        assert call.params["url"] == f"{public}{path}"
        assert call.params["secret_token"] == TELEGRAM_WEBHOOK_SECRET
        lan = bot.user(8101)
        consent = await bot.send(lan, "/start")
        assert "Luật Bảo vệ dữ liệu cá nhân" in consent[0].text
        assert (await bot.press(lan, "Đồng ý"))[0].text.startswith("Họ và tên")
        await bot.emu.wait_until(lambda: len(bot.emu.webhook_deliveries) == 2, what="both answered")
        assert [d.status for d in bot.emu.webhook_deliveries] == [200, 200]
        assert not bot.emu.calls_to("getUpdates"), "no polling while the webhook is set"

        stranger = bot.user(8102)
        forged = {"update_id": 999_999, "message": {
            "message_id": 1, "date": 1_700_000_000, "text": "/start",
            "from": {"id": stranger.id, "is_bot": False, "first_name": "X"},
            "chat": {"id": stranger.id, "type": "private"},
        }}  # fmt: skip
        async with aiohttp.ClientSession() as http:
            before = await sample(http, f"{public}/metrics", REJECTED)
            for headers in (
                {},
                {SECRET_HEADER: "not-the-secret"},
                {SECRET_HEADER: TELEGRAM_WEBHOOK_SECRET[:-1]},
            ):
                async with http.post(f"{public}{path}", json=forged, headers=headers) as response:
                    assert response.status == 403
                    assert await response.text() != "ok"
            assert await sample(http, f"{public}/metrics", REJECTED) == before + 3
            async with http.post(
                f"{public}{path}", json=[forged], headers={SECRET_HEADER: TELEGRAM_WEBHOOK_SECRET}
            ) as response:
                assert response.status == 400, "with the secret, still only one JSON object"
        await asyncio.sleep(0.2)
        assert bot.emu.messages(stranger) == [], "a refused request runs no turn"
        rows = select(func.count()).select_from(Conversation).where(Conversation.chat_id == str(stranger.id))
        assert await bot.scalar(rows) == 0


def webhooks_set(emu: TelegramEmulator, count: int) -> Callable[[], bool]:
    return lambda: len(emu.calls_to("setWebhook")) >= count


@asynccontextmanager
async def round_robin(upstreams: list[str]) -> AsyncIterator[tuple[str, Counter[str]]]:
    """A reverse proxy on a free port that sends each request to the next upstream in turn."""
    served: Counter[str] = Counter()
    turn = itertools.cycle(upstreams)
    async with aiohttp.ClientSession() as http:

        async def forward(request: web.Request) -> web.Response:
            upstream = next(turn)
            served[upstream] += 1
            headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
            async with http.post(upstream + request.path, data=await request.read(), headers={
                **headers, "Content-Type": "application/json"
            }) as answer:  # fmt: skip
                return web.Response(status=answer.status, body=await answer.read())

        proxy = web.Application()
        proxy.router.add_post("/{tail:.*}", forward)
        runner = web.AppRunner(proxy, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            yield f"http://127.0.0.1:{runner.addresses[0][1]}", served
        finally:
            await runner.cleanup()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_instances_carry_one_chat_in_order(tmp_path: Path, database_url: str) -> None:
    clock = FixedClock()
    async with TelegramEmulator() as emu:
        base = make_settings(tmp_path, database_url=database_url)
        base = base.model_copy(
            update={"telegram": base.telegram.model_copy(update={"api_base_url": emu.url, "poll_timeout": 1})}
        )
        first, second = telegram_webhook(base), telegram_webhook(base)
        upstreams = [f"http://127.0.0.1:{s.web.port}" for s in (first, second)]
        async with round_robin(upstreams) as (proxy, served):
            stops, tasks, apps = [], [], []
            for settings in (first, second):
                settings = settings.model_copy(
                    update={"web": settings.web.model_copy(update={"public_url": proxy})}
                )
                app = build_app(settings, clock=clock, knowledge=shared_knowledge())
                await app.prepare()
                server = WebServer(settings, clock=clock)
                health.mount(server, app)
                channel = BotHarness(emu, settings, clock).attach(app, web=server)
                stop = asyncio.Event()
                tasks.append(asyncio.create_task(serve(app, [channel], stop=stop, web=server)))
                stops.append(stop)
                apps.append(app)
                await emu.wait_until(webhooks_set(emu, len(apps)), what="setWebhook")
            try:
                lan = emu.user(8201, "Lan", language_code="vi")

                async def step(action: object, needle: str) -> None:
                    seen = len(emu.messages(lan.chat_id))
                    await action  # type: ignore[misc]
                    await emu.wait_until(
                        lambda: any(needle in m.text for m in emu.messages(lan.chat_id)[seen:]),
                        timeout=10,
                        what=needle,
                    )

                def press(label: str) -> object:
                    message = emu.last_keyboard_message(lan.chat_id)
                    return emu.press(lan, message, message.button(label))

                await step(emu.send_text(lan, "/start"), "Luật Bảo vệ dữ liệu cá nhân")
                await step(press("Đồng ý"), "Họ và tên")
                await step(emu.send_text(lan, "nguyễn thị lan"), "Ngày sinh")
                await step(emu.send_text(lan, "3/8/1995"), "Giới tính")
                await step(press("Nữ"), "Gửi số điện thoại của tôi")
                await step(emu.send_text(lan, "0912345678"), "Nhóm máu")
                await step(press("O+"), "phường/xã")
                await step(press("Nhị Chiểu"), "đã từng hiến máu chưa")
                await step(press("Chưa từng hiến"), "Xác nhận")
                await step(press("Xác nhận"), "dự bị")  # after "đã đăng ký … thành công"
                assert any("thành công" in m.text for m in emu.messages(lan.chat_id))
                await step(press("Có"), "dự bị")
                assert served[upstreams[0]] >= 5 and served[upstreams[1]] >= 5, served
                assert all(d.status == 200 for d in emu.webhook_deliveries)
                async with apps[0].sessions() as session:
                    donors = (await session.scalars(select(Donor))).all()
                assert [(d.full_name, d.phone, d.ward, d.is_reserve) for d in donors] == [
                    ("Nguyễn Thị Lan", "+84912345678", "Nhị Chiểu", True)
                ]
            finally:
                for stop in stops:
                    stop.set()
                await asyncio.gather(*tasks)
                for app in apps:
                    await app.close()
