"""Test factories: a clock that can travel, settings on a temp database, and a bot harness that runs
the real python-telegram-bot application against the local Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot.bootstrap import App, build_app, serve
from bot.channels.telegram import TelegramChannel
from bot.web import health
from bot.web.server import WebServer
from core.config import Settings, load_settings
from core.knowledge import Knowledge, load_knowledge
from domain import plan_file
from domain.figures import Scope
from emulators.telegram import SentMessage, SimUser, TelegramEmulator
from handlers.messages import Incoming, Replies
from models import donors, organisers, plan_import
from models.tables import Base, ChannelAccount, Conversation, Donation, Donor


class FixedClock:
    """A clock tests set and move; starts at 2026-11-23 09:00 in Vietnam (02:00 UTC)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def today(self) -> date:
        return (self.current + timedelta(hours=7)).date()


def make_settings(tmp_path: Path, *, database_url: str | None = None, **sections: Any) -> Settings:
    """Settings from the shipped config.toml, on a temp SQLite file unless a URL is given."""
    settings = load_settings(environ={})
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'donorbot.sqlite3'}"
    update: dict[str, Any] = {
        "database": settings.database.model_copy(update={"url": url}),
        "bot": settings.bot.model_copy(update={"data_dir": tmp_path}),
    }
    for name, values in sections.items():
        update[name] = getattr(settings, name).model_copy(update=values)
    return settings.model_copy(update=update)


@functools.cache
def shared_knowledge() -> Knowledge:
    """The shipped rules and FAQ, loaded once per test run (they are immutable)."""
    return load_knowledge(load_settings(environ={}))


async def register_donor(
    app: App, now: datetime, platform: str, user_id: str, chat_id: str, *, phone: str, **changes: Any
) -> int:
    """A registered donor linked to a chat of `platform`, written directly (the dialogue has its own
    tests): a woman of Tam Lưu, born 03/08/1995, O+, 55 kg, unless `changes` say otherwise."""
    values: dict[str, Any] = {
        "full_name": "Lan",
        "phone": phone,
        "date_of_birth": date(1995, 8, 3),
        "sex": "female",
        "blood_abo": "O",
        "blood_rh": "+",
        "weight_kg": 55.0,
        "ward": "Tam Lưu",
        "organisation": None,
        "is_reserve": False,
        "language": "vi",
        "last_donation_on": None,
        **changes,
    }
    async with app.sessions() as session, session.begin():
        donor = await donors.register(
            session, donors.NewDonor(**values), platform=platform, user_id=user_id, chat_id=chat_id, now=now
        )
        return donor.id


async def grant_organiser(
    app: App,
    now: datetime,
    platform: str,
    user_id: str,
    *,
    scope: Scope | None = None,
    role: str = "organiser",
) -> None:
    """Makes a chat an organiser of the Red Cross (the whole area unless `scope` says; another role of
    `domain.roles` with `role`), written directly."""
    async with app.sessions() as session, session.begin():
        await organisers.grant(
            session,
            platform=platform,
            user_id=user_id,
            role=role,
            unit="Hội Chữ thập đỏ",
            scope=scope,
            actor="test",
            now=now,
        )


async def import_plan_file(app: App, now: datetime, path: Path) -> None:
    async with app.sessions() as session, session.begin():
        await plan_import.import_plan(session, plan_file.load_plan(path), actor="test", now=now)


class BotHarness:
    """A running bot plus the emulator; `send`/`press` return the messages one turn produced."""

    def __init__(self, emulator: TelegramEmulator, settings: Settings, clock: FixedClock) -> None:
        self.emu = emulator
        self.clock = clock
        self.settings = settings.model_copy(
            update={
                "telegram": settings.telegram.model_copy(
                    update={"api_base_url": emulator.url, "poll_timeout": 1}
                )
            }
        )
        self.app: App | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.turns: dict[str, int] = defaultdict(int)
        self.replies_per_turn: dict[str, list[int]] = defaultdict(list)

    async def start(self) -> None:
        app = build_app(self.settings, clock=self.clock, knowledge=shared_knowledge())
        await app.prepare()
        web = None
        if self.settings.telegram.mode == "webhook":  # as bot/cli/serve builds it
            web = WebServer(self.settings, clock=self.clock)
            health.mount(web, app)
        channel = self.attach(app, web=web)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(serve(app, [channel], stop=self._stop, web=web))
        await self.wait_polling()

    def attach(self, app: App, *, web: WebServer | None = None) -> TelegramChannel:
        """Counts the turns of `app` (to know which messages a turn produced) and gives its Telegram
        channel; `start` serves it alone, `tests.chats.running_both` next to Zalo."""
        handle = app.dispatcher.handle

        async def counted(incoming: Incoming) -> Replies:
            replies = await handle(incoming)
            if incoming.platform == "telegram":
                # a reply that edits the pressed message adds no message to the chat
                edited = 1 if replies and replies[0].edit else 0
                self.replies_per_turn[incoming.chat_id].append(len(replies) - edited)
                self.turns[incoming.chat_id] += 1
            return replies

        app.dispatcher.handle = counted  # type: ignore[method-assign]
        self.app = app
        return TelegramChannel(app, token=self.emu.token, web=web)

    async def wait_polling(self) -> None:
        """Until the bot takes updates: its first getUpdates, or (webhook mode) its setWebhook."""
        method = "setWebhook" if self.settings.telegram.mode == "webhook" else "getUpdates"
        await self.emu.wait_until(
            lambda: any(c.method == method for c in self.emu.calls), what="the bot to take updates"
        )

    async def stop(self) -> None:
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, timeout=15)
        if self.app is not None:
            await self.app.close()
        self.app = self._stop = self._task = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def user(self, user_id: int, *, language_code: str = "vi", name: str = "Lan") -> SimUser:
        return self.emu.user(user_id, name, language_code=language_code)

    async def _turn(self, user: SimUser, action: Any) -> list[SentMessage]:
        chat = str(user.chat_id)
        before = len(self.emu.messages(user.chat_id))
        target = self.turns[chat] + 1
        await action
        deadline = time.monotonic() + 10
        while self.turns[chat] < target:
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not handle the update in chat {chat}")
            await asyncio.sleep(0.005)
        # Pushes from the outbox may land in the same chat, so count from this turn's start.
        expected = before + self.replies_per_turn[chat][target - 1]
        messages = await self.emu.wait_for_messages(user.chat_id, expected)
        return messages[before:expected]

    async def send(self, user: SimUser, text: str) -> list[SentMessage]:
        return await self._turn(user, self.emu.send_text(user, text))

    async def press(self, user: SimUser, label: str) -> list[SentMessage]:
        """Taps the button whose label contains `label` on the latest message that has buttons."""
        message = self.emu.last_keyboard_message(user.chat_id)
        data = message.button(label)
        versions = len(message.history)
        new = await self._turn(user, self.emu.press(user, message, data))
        if not new:  # the answer replaced the pressed message: wait for the edit to land
            await self.emu.wait_until(lambda: len(message.history) > versions, what="the edit")
        return new

    async def forge(self, user: SimUser, data: str) -> list[SentMessage]:
        """Sends button data the user's chat was never offered (an attacker's client can do that)."""
        message = self.emu.messages(user.chat_id)[-1]
        return await self._turn(user, self.emu.press(user, message, data, strict=False))

    async def contact(self, user: SimUser, phone: str, *, own: bool = True) -> list[SentMessage]:
        owner: Any = "sender" if own else None
        return await self._turn(user, self.emu.share_contact(user, phone, user_id=owner))

    async def sticker(self, user: SimUser) -> list[SentMessage]:
        return await self._turn(user, self.emu.send_sticker(user))

    async def photo(self, user: SimUser) -> list[SentMessage]:
        return await self._turn(user, self.emu.send_photo(user))

    # --- row factories -------------------------------------------------------------------------

    async def add_donor(
        self, user: SimUser, *, phone: str, last_donation: date | None = None, **changes: Any
    ) -> int:
        """A registered donor linked to this chat, written directly (the dialogue has its own tests)."""
        assert self.app is not None
        values = {"full_name": user.first_name, "last_donation_on": last_donation, **changes}
        return await register_donor(
            self.app, self.clock.now(), "telegram", str(user.id), str(user.chat_id), phone=phone, **values
        )

    async def make_organiser(
        self, user: SimUser, *, scope: Scope | None = None, role: str = "organiser"
    ) -> None:
        assert self.app is not None
        await grant_organiser(self.app, self.clock.now(), "telegram", str(user.id), scope=scope, role=role)

    async def import_plan(self, path: Path) -> None:
        assert self.app is not None
        await import_plan_file(self.app, self.clock.now(), path)

    # --- database views ------------------------------------------------------------------------

    async def scalar(self, statement: Any) -> Any:
        assert self.app is not None
        async with self.app.sessions() as session:
            return await session.scalar(statement)

    async def rows(self, statement: Any) -> list[Any]:
        assert self.app is not None
        async with self.app.sessions() as session:
            return list((await session.scalars(statement)).all())

    async def donor_by_phone(self, phone: str) -> Donor | None:
        return await self.scalar(select(Donor).where(Donor.phone == phone))  # type: ignore[no-any-return]

    async def count(self, model: type[Base]) -> int:
        return int(await self.scalar(select(func.count()).select_from(model)) or 0)

    async def count_donors(self) -> int:
        return await self.count(Donor)

    async def count_donations(self) -> int:
        return await self.count(Donation)

    async def conversation(self, user: SimUser) -> Conversation | None:
        return await self.scalar(  # type: ignore[no-any-return]
            select(Conversation).where(
                Conversation.platform == "telegram", Conversation.chat_id == str(user.chat_id)
            )
        )

    async def personal_rows(self) -> dict[str, int]:
        return {
            "donors": await self.count(Donor),
            "donations": await self.count(Donation),
            "accounts": await self.count(ChannelAccount),
            "conversations": await self.count(Conversation),
        }


def texts(messages: list[SentMessage]) -> str:
    """All texts (and captions) of some messages, joined, for `in` assertions."""
    return "\n---\n".join(m.text or "" for m in messages)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now (for a server the test starts next)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def with_public_url(settings: Settings) -> Settings:
    """Settings whose web.public_url is this test's server: a free port picked now and used for it."""
    port = free_port()
    web = settings.web.model_copy(update={"port": port, "public_url": f"http://127.0.0.1:{port}"})
    return settings.model_copy(update={"web": web})


TELEGRAM_WEBHOOK_SECRET = "test-telegram-webhook_0123"


def telegram_webhook(settings: Settings, *, public_url: str | None = None) -> Settings:
    """Settings of a bot that takes Telegram updates by webhook on its own free port (at `public_url`,
    a proxy in front of it, when given)."""
    settings = with_public_url(settings)
    if public_url is not None:
        web = settings.web.model_copy(update={"public_url": public_url})
        settings = settings.model_copy(update={"web": web})
    return settings.model_copy(
        update={
            "telegram": settings.telegram.model_copy(update={"mode": "webhook"}),
            "telegram_webhook_secret": TELEGRAM_WEBHOOK_SECRET,
        }
    )


@contextlib.asynccontextmanager
async def running_bot(
    tmp_path: Path,
    clock: FixedClock | None = None,
    *,
    database_url: str | None = None,
    webhook: bool = False,
    **sections: Any,
) -> Any:
    async with TelegramEmulator() as emu:
        settings = make_settings(tmp_path, database_url=database_url, **sections)
        if webhook:
            settings = telegram_webhook(settings)
        harness = BotHarness(emu, settings, clock or FixedClock())
        await harness.start()
        try:
            yield harness
        finally:
            await harness.stop()


async def bulk_donors(
    session: Any,
    count: int,
    *,
    first_user: int,
    now: datetime,
    ward: str = "Tam Lưu",
    platform: str = "telegram",
) -> None:
    """`count` consenting donors, each with an account `first_user + n` on `platform` (for load tests)."""
    await session.execute(
        insert(Donor),
        [
            {
                "full_name": f"Người hiến {n}",
                "phone": f"+849{n:08d}",
                "date_of_birth": date(1990, 1, 1),
                "sex": "female" if n % 2 else "male",
                "ward": ward,
                "is_reserve": False,
                "language": "vi",
                "consent_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ],
    )
    donor_ids = (await session.scalars(select(Donor.id).order_by(Donor.id))).all()
    await session.execute(
        insert(ChannelAccount),
        [
            {
                "platform": platform,
                "user_id": str(first_user + n),
                "chat_id": str(first_user + n),
                "donor_id": donor_id,
                "created_at": now,
            }
            for n, donor_id in enumerate(donor_ids)
        ],
    )
