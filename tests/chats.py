"""One way to drive the bot on either channel, so a journey is written once and run on Telegram and Zalo.

`ZaloHarness` runs the real app with the Zalo channel against the local Zalo emulator (as `BotHarness`
does with PTB and the Telegram emulator). `Chats` wraps either harness: `send` types a line and returns
what the person read, `choose` presses the button on Telegram and, on Zalo, types the number the bot put
before that choice, as a person would.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.bootstrap import App, build_app, serve
from bot.channels.zalo import ZaloChannel
from bot.web import health
from bot.web.media import MediaStore
from bot.web.server import WebServer
from core.config import Settings
from emulators.telegram import SimUser, TelegramEmulator
from emulators.zalo import ZaloEmulator, ZaloSent, ZaloUser
from tests.helpers import (
    BotHarness,
    FixedClock,
    grant_organiser,
    import_plan_file,
    make_settings,
    register_donor,
    running_bot,
    shared_knowledge,
    with_public_url,
)

WEBHOOK_SECRET = "test-webhook-secret-0123"
_CHOICE_LINE = re.compile(r"^\s*(\d{1,3})\) (.+)$", re.M)


def zalo_settings(settings: Settings, emu: ZaloEmulator, **web: Any) -> Settings:
    return settings.model_copy(
        update={
            "zalo_token": emu.token,
            "zalo": settings.zalo.model_copy(update={"api_base_url": emu.url, "poll_timeout": 1}),
            "web": settings.web.model_copy(update={"port": 0, **web}),
        }
    )


class ZaloHarness:
    """A running bot on the Zalo channel plus the emulator; `send` returns the messages of one turn."""

    def __init__(self, emulator: ZaloEmulator, settings: Settings, clock: FixedClock, *, media: bool) -> None:
        self.emu = emulator
        self.clock = clock
        self.settings = settings
        self.with_media = media
        self.app: App | None = None
        self.web: WebServer | None = None
        self.channel: ZaloChannel | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.turns: dict[str, int] = defaultdict(int)
        self.after_turn: dict[str, list[int]] = defaultdict(list)  # messages in the chat after each turn

    async def start(self) -> None:
        app = build_app(self.settings, clock=self.clock, knowledge=shared_knowledge())
        await app.prepare()
        channel = self.attach(app)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(serve(app, [channel], stop=self._stop, web=self.web))
        await self.wait_polling()

    def attach(self, app: App) -> ZaloChannel:
        """The Zalo channel of `app` (and the HTTP server it needs), its turns counted; `start` serves it
        alone, `running_both` next to Telegram."""
        self.app = app
        web = media = None
        if self.with_media or self.settings.zalo.mode == "webhook":
            web = WebServer(self.settings, clock=self.clock)
            health.mount(web, app)  # as bot/cli/serve mounts it
        if self.with_media and web is not None:
            media = MediaStore(self.settings, clock=self.clock)
            media.mount(web)
        channel = ZaloChannel(app, token=self.emu.token, web=web, media=media)
        deliver = channel.courier.deliver

        async def counted(*, user_id: str, chat_id: str, messages: Any) -> None:
            await deliver(user_id=user_id, chat_id=chat_id, messages=messages)
            self.after_turn[chat_id].append(len(self.emu.messages(chat_id)))
            self.turns[chat_id] += 1

        channel.courier.deliver = counted  # type: ignore[method-assign]
        self.web, self.channel = web, channel
        return channel

    async def wait_polling(self) -> None:
        if self.settings.zalo.mode == "polling":
            await self.emu.wait_until(lambda: bool(self.emu.calls_to("getUpdates")), what="polling to start")
        else:
            await self.emu.wait_until(lambda: bool(self.emu.calls_to("setWebhook")), what="the webhook")

    async def stop(self) -> None:
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, timeout=15)
        if self.app is not None:
            await self.app.close()
        self.app = self._stop = self._task = None

    def user(self, user_id: int, *, name: str = "Lan") -> ZaloUser:
        return self.emu.user(str(user_id), name)

    async def _turn(self, user: ZaloUser, action: Any) -> list[ZaloSent]:
        return await self.act(user.chat_id, action)

    async def act(self, chat: str, action: Any) -> list[ZaloSent]:
        """Runs `action` (an emulator call that makes a person do something in `chat`: a group's id,
        or a person's own chat) and returns what the bot sent there in the turn it started."""
        before = len(self.emu.messages(chat))
        target = self.turns[chat] + 1
        await action
        deadline = time.monotonic() + 10
        while self.turns[chat] < target:
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not answer in Zalo chat {chat}")
            await asyncio.sleep(0.005)
        return self.emu.messages(chat)[before : self.after_turn[chat][target - 1]]

    async def send(self, user: ZaloUser, text: str, *, group: str | None = None) -> list[ZaloSent]:
        """`text` typed by `user` in their private chat, or in the group `group`."""
        if group is not None:
            return await self.act(group, self.emu.send_text(user, text, group=group))
        return await self._turn(user, self.emu.send_text(user, text))

    async def sticker(self, user: ZaloUser) -> list[ZaloSent]:
        return await self._turn(user, self.emu.send_sticker(user))

    def number_of(self, user: ZaloUser, label: str) -> str:
        """The number the bot showed before the latest choice whose label contains `label`."""
        for message in reversed(self.emu.messages(user.chat_id)):
            for number, shown in reversed(_CHOICE_LINE.findall(message.shown_text or "")):
                if label in shown:
                    return str(number)
        raise AssertionError(f"no numbered choice {label!r} in Zalo chat {user.chat_id}")

    async def choose(self, user: ZaloUser, label: str) -> list[ZaloSent]:
        return await self.send(user, self.number_of(user, label))

    # --- rows ----------------------------------------------------------------------------------

    async def add_donor(self, user: ZaloUser, *, phone: str, **changes: Any) -> int:
        assert self.app is not None
        values = {"full_name": user.name, **changes}
        return await register_donor(
            self.app, self.clock.now(), "zalo", user.id, user.chat_id, phone=phone, **values
        )

    async def make_organiser(self, user: ZaloUser) -> None:
        assert self.app is not None
        await grant_organiser(self.app, self.clock.now(), "zalo", user.id)

    async def import_plan(self, path: Path) -> None:
        assert self.app is not None
        await import_plan_file(self.app, self.clock.now(), path)


@contextlib.asynccontextmanager
async def running_zalo(
    tmp_path: Path,
    clock: FixedClock | None = None,
    *,
    media: bool = False,
    webhook: bool = False,
    **sections: Any,
) -> AsyncIterator[ZaloHarness]:
    """The bot on Zalo; `webhook=True` takes events by webhook (secret `WEBHOOK_SECRET`) at a
    `web.public_url` of this test's server, instead of polling."""
    async with ZaloEmulator() as emu:
        settings = zalo_settings(make_settings(tmp_path, **sections), emu)
        if webhook:
            zalo = settings.zalo.model_copy(update={"mode": "webhook"})
            settings = settings.model_copy(update={"zalo": zalo, "zalo_webhook_secret": WEBHOOK_SECRET})
        harness = ZaloHarness(emu, settings, clock or FixedClock(), media=media)
        if media or webhook:
            harness.settings = with_public_url(settings)
        await harness.start()
        try:
            yield harness
        finally:
            await harness.stop()


class Chats:
    """A journey's view of one channel: lines typed, texts read, choices chosen like a person would."""

    def __init__(self, harness: BotHarness | ZaloHarness) -> None:
        self.h = harness
        self.platform = "zalo" if isinstance(harness, ZaloHarness) else "telegram"

    @property
    def app(self) -> App:
        assert self.h.app is not None
        return self.h.app

    @property
    def clock(self) -> FixedClock:
        return self.h.clock

    def user(self, n: int, *, name: str = "Lan") -> Any:
        if isinstance(self.h, ZaloHarness):
            return self.h.user(n, name=name)
        return self.h.emu.user(n, name, language_code="vi", started=True)

    async def send(self, user: Any, text: str) -> list[str]:
        return [_shown(m) for m in await self.h.send(user, text)]

    async def choose(self, user: Any, label: str) -> list[str]:
        """Presses the button (Telegram) or types the number shown before the choice (Zalo)."""
        if isinstance(self.h, ZaloHarness):
            return [_shown(m) for m in await self.h.choose(user, label)]
        return [_shown(m) for m in await self.h.press(user, label)]

    def texts(self, user: Any) -> list[str]:
        """Everything the person has read in the chat, replies and pushes."""
        return [_shown(m) for m in self.h.emu.messages(user.chat_id)]

    async def wait_for(self, user: Any, needle: str) -> str:
        """The first message containing `needle`, once it has arrived (a push)."""
        await self.h.emu.wait_until(lambda: any(needle in t for t in self.texts(user)), what=needle)
        return next(t for t in self.texts(user) if needle in t)

    async def add_donor(self, user: Any, *, phone: str, **changes: Any) -> int:
        if isinstance(self.h, ZaloHarness):
            return await self.h.add_donor(user, phone=phone, **changes)
        assert isinstance(user, SimUser)
        return await self.h.add_donor(user, phone=phone, **changes)

    async def make_organiser(self, user: Any) -> None:
        await self.h.make_organiser(user)

    async def import_plan(self, path: Path) -> None:
        await self.h.import_plan(path)


def _shown(message: Any) -> str:
    if isinstance(message, ZaloSent):
        return message.shown_text or ""
    return message.text or ""


@dataclass
class Both:
    """Telegram and Zalo served by one process: one app, one delivery loop, one scheduler."""

    app: App
    telegram: Chats
    zalo: Chats
    tg: BotHarness
    za: ZaloHarness


@contextlib.asynccontextmanager
async def running_both(
    tmp_path: Path, clock: FixedClock | None = None, **sections: Any
) -> AsyncIterator[Both]:
    clock = clock or FixedClock()
    async with TelegramEmulator() as tg_emu, ZaloEmulator() as za_emu:
        settings = zalo_settings(make_settings(tmp_path, **sections), za_emu)
        tg = BotHarness(tg_emu, settings, clock)
        za = ZaloHarness(za_emu, tg.settings, clock, media=False)
        app = build_app(tg.settings, clock=clock, knowledge=shared_knowledge())
        await app.prepare()
        channels = [tg.attach(app), za.attach(app)]
        stop = asyncio.Event()
        task = asyncio.create_task(serve(app, channels, stop=stop))
        try:
            await tg.wait_polling()
            await za.wait_polling()
            yield Both(app, Chats(tg), Chats(za), tg, za)
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=15)
            await app.close()


@contextlib.asynccontextmanager
async def chats_on(
    platform: str, tmp_path: Path, clock: FixedClock | None = None, **sections: Any
) -> AsyncIterator[Chats]:
    """The bot on `platform` ("telegram" or "zalo"), as `Chats`."""
    if platform == "zalo":
        async with running_zalo(tmp_path, clock, **sections) as harness:
            yield Chats(harness)
    else:
        async with running_bot(tmp_path, clock, **sections) as bot:
            yield Chats(bot)
