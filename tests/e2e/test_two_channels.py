"""Telegram and Zalo in one process, with one delivery loop: a person on both links the chats with their
phone and birth date, and a push reaches them once, in the chat they used last (then the other one when
they block the bot there)."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from sqlalchemy import select

from models import outbox
from models.tables import ChannelAccount, Outbox
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


async def _rows(both: Both, prefix: str) -> list[tuple[str, str]]:
    async with both.app.sessions() as session:
        rows = await session.execute(select(Outbox.key, Outbox.status).where(Outbox.key.startswith(prefix)))
        return [(key, status) for key, status in rows.tuples()]
