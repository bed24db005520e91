"""Delivered push texts (which may hold a donor's name and phone) are blanked after the TTL, and chat
accounts made only to queue a reply are forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import accounts, outbox, outbox_claims
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import ChannelAccount, Organiser, Outbox

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def test_finished_push_texts_are_forgotten_pending_ones_kept(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        account = ChannelAccount(platform="telegram", user_id="9", chat_id="9", created_at=NOW)
        session.add(account)
        await session.flush()
        for key in ("old-sent", "old-pending"):
            await outbox.enqueue(
                session,
                key=key,
                account_id=account.id,
                kind="notice",
                text="Nguyễn Thị Lan, 0912 345 678, chóng mặt",
                about_donor_id=None,
                due_at=NOW - timedelta(days=8),
            )
        rows = {r.key: r for r in (await session.scalars(select(Outbox))).all()}
        for row in rows.values():
            row.created_at = NOW - timedelta(days=8)
        await outbox_claims.mark_sent(session, rows["old-sent"].id, now=NOW - timedelta(days=8))
    async with sessions() as session, session.begin():
        assert await outbox.forget_texts(session, before=NOW - timedelta(days=7)) == 1
    async with sessions() as session:
        rows = {r.key: r for r in (await session.scalars(select(Outbox))).all()}
        assert rows["old-sent"].payload == {"text": ""}
        assert "0912" in rows["old-pending"].payload["text"], "not yet delivered: kept"
    await engine.dispose()


async def test_bare_accounts_made_for_a_reply_go_once_nothing_waits(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    old = NOW - timedelta(days=8)
    async with sessions() as session, session.begin():
        ids: dict[str, int] = {}
        for name in ("bare", "waiting", "organiser", "removed", "fresh"):
            account = ChannelAccount(platform="telegram", user_id=name, chat_id=name, created_at=old)
            if name == "fresh":
                account.created_at = NOW
            if name == "removed":
                account.unlinked_from = 1  # a profile's owner took it off: the refusal must hold
            session.add(account)
            await session.flush()
            ids[name] = account.id
        session.add(Organiser(account_id=ids["organiser"], role="organiser", created_at=old))
        await outbox.enqueue(
            session,
            key="reply:w",
            account_id=ids["waiting"],
            kind="reply",
            text="Đã nhận số điện thoại.",
            about_donor_id=None,
            due_at=NOW,
        )
    async with sessions() as session, session.begin():
        assert await accounts.forget_bare_accounts(session, before=NOW - timedelta(days=7)) == 1
    async with sessions() as session:
        left = set((await session.scalars(select(ChannelAccount.user_id))).all())
    assert left == {"waiting", "organiser", "removed", "fresh"}
    await engine.dispose()
