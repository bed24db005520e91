"""Telegram and Zalo in one process, with one delivery loop: a person on both links the chats with their
phone and birth date, and a push reaches them once, in the chat they used last (then the other one when
they block the bot there)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from models import announcements, outbox
from models.tables import ChannelAccount, Donor, Outbox
from tests.chats import Both, running_both
from tests.helpers import FixedClock


async def announce(both: Both, donor_id: int, text: str) -> None:
    async with both.app.sessions() as session, session.begin():
        await outbox.enqueue_for_donor(
            session,
            donor_id=donor_id,
            key=f"test:{text}",
            kind="announcement",
            text=text,
            due_at=both.tg.clock.now(),
        )
    if both.app.dispatcher.on_pushed is not None:
        both.app.dispatcher.on_pushed()


async def test_a_telegram_donor_links_zalo_and_gets_each_push_once(tmp_path: Path) -> None:
    async with running_both(tmp_path, FixedClock()) as both:
        tg_lan = both.telegram.user(7301, name="Lan")
        donor_id = await both.telegram.add_donor(tg_lan, phone="+84912730001", date_of_birth=date(1995, 8, 3))
        za_lan = both.zalo.user(7302, name="Lan")
        both.tg.clock.advance(minutes=5)  # later that day she writes on Zalo
        await both.zalo.send(za_lan, "/start")
        await both.zalo.choose(za_lan, "Đồng ý")
        await both.zalo.send(za_lan, "Nguyễn Thị Lan")
        await both.zalo.send(za_lan, "3/8/1995")
        await both.zalo.choose(za_lan, "Nữ")
        linked = "\n".join(await both.zalo.send(za_lan, "0912 730 001"))
        assert "đã nối cuộc trò chuyện này" in linked
        notice = await both.telegram.wait_for(tg_lan, "Zalo")  # the older chat hears of the new link
        assert "Lan" in notice or "hồ sơ" in notice

        await announce(both, donor_id, "Chủ nhật này hiến máu ở Tam Lưu")
        await both.zalo.wait_for(za_lan, "Chủ nhật này hiến máu")  # Zalo was used last
        for _ in range(200):  # the outcome is committed just after the send
            sent = await _rows(both, "test:Chủ nhật này hiến máu ở Tam Lưu")
            if [status for _, status in sent] == ["sent"]:
                break
            await asyncio.sleep(0.01)
        assert [status for _, status in sent] == ["sent"], "one row for the person, sent once"
        assert not any("Chủ nhật này" in t for t in both.telegram.texts(tg_lan)), "once, not on both"

        # Blocked on Zalo: the next push goes to Telegram.
        both.za.emu.block(za_lan)
        await announce(both, donor_id, "Cần máu nhóm O")
        await both.telegram.wait_for(tg_lan, "Cần máu nhóm O")
        async with both.app.sessions() as session:
            zalo = await session.scalar(select(ChannelAccount).where(ChannelAccount.platform == "zalo"))
        assert zalo is not None and zalo.unreachable_at is not None
        assert not any("Cần máu nhóm O" in t for t in both.zalo.texts(za_lan))


class RealClock(FixedClock):
    """The wall clock: the delivery loop puts a row back for later when its chat or platform must wait,
    and a clock that stands still would never bring it due."""

    def now(self) -> datetime:
        return datetime.now(UTC)


async def _rows(both: Both, prefix: str) -> list[tuple[str, str]]:
    async with both.app.sessions() as session:
        rows = await session.execute(select(Outbox.key, Outbox.status).where(Outbox.key.startswith(prefix)))
        return [(key, status) for key, status in rows.tuples()]


async def test_a_mixed_population_gets_one_announcement_each_on_the_right_channel(tmp_path: Path) -> None:
    """1,000 donors: 400 on Telegram only, 400 on Zalo only, 200 on both (half of them wrote on Zalo last);
    one of those on both blocked the bot on Zalo. Every donor gets the announcement exactly once, in the
    chat they used last, and the blocked one on Telegram."""
    fast = {"rate_per_second": 400.0, "per_chat_interval_seconds": 0.0}
    async with running_both(tmp_path, RealClock(), delivery=fast, zalo=fast) as both:
        now = both.tg.clock.now()
        first = 820_000_000
        plan: dict[int, list[tuple[str, datetime]]] = {}
        for n in range(1000):
            if n < 400:
                plan[n] = [("telegram", now)]
            elif n < 800:
                plan[n] = [("zalo", now)]
            else:  # on both; the even ones wrote on Zalo last, the odd ones on Telegram
                zalo_later = n % 2 == 0
                plan[n] = [
                    ("telegram", now - timedelta(days=1 if zalo_later else 0)),
                    ("zalo", now - timedelta(days=0 if zalo_later else 1)),
                ]
        async with both.app.sessions() as session, session.begin():
            await session.execute(
                insert(Donor),
                [
                    {
                        "full_name": f"Người hiến {n}",
                        "phone": f"+849{n:08d}",
                        "date_of_birth": date(1990, 1, 1),
                        "sex": "female",
                        "ward": "Tam Lưu",
                        "is_reserve": False,
                        "language": "vi",
                        "consent_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(1000)
                ],
            )
            ids = (await session.scalars(select(Donor.id).order_by(Donor.id))).all()
            await session.execute(
                insert(ChannelAccount),
                [
                    {
                        "platform": platform,
                        "user_id": str(first + n),
                        "chat_id": str(first + n),
                        "donor_id": ids[n],
                        "created_at": seen,
                        "linked_at": seen,
                        "last_seen_at": seen,
                    }
                    for n, accounts in plan.items()
                    for platform, seen in accounts
                ],
            )
        for n, accounts in plan.items():
            for platform, _ in accounts:
                if platform == "telegram":
                    both.tg.emu.user(first + n, "Người hiến", started=True)
                else:
                    both.za.emu.user(str(first + n), "Người hiến")
        blocked = 802  # on both, wrote on Zalo last, has blocked the bot there
        both.za.emu.block(both.za.emu.user(str(first + blocked)))

        async with both.app.sessions() as session, session.begin():
            created = await announcements.create(
                session,
                text="Mời bạn hiến máu Chủ nhật này",
                audience=announcements.Audience(),
                actor="test",
                now=now,
            )
        assert created.queued == 1000, "one row per person, not per chat"
        if both.app.dispatcher.on_pushed is not None:
            both.app.dispatcher.on_pushed()

        def received() -> tuple[Counter[int], Counter[int]]:
            tg = Counter(
                int(c.params["chat_id"]) - first
                for c in both.tg.emu.calls_to("sendMessage")
                if c.status == 200 and "Mời bạn hiến máu" in str(c.params.get("text"))
            )
            za = Counter(
                int(c.params["chat_id"]) - first
                for c in both.za.emu.calls_to("sendMessage")
                if c.ok and "Mời bạn hiến máu" in str(c.params.get("text"))
            )
            return tg, za

        for _ in range(600):
            tg, za = received()
            if len(tg) + len(za) >= 1000:
                break
            await asyncio.sleep(0.1)
        tg, za = received()
        assert set(tg) | set(za) == set(range(1000)), "every donor"
        assert max(tg.values()) == max(za.values()) == 1 and not set(tg) & set(za), "exactly once"
        expected_zalo = {n for n in plan if 400 <= n < 800 or (n >= 800 and n % 2 == 0)} - {blocked}
        assert set(za) == expected_zalo
        assert blocked in tg, "blocked on Zalo: on Telegram instead"
