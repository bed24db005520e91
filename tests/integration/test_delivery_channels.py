"""Pushes to people on several chats: one outbox row per person, its chat chosen when it is sent (the
chat they wrote from last, or `delivery.prefer_channel`), another chat of theirs when one is blocked, and
each platform paced on its own. A real `DeliveryLoop` with recording senders, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import SystemClock
from models import accounts, erasure, outbox
from models.db import create_engine, session_factory, upgrade_database_async
from models.outbox import Choices, File
from models.tables import ChannelAccount, Donor, Outbox
from scheduler.delivery import DeliveryLoop
from scheduler.pacer import Pace
from scheduler.sender import Permanent, RetryLater, Unreachable

Sessions = async_sessionmaker[AsyncSession]
EARLIER = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
FAST = Pace(5000.0, 0.0)


@dataclass
class RecordingSender:
    """A platform that records what reached which chat, and when; `blocked` chats raise `Unreachable`,
    `gone` chats `Permanent` "chat not found" (as Telegram's 400 says it)."""

    platform: str
    sent: list[tuple[str, str, float]] = field(default_factory=list)  # (chat, text, monotonic time)
    blocked: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    flood: float = 0.0  # every send answered "429, retry after `flood` seconds"
    tried: list[str] = field(default_factory=list)

    async def send(
        self,
        *,
        chat_id: str,
        text: str,
        choices: Choices,
        edit_message_id: str | None = None,
        file: File | None = None,
        contact_button: str | None = None,
        remove_keyboard: bool = False,
    ) -> None:
        self.tried.append(chat_id)
        if self.flood:
            raise RetryLater(self.flood)
        if chat_id in self.blocked:
            raise Unreachable("Forbidden: bot was blocked by the user")
        if chat_id in self.gone:
            raise Permanent("Bad Request: chat not found")
        self.sent.append((chat_id, text, time.monotonic()))

    def texts(self, chat_id: str) -> list[str]:
        return [text for chat, text, _ in self.sent if chat == chat_id]


@dataclass
class World:
    sessions: Sessions
    telegram: RecordingSender = field(default_factory=lambda: RecordingSender("telegram"))
    zalo: RecordingSender = field(default_factory=lambda: RecordingSender("zalo"))
    people: int = 0

    def loop(self, **settings: object) -> DeliveryLoop:
        paces = settings.pop("paces", {"telegram": FAST, "zalo": FAST})
        return DeliveryLoop(
            self.sessions,
            {"telegram": self.telegram, "zalo": self.zalo},
            SystemClock(),
            paces=paces,  # type: ignore[arg-type]
            **settings,  # type: ignore[arg-type]
        )

    async def donors(self, count: int, platforms: Collection[str], *, last: str | None = None) -> list[int]:
        """`count` donors, each with a chat on every one of `platforms` (chat id "<platform>-<n>"), the
        one on `last` written from last."""
        numbers = range(self.people + 1, self.people + count + 1)
        self.people += count
        async with self.sessions() as session, session.begin():
            donors = [
                Donor(
                    full_name=f"Người {n}",
                    phone=f"+8491{n:07d}",
                    date_of_birth=date(1995, 8, 3),
                    sex="female",
                    consent_at=EARLIER,
                )
                for n in numbers
            ]
            session.add_all(donors)
            await session.flush()
            session.add_all(
                ChannelAccount(
                    platform=p,
                    user_id=chat(p, n),
                    chat_id=chat(p, n),
                    donor_id=donor.id,
                    linked_at=EARLIER,
                    last_seen_at=EARLIER + timedelta(days=2 if p == last else 1),
                )
                for n, donor in zip(numbers, donors, strict=True)
                for p in platforms
            )
            return [donor.id for donor in donors]

    async def announce(self, donor_ids: list[int], key: str, text: str) -> int:
        async with self.sessions() as session, session.begin():
            queued = 0
            for donor_id in donor_ids:
                queued += await outbox.enqueue_for_donor(
                    session,
                    donor_id=donor_id,
                    key=f"{key}:{donor_id}",
                    kind="announcement",
                    text=text,
                    due_at=datetime.now(UTC),
                    batch=key,
                )
            return queued

    async def rows(self) -> list[Outbox]:
        async with self.sessions() as session:
            return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())

    async def account(self, platform: str, n: int) -> ChannelAccount:
        async with self.sessions() as session:
            found = await session.scalar(
                select(ChannelAccount).where(
                    ChannelAccount.platform == platform, ChannelAccount.user_id == f"{platform}-{n}"
                )
            )
            assert found is not None
            return found

    async def drain(self, loop: DeliveryLoop, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Runs the loop until no row is pending or sending any more."""
        stop = asyncio.Event()
        running = asyncio.create_task(loop.run(stop, idle_sleep=0.02))
        deadline = time.monotonic() + timeout
        try:
            while any(row.status in ("pending", "sending") for row in await self.rows()):
                assert time.monotonic() < deadline, "the outbox did not drain"
                assert not running.done(), "the loop stopped"
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await running


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    yield World(session_factory(engine))
    await engine.dispose()


def chat(platform: str, n: int) -> str:
    return f"{platform}-{n}"


async def test_a_thousand_donors_get_an_announcement_once_each_on_the_right_chat(world: World) -> None:
    telegram_only = await world.donors(300, ["telegram"])  # people 1..300
    zalo_only = await world.donors(300, ["zalo"])  # 301..600
    both_zalo_last = await world.donors(200, ["telegram", "zalo"], last="zalo")  # 601..800
    both_telegram_last = await world.donors(200, ["telegram", "zalo"], last="telegram")  # 801..1000
    everyone = telegram_only + zalo_only + both_zalo_last + both_telegram_last
    assert await world.announce(everyone, "announcement:1", "Ngày hội hiến máu") == 1000
    assert len(await world.rows()) == 1000, "one row per person, not per chat"

    await world.drain(world.loop())

    def reached(text: str) -> dict[int, list[str]]:
        """Person number → the chats the text reached."""
        got: dict[int, list[str]] = {}
        for sender in (world.telegram, world.zalo):
            for chat_id, sent, _ in sender.sent:
                if sent == text:
                    got.setdefault(int(chat_id.split("-")[1]), []).append(chat_id)
        return got

    first = reached("Ngày hội hiến máu")
    expected = {n: [chat("telegram" if n <= 300 else "zalo", n)] for n in range(1, 601)}
    expected |= {n: [chat("zalo", n)] for n in range(601, 801)}
    expected |= {n: [chat("telegram", n)] for n in range(801, 1001)}
    assert first == expected, "each donor once, on the chat they wrote from last"
    rows = await world.rows()
    assert {row.status for row in rows} == {"sent"}
    async with world.sessions() as session:
        platform_of = dict(
            (await session.execute(select(ChannelAccount.id, ChannelAccount.platform))).tuples().all()
        )
    by_platform = [platform_of[row.account_id] for row in rows]
    assert by_platform.count("zalo") == 500, "the records say where each went"

    # The operator prefers Zalo: people on both get the next one there, the others where they are.
    some = telegram_only[:50] + zalo_only[:50] + both_zalo_last + both_telegram_last
    assert await world.announce(some, "announcement:2", "Cảm ơn bạn") == 500
    await world.drain(world.loop(prefer_channel="zalo"))
    second = reached("Cảm ơn bạn")
    expected = {n: [chat("telegram", n)] for n in range(1, 51)}
    expected |= {n: [chat("zalo", n)] for n in [*range(301, 351), *range(601, 1001)]}
    assert second == expected


async def test_a_blocked_chat_hands_the_push_to_the_other_chat(world: World) -> None:
    (on_both,) = await world.donors(1, ["telegram", "zalo"], last="telegram")  # person 1
    (only_telegram,) = await world.donors(1, ["telegram"])  # person 2
    (chat_gone,) = await world.donors(1, ["telegram", "zalo"], last="telegram")  # person 3
    world.telegram.blocked = {chat("telegram", 1), chat("telegram", 2)}
    world.telegram.gone = {chat("telegram", 3)}
    await world.announce([on_both, only_telegram, chat_gone], "announcement:7", "Lịch hiến máu tháng 12")

    await world.drain(world.loop())

    assert world.telegram.tried == [chat("telegram", 1), chat("telegram", 2), chat("telegram", 3)]
    assert world.zalo.texts(chat("zalo", 1)) == ["Lịch hiến máu tháng 12"], "blocked on Telegram: on Zalo"
    assert world.zalo.texts(chat("zalo", 3)) == ["Lịch hiến máu tháng 12"], "chat not found: on Zalo"
    assert world.telegram.sent == [], "nothing reached a blocked chat"
    assert (await world.account("telegram", 1)).unreachable_at is not None
    assert (await world.account("telegram", 2)).unreachable_at is not None
    assert (await world.account("zalo", 1)).unreachable_at is None

    by_donor = {row.to_donor_id: row for row in await world.rows()}
    assert by_donor[on_both].status == "sent"
    assert by_donor[on_both].account_id == (await world.account("zalo", 1)).id
    assert by_donor[on_both].attempts == 1, "the blocked chat's try is not counted as an attempt"
    assert by_donor[chat_gone].status == "sent"
    assert by_donor[only_telegram].status == "failed", "no other chat: failed, nothing sent"
    assert (by_donor[only_telegram].last_error or "").startswith("unreachable")

    # Planning the next push: the blocked chat gets none, the person's other chat does.
    await world.announce([on_both, only_telegram], "announcement:8", "Nhắc lại")
    await world.drain(world.loop())
    assert world.zalo.texts(chat("zalo", 1)) == ["Lịch hiến máu tháng 12", "Nhắc lại"]
    assert world.telegram.tried.count(chat("telegram", 1)) == 1
    assert world.telegram.tried.count(chat("telegram", 2)) == 1, "no row for a person with no reachable chat"


async def test_a_person_whose_chats_all_became_unreachable_since_is_failed_not_sent(world: World) -> None:
    (donor_id,) = await world.donors(1, ["zalo"])
    await world.announce([donor_id], "announcement:3", "Tin mới")
    async with world.sessions() as session, session.begin():
        account = await session.scalar(select(ChannelAccount).where(ChannelAccount.donor_id == donor_id))
        assert account is not None
        account.unreachable_at = datetime.now(UTC)  # blocked on a turn before the push went
    await world.drain(world.loop())
    (row,) = await world.rows()
    assert (row.status, row.last_error) == ("failed", "no reachable chat")
    assert world.zalo.tried == [] and world.telegram.tried == []


async def test_each_platform_keeps_its_own_pace(world: World) -> None:
    zalo_people = await world.donors(20, ["zalo"])
    telegram_people = await world.donors(200, ["telegram"])
    await world.announce(zalo_people + telegram_people, "announcement:9", "Hiến máu cứu người")
    loop = world.loop(paces={"zalo": Pace(10.0, 1.0), "telegram": Pace(200.0, 1.0)})
    started = time.monotonic()
    await world.drain(loop)

    zalo_times = sorted(at for _, _, at in world.zalo.sent)
    telegram_times = sorted(at for _, _, at in world.telegram.sent)
    assert (len(zalo_times), len(telegram_times)) == (20, 200)
    # Zalo: never more than 10 in any second (the pacer's window is 1.02 s; a little slack for timers).
    assert all(later - earlier >= 0.97 for earlier, later in zip(zalo_times, zalo_times[10:], strict=False))
    assert zalo_times[-1] - zalo_times[0] >= 1.8
    # Telegram went at its own pace meanwhile, not held back to Zalo's: at 10/s its 200 would take 20 s and
    # Zalo's first second would see at most 10 of them. The bounds leave room for a loaded 2-core machine
    # (27 in that second were seen with a suite and three other sessions running).
    assert telegram_times[-1] - started < 8.0, telegram_times[-1] - started
    assert sum(1 for at in telegram_times if at < zalo_times[0] + 1.0) > 15
    assert all(
        later - earlier >= 0.97 for earlier, later in zip(telegram_times, telegram_times[200:], strict=False)
    )


async def test_erasing_a_donor_removes_their_pushes_whichever_chat_they_wait_for(world: World) -> None:
    donor_id, other = await world.donors(2, ["telegram", "zalo"], last="zalo")
    await world.announce([donor_id, other], "announcement:4", "Tin mới")
    async with world.sessions() as session, session.begin():
        donor = await session.get(Donor, donor_id)
        assert donor is not None
        await erasure.erase(session, donor, today=date(2026, 12, 2))
    async with world.sessions() as session:
        assert await erasure.count_rows_for(session, donor_id) == 0
    assert [row.to_donor_id for row in await world.rows()] == [other]


async def test_seen_moves_the_next_push_to_the_chat_written_from(world: World) -> None:
    (donor_id,) = await world.donors(1, ["telegram", "zalo"], last="zalo")
    async with world.sessions() as session, session.begin():
        account = await session.scalar(
            select(ChannelAccount).where(
                ChannelAccount.donor_id == donor_id, ChannelAccount.platform == "telegram"
            )
        )
        assert account is not None
        await accounts.seen(session, account, datetime.now(UTC))  # they wrote on Telegram just now
    await world.announce([donor_id], "announcement:5", "Xin chào")
    await world.drain(world.loop())
    assert world.telegram.texts(chat("telegram", 1)) == ["Xin chào"]
    assert world.zalo.sent == []


async def test_a_chat_taken_off_the_profile_gets_none_of_the_pushes_queued_for_it(world: World) -> None:
    (donor_id,) = await world.donors(1, ["telegram", "zalo"], last="zalo")
    await world.announce([donor_id], "announcement:6", "Tin riêng")
    (row,) = await world.rows()
    zalo = await world.account("zalo", 1)
    assert row.account_id == zalo.id  # queued for the chat used last
    async with world.sessions() as session, session.begin():
        telegram = await world.account("telegram", 1)
        assert await accounts.unlink(
            session, donor_id=donor_id, account_id=zalo.id, by_account_id=telegram.id
        )
    await world.drain(world.loop())
    assert world.zalo.sent == [], "nothing about the donor reaches the chat they removed"
    assert world.telegram.texts(chat("telegram", 1)) == ["Tin riêng"]


async def test_flood_control_on_one_platform_does_not_slow_the_other(world: World) -> None:
    zalo_people = await world.donors(30, ["zalo"])
    telegram_people = await world.donors(100, ["telegram"])
    world.zalo.flood = 30.0
    await world.announce(zalo_people + telegram_people, "announcement:10", "Tin gấp")
    loop = world.loop(paces={"zalo": Pace(10.0, 1.0), "telegram": Pace(200.0, 1.0)})
    stop = asyncio.Event()
    started = time.monotonic()
    running = asyncio.create_task(loop.run(stop, idle_sleep=0.02))
    for _ in range(250):  # up to 5 s
        if len(world.telegram.sent) == 100:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await running
    assert len(world.telegram.sent) == 100
    # 0.5 s at 200/s; slowed by the 30 s flood on Zalo it would take longer than 30 s
    assert world.telegram.sent[-1][2] - started < 3.0, "Telegram at its own pace while Zalo says 429"
    waiting = [row for row in await world.rows() if row.status != "sent"]
    assert len(waiting) == 30 and {row.status for row in waiting} == {"pending"}
    assert {row.attempts for row in waiting} == {0}, "a 429 uses up no attempt"
