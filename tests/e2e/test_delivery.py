"""The delivery loop end to end: outbox → DeliveryLoop → TelegramSender → real PTB Bot → Bot API emulator."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import RetryAfter

from bot.channels.telegram_sender import TelegramSender, retry_after_seconds
from emulators.telegram import ApiCall, ApiError, FailCalls, FaultInjector, RateLimiter, TelegramEmulator
from models import outbox, outbox_claims
from models.db import create_engine, session_factory, upgrade_database_async
from models.outbox import PRIORITY, File
from models.tables import ChannelAccount, Outbox
from scheduler.delivery import DeliveryLoop

pytestmark = pytest.mark.timeout(20)

Sessions = async_sessionmaker[AsyncSession]


class WallClock:
    """Real time, so backoffs and retry_after are real (and kept short in these tests)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class World:
    emu: TelegramEmulator
    sessions: Sessions
    sender: TelegramSender
    clock: WallClock

    def loop(self, **settings: Any) -> DeliveryLoop:
        settings.setdefault("base_backoff", 0.01)
        settings.setdefault("rate", 200.0)
        return DeliveryLoop(self.sessions, {"telegram": self.sender}, self.clock, **settings)

    async def account(self, user_id: int) -> int:
        async with self.sessions() as session, session.begin():
            account = ChannelAccount(platform="telegram", user_id=str(user_id), chat_id=str(user_id))
            session.add(account)
            await session.flush()
            return account.id

    async def put(
        self,
        account_id: int,
        key: str,
        *,
        kind: str = "reminder",
        text: str | None = None,
        choices: list[list[tuple[str, str]]] | None = None,
    ) -> None:
        async with self.sessions() as session, session.begin():
            assert await outbox.enqueue(
                session,
                key=key,
                account_id=account_id,
                kind=kind,
                text=text or f"msg {key}",
                about_donor_id=None,
                choices=choices or [],
                due_at=self.clock.now(),
            )

    async def rows(self) -> dict[str, Outbox]:
        async with self.sessions() as session:
            return {r.key: r for r in (await session.scalars(select(Outbox))).all()}

    async def drain(self, loop: DeliveryLoop, timeout: float = 8.0) -> None:  # noqa: ASYNC109
        """Runs batches until no row is pending or sending any more."""
        deadline = time.monotonic() + timeout
        while True:
            if await loop.run_once() == 0:
                if not any(r.status in ("pending", "sending") for r in (await self.rows()).values()):
                    return
                await asyncio.sleep(0.01)
            assert time.monotonic() < deadline, "the outbox did not drain"

    def sends(self, chat_id: int | None = None) -> list[ApiCall]:
        return [
            c
            for c in self.emu.calls_to("sendMessage")
            if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)
        ]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'delivery.sqlite3'}"
    await upgrade_database_async(url)
    engine = create_engine(url)
    async with (
        TelegramEmulator() as emu,
        Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot,
    ):
        yield World(emu, session_factory(engine), TelegramSender(bot), WallClock())
    await engine.dispose()


async def test_fifty_pushes_arrive_once_each_most_urgent_first(world: World) -> None:
    limits = world.emu.add_hook(RateLimiter(per_bot=30, per_chat=1))
    kinds = ["announcement", "reminder", "callout", "nudge", "thanks"]
    users = [world.emu.user(2000 + n, f"U{n}", started=True) for n in range(50)]
    expected: dict[int, tuple[str, str]] = {}
    for n, user in enumerate(users):
        kind = kinds[n % len(kinds)]
        account = await world.account(user.id)
        await world.put(account, f"{kind}:{n}:{account}", kind=kind, choices=[[("Tôi sẽ đến", f"yes:{n}")]])
        expected[user.id] = (kind, f"msg {kind}:{n}:{account}")

    loop = world.loop(rate=28.0, batch_size=20)  # Telegram's ~30/s, with a margin for network jitter
    started = time.monotonic()
    await world.drain(loop)
    assert time.monotonic() - started < 3.0

    assert isinstance(limits, RateLimiter) and limits.rejected == 0
    for user in users:
        (message,) = world.emu.messages(user)
        assert message.text == expected[user.id][1]
        assert [[b["text"] for b in row] for row in message.inline_keyboard] == [["Tôi sẽ đến"]]
    order = [PRIORITY[expected[int(c.params["chat_id"])][0]] for c in world.sends()]
    assert order == sorted(order)
    rows = (await world.rows()).values()
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
    assert loop.stats == Counter(sent=50)


async def test_a_blocked_user_is_marked_unreachable_and_not_retried(world: World) -> None:
    blocked = world.emu.user(3001, "Blocked", started=True)
    blocked.blocked = True
    fine = world.emu.user(3002, "Fine", started=True)
    blocked_account, fine_account = await world.account(blocked.id), await world.account(fine.id)
    await world.put(blocked_account, "callout:1", kind="callout")
    await world.put(blocked_account, "reminder:1")
    await world.put(fine_account, "reminder:2")

    loop = world.loop()
    await world.drain(loop)

    rows = await world.rows()
    assert (rows["callout:1"].status, rows["callout:1"].attempts) == ("failed", 1)
    assert rows["callout:1"].last_error == "unreachable: Forbidden: bot was blocked by the user"
    assert rows["reminder:1"].status == "cancelled"
    assert rows["reminder:2"].status == "sent"
    assert len(world.sends(blocked.id)) == 1
    async with world.sessions() as session:
        account = await session.get(ChannelAccount, blocked_account)
        assert account is not None and account.unreachable_at is not None


async def test_server_errors_are_retried_until_delivered_without_duplicates(world: World) -> None:
    faults = FaultInjector(server_error=0.3, seed=11)
    world.emu.add_hook(faults)
    users = [world.emu.user(4000 + n, started=True) for n in range(30)]
    for n, user in enumerate(users):
        await world.put(await world.account(user.id), f"announcement:9:{n}", kind="announcement")

    loop = world.loop(max_attempts=12, batch_size=10)
    await world.drain(loop)

    for n, user in enumerate(users):
        assert [m.text for m in world.emu.messages(user)] == [f"msg announcement:9:{n}"]
    rows = (await world.rows()).values()
    assert {r.status for r in rows} == {"sent"}
    assert max(r.attempts for r in rows) > 1
    assert faults.injected["server_error"] > 0
    # Every attempt is one call: the successful ones plus the injected 500s.
    assert sum(r.attempts for r in rows) == 30 + faults.injected["server_error"] == len(world.sends())
    assert any((r.last_error or "").startswith("transient: NetworkError") for r in rows)


async def test_queued_replies_keep_their_order_and_files_when_one_must_be_retried(world: World) -> None:
    lan = world.emu.user(4100, "Lan", started=True)
    account = await world.account(lan.id)
    ics = File("hien-mau.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    qr = File("checkin.png", b"\x89PNG fake", "image/png", is_image=True)
    async with world.sessions() as session, session.begin():
        for n, (text, file) in enumerate([("Đã giữ chỗ", None), ("Lịch hẹn", ics), ("Mã QR", qr)]):
            await outbox.enqueue(
                session,
                key=f"reply:{account}:t:{n}",
                account_id=account,
                kind="reply",
                text=text,
                about_donor_id=None,
                file=file,
                contact_button="Gửi số điện thoại" if n == 0 else None,
                due_at=world.clock.now(),
            )
    world.emu.add_hook(FailCalls("sendDocument", {1}))  # the .ics fails once; the QR must wait for it

    await world.drain(world.loop(per_chat_interval=0.05))

    messages = world.emu.messages(lan)
    assert [(m.kind, m.text) for m in messages] == [
        ("text", "Đã giữ chỗ"),
        ("document", "Lịch hẹn"),
        ("photo", "Mã QR"),
    ]
    assert messages[0].reply_keyboard == [[{"text": "Gửi số điện thoại", "request_contact": True}]]
    assert messages[1].file is not None and messages[1].file.filename == "hien-mau.ics"
    assert messages[1].file.content == ics.content
    assert [r.attempts for r in sorted((await world.rows()).values(), key=lambda r: r.id)] == [1, 2, 1]


async def test_per_chat_pacing_avoids_429s(world: World) -> None:
    limits = RateLimiter(per_bot=30, per_chat=1)
    world.emu.add_hook(limits)
    user = world.emu.user(5001, started=True)
    account = await world.account(user.id)
    await world.put(account, "thanks:1", kind="thanks")
    await world.put(account, "followup:1", kind="followup")

    await world.drain(world.loop())

    assert limits.rejected == 0
    assert [m.text for m in world.emu.messages(user)] == ["msg thanks:1", "msg followup:1"]
    first, second = world.sends(user.id)
    assert second.at - first.at >= 1.0


async def test_paid_broadcast_sends_past_the_free_limit_without_429s(world: World) -> None:
    limits = RateLimiter(per_bot=30, per_chat=1, paid_per_bot=1000)
    world.emu.add_hook(limits)
    users = [world.emu.user(6800 + n, started=True) for n in range(60)]
    for n, user in enumerate(users):
        await world.put(await world.account(user.id), f"announcement:1:{n}", kind="announcement")
    world.sender.paid_broadcast = True  # [delivery] paid_broadcast = true

    await world.drain(world.loop(rate=150.0))

    sends = world.sends()
    assert limits.rejected == 0
    assert len(sends) == 60
    assert all(c.params.get("allow_paid_broadcast") is True for c in sends)
    assert sends[-1].at - sends[0].at < 1.0  # 60 messages in under a second: above the free 30 msg/s


# PTB itself warns when it builds a RetryAfter while PTB_TIMEDELTA is unset.
QUIET_PTB = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@QUIET_PTB
async def test_a_429_is_retried_after_retry_after_and_delivered_once(world: World) -> None:
    limited = world.emu.user(5101, started=True)
    other = world.emu.user(5102, started=True)
    refused: list[float] = []

    async def once_429(call: ApiCall) -> None:
        to_limited = str(call.params.get("chat_id")) == str(limited.id)
        if call.method.lower() == "sendmessage" and to_limited and not refused:
            refused.append(call.at)
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})

    world.emu.add_hook(once_429)
    await world.put(await world.account(limited.id), "callout:1", kind="callout")
    await world.put(await world.account(other.id), "reminder:1")

    loop = world.loop()
    await world.drain(loop)

    assert [m.text for m in world.emu.messages(limited)] == ["msg callout:1"]
    assert [m.text for m in world.emu.messages(other)] == ["msg reminder:1"]
    refused_call, delivered = world.sends(limited.id)
    assert (refused_call.status, delivered.status) == (429, 200)
    assert delivered.at - refused_call.at >= 1.0
    (other_call,) = world.sends(other.id)
    assert other_call.at < refused_call.at + 0.5  # other chats were not paused
    row = (await world.rows())["callout:1"]
    assert (row.status, row.attempts) == ("sent", 1)  # flood control used no attempt
    assert loop.stats["rate_limited"] == 1


async def test_chat_not_found_fails_without_retry(world: World) -> None:
    stranger = 6001  # never wrote to the bot
    await world.put(await world.account(stranger), "thanks:1", kind="thanks")

    await world.drain(world.loop())

    row = (await world.rows())["thanks:1"]
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "permanent: Chat not found"  # PTB drops the "Bad Request: " prefix
    assert len(world.sends(stranger)) == 1


async def test_a_callout_overtakes_a_running_announcement(world: World) -> None:
    users = [world.emu.user(7000 + n, started=True) for n in range(60)]
    for n, user in enumerate(users[:-1]):
        await world.put(await world.account(user.id), f"announcement:1:{n}", kind="announcement")
    urgent = await world.account(users[-1].id)

    loop = world.loop(rate=100.0, batch_size=10)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop, idle_sleep=5.0))
    await world.emu.wait_until(lambda: len(world.sends()) >= 15, what="the announcement to be under way")
    await world.put(urgent, "callout:1", kind="callout")
    loop.wake()
    await world.emu.wait_until(lambda: len(world.sends()) == 60, what="everything to be sent")
    stop.set()
    await asyncio.wait_for(task, timeout=5)

    position = [int(c.params["chat_id"]) for c in world.sends()].index(users[-1].id)
    # Within the next batch (or the one after, if that was claimed ahead while the last
    # `claim_ahead` rows of the current one were paced), not after the 59 announcements.
    assert position <= 15 + loop.claim_size + loop.claim_ahead


async def test_a_chat_in_two_overlapping_batches_keeps_its_order_and_interval(world: World) -> None:
    limits = RateLimiter(per_bot=1000, per_chat=1, window=0.3)
    world.emu.add_hook(limits)
    lan = world.emu.user(6500, started=True)
    others = [world.emu.user(6501 + n, started=True) for n in range(19)]
    lan_account = await world.account(lan.id)
    # Lan's first row is the last of the first batch (10 rows), her second the first of the next one,
    # which starts while the first is still being sent.
    for n, user in enumerate(others[:9]):
        await world.put(await world.account(user.id), f"a:{n}", kind="announcement")
    await world.put(lan_account, "a:lan:1", kind="announcement")
    await world.put(lan_account, "a:lan:2", kind="announcement")
    for n, user in enumerate(others[9:], start=9):
        await world.put(await world.account(user.id), f"a:{n}", kind="announcement")

    loop = world.loop(rate=100.0, batch_size=10, per_chat_interval=0.3)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    await world.emu.wait_until(lambda: len(world.sends()) == 21, what="every row to be sent")
    stop.set()
    await asyncio.wait_for(task, timeout=5)

    assert loop.claim_size == 10
    assert limits.rejected == 0
    assert [m.text for m in world.emu.messages(lan)] == ["msg a:lan:1", "msg a:lan:2"]
    first, second = world.sends(lan.id)
    assert second.at - first.at >= 0.3
    assert {r.status for r in (await world.rows()).values()} == {"sent"}


async def test_stopping_gives_back_the_batch_claimed_ahead(world: World) -> None:
    users = [world.emu.user(6600 + n, started=True) for n in range(40)]
    for n, user in enumerate(users):
        await world.put(await world.account(user.id), f"a:{n}", kind="announcement")
    loop = world.loop(rate=50.0, batch_size=10)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    await world.emu.wait_until(lambda: len(world.sends()) >= 8, what="the first batch to be under way")
    await world.emu.wait_until(lambda: loop._ahead is not None, what="the next batch to be claimed ahead")
    stop.set()
    await asyncio.wait_for(task, timeout=5)

    rows = (await world.rows()).values()
    sent = {r.key for r in rows if r.status == "sent"}
    assert {r.status for r in rows} == {"sent", "pending"}  # nothing left leased to a stopped loop
    assert all(r.attempts == 0 for r in rows if r.status == "pending")
    assert len(sent) == len(world.sends()) < 40

    await world.drain(world.loop())  # another process takes the rest at once, not after the lease
    assert len(world.sends()) == 40


async def test_a_send_that_outlives_its_lease_is_not_taken_back(world: World) -> None:
    user = world.emu.user(6700, started=True)
    await world.put(await world.account(user.id), "callout:1", kind="callout")
    world.emu.add_hook(FaultInjector(timeout=1.0, timeout_delay=0.8))  # Telegram answers after 0.8 s
    loop = world.loop(lease=timedelta(seconds=0.2))
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop, idle_sleep=0.05))
    await world.emu.wait_for_messages(user, 1, timeout=3)
    await asyncio.sleep(1.5)  # a second claim of the row would send it again after the 1 s chat interval
    stop.set()
    await asyncio.wait_for(task, timeout=5)

    assert len(world.sends(user.id)) == 1
    assert (await world.rows())["callout:1"].status == "sent"


async def test_rows_of_a_crashed_process_are_sent_after_their_lease(world: World) -> None:
    user = world.emu.user(8001, started=True)
    await world.put(await world.account(user.id), "reminder:1")
    async with world.sessions() as session, session.begin():  # claimed, then the process died
        (claimed,) = await outbox_claims.claim(
            session, now=world.clock.now(), limit=5, lease=timedelta(seconds=0.3)
        )

    loop = world.loop(lease=timedelta(seconds=0.3))
    assert await loop.run_once() == 0
    await asyncio.sleep(0.35)
    await world.drain(loop)

    assert [m.text for m in world.emu.messages(user)] == ["msg reminder:1"]
    row = (await world.rows())["reminder:1"]
    assert (row.id, row.status, row.attempts) == (claimed.id, "sent", 2)


async def test_idle_loop_wakes_up_for_new_rows_and_stops(world: World) -> None:
    user = world.emu.user(8101, started=True)
    account = await world.account(user.id)
    loop = world.loop()
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop, idle_sleep=30.0))
    await asyncio.sleep(0.05)
    await world.put(account, "callout:1", kind="callout")
    loop.wake()
    await world.emu.wait_for_messages(user, 1, timeout=2)
    stop.set()
    await asyncio.wait_for(task, timeout=2)  # does not sit out idle_sleep


@QUIET_PTB
@pytest.mark.parametrize(
    ("make", "seconds"),
    [(lambda: RetryAfter(3), 3.0), (lambda: RetryAfter(timedelta(seconds=2.5)), 2.5)],
)
def test_retry_after_as_int_or_timedelta(
    make: Callable[[], RetryAfter], seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert retry_after_seconds(make()) == seconds
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB then hands out timedeltas
    assert retry_after_seconds(make()) == seconds
