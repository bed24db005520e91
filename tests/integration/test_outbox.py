"""The outbox queries, the same cases on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import accounts, erasure, outbox, outbox_claims
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import ChannelAccount, Donor, Outbox

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def add_donor(
    sessions: Sessions, phone: str = "+84912345678", accounts: int = 1
) -> tuple[int, list[int]]:
    """A donor with `accounts` Telegram accounts; returns (donor id, account ids)."""
    async with sessions() as session, session.begin():
        donor = Donor(
            full_name="Nguyễn Thị Lan",
            phone=phone,
            date_of_birth=date(1995, 8, 3),
            sex="female",
            consent_at=NOW,
        )
        session.add(donor)
        await session.flush()
        ids = []
        for n in range(accounts):
            user = f"{phone[-6:]}{n}"
            account = ChannelAccount(platform="telegram", user_id=user, chat_id=user, donor_id=donor.id)
            session.add(account)
            await session.flush()
            ids.append(account.id)
        return donor.id, ids


async def put(
    sessions: Sessions,
    account_id: int,
    key: str,
    *,
    kind: str = "reminder",
    due_at: datetime = NOW,
    batch: str | None = None,
) -> bool:
    async with sessions() as session, session.begin():
        return await outbox.enqueue(
            session,
            key=key,
            account_id=account_id,
            kind=kind,
            text=f"text of {key}",
            about_donor_id=None,
            choices=[[("Có", "yes"), ("Không", "no")]],
            due_at=due_at,
            batch=batch,
        )


async def rows(sessions: Sessions) -> list[Outbox]:
    async with sessions() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


async def claim(sessions: Sessions, *, now: datetime = NOW, limit: int = 100) -> list[Outbox]:
    async with sessions() as session, session.begin():
        return await outbox_claims.claim(session, now=now, limit=limit, lease=LEASE)


async def test_enqueue_twice_creates_one_row(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    assert await put(sessions, account, "thanks:7:1", kind="thanks") is True
    assert await put(sessions, account, "thanks:7:1", kind="callout", due_at=NOW + timedelta(days=1)) is False

    (row,) = await rows(sessions)
    assert (row.kind, row.priority, row.status, row.attempts, row.due_at) == ("thanks", 1, "pending", 0, NOW)
    assert row.payload == {
        "text": "text of thanks:7:1",
        "choices": [[{"label": "Có", "value": "yes"}, {"label": "Không", "value": "no"}]],
    }
    assert outbox.choices_of(row.payload) == [[("Có", "yes"), ("Không", "no")]]


async def test_a_reply_keeps_its_file_and_keyboard_and_is_seen_waiting(sessions: Sessions) -> None:
    qr = outbox.File("checkin-AB12CD.png", bytes(range(256)), "image/png", is_image=True)
    async with sessions() as session, session.begin():
        account = await accounts.ensure_account(
            session, platform="telegram", user_id="555", chat_id="555", now=NOW
        )  # someone not registered: a bare account row
        assert account == await accounts.ensure_account(
            session, platform="telegram", user_id="555", chat_id="555", now=NOW
        )
        await outbox.enqueue(
            session,
            key=f"reply:{account}:t:0",
            account_id=account,
            kind="reply",
            text="Mã check-in",
            about_donor_id=None,
            file=qr,
            contact_button="Gửi số",
            remove_keyboard=True,
            due_at=NOW,
        )
        assert await outbox.waiting_until(session, account_id=account, kind="reply") == NOW
        assert await outbox.waiting_until(session, account_id=account, kind="reminder") is None
    (row,) = await claim(sessions)
    assert (row.kind, row.priority) == ("reply", 0)
    assert outbox.file_of(row.payload) == qr
    assert (row.payload["contact_button"], row.payload["remove_keyboard"]) == ("Gửi số", True)
    async with sessions() as session, session.begin():
        assert await outbox.waiting_until(session, account_id=account, kind="reply") == NOW  # sending
        await outbox_claims.mark_sent(session, row.id, now=NOW)
        assert await outbox.waiting_until(session, account_id=account, kind="reply") is None
        await outbox.forget_texts(session, before=datetime.now(UTC) + timedelta(days=1))
    (row,) = await rows(sessions)
    assert outbox.file_of(row.payload) is None  # forgotten with the text once sent


async def test_concurrent_enqueues_of_one_key_insert_once(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    results = await asyncio.gather(*(put(sessions, account, "reminder:3:1:24h") for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    assert len(await rows(sessions)) == 1


async def test_enqueue_rejects_unknown_kinds_and_long_keys(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    with pytest.raises(ValueError, match="kind"):
        await put(sessions, account, "x:1", kind="spam")
    with pytest.raises(ValueError, match="key"):
        await put(sessions, account, "k" * 161)


async def test_enqueue_for_donor_skips_unreachable_accounts(sessions: Sessions) -> None:
    donor_id, (reachable, blocked) = await add_donor(sessions, accounts=2)
    async with sessions() as session, session.begin():
        await outbox_claims.mark_unreachable(session, blocked, now=NOW)
    for expected in (1, 0):  # planning twice creates nothing new
        async with sessions() as session, session.begin():
            created = await outbox.enqueue_for_donor(
                session,
                donor_id=donor_id,
                key="nudge:5",
                kind="nudge",
                text="Bạn đã có thể hiến lại",
                due_at=NOW,
            )
        assert created == expected
    (row,) = await rows(sessions)
    # one row for the person (key `{key}:p{donor}`), queued for their reachable chat
    assert (row.key, row.account_id, row.to_donor_id, row.priority) == (
        f"nudge:5:p{donor_id}",
        reachable,
        donor_id,
        3,
    )


async def test_claim_takes_due_rows_most_urgent_first(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    for key, kind, due in [
        ("a:1", "announcement", NOW - timedelta(hours=2)),
        ("r:1", "reminder", NOW),
        ("c:1", "callout", NOW - timedelta(minutes=1)),
        ("t:1", "thanks", NOW - timedelta(minutes=5)),
        ("c:2", "callout", NOW - timedelta(minutes=3)),
        ("later:1", "callout", NOW + timedelta(seconds=1)),
    ]:
        await put(sessions, account, key, kind=kind, due_at=due)

    claimed = await claim(sessions)
    assert [r.key for r in claimed] == ["c:2", "c:1", "t:1", "r:1", "a:1"]
    assert {(r.status, r.attempts, r.lease_until) for r in claimed} == {("sending", 1, NOW + LEASE)}
    assert [r.key for r in await claim(sessions, now=NOW + timedelta(seconds=1))] == ["later:1"]


async def test_claim_respects_limit_and_platforms(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    for n in range(5):
        await put(sessions, account, f"r:{n}")
    async with sessions() as session, session.begin():
        assert await outbox_claims.claim(session, now=NOW, limit=5, lease=LEASE, platforms=["zalo"]) == []
    assert [r.key for r in await claim(sessions, limit=2)] == ["r:0", "r:1"]
    assert [r.key for r in await claim(sessions, limit=10)] == ["r:2", "r:3", "r:4"]


async def test_claimed_rows_come_back_only_after_the_lease_expires(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    await put(sessions, account, "r:1")
    assert len(await claim(sessions)) == 1
    assert await claim(sessions, now=NOW + timedelta(seconds=59)) == []
    # The claimer crashed: once the lease is over, someone else takes the row again.
    (again,) = await claim(sessions, now=NOW + timedelta(seconds=60))
    assert (again.key, again.attempts, again.lease_until) == ("r:1", 2, NOW + timedelta(seconds=60) + LEASE)
    async with sessions() as session, session.begin():
        await outbox_claims.mark_sent(session, again.id, now=NOW + timedelta(seconds=61))
    assert await claim(sessions, now=NOW + timedelta(days=1)) == []
    (row,) = await rows(sessions)
    assert (row.status, row.sent_at, row.lease_until) == ("sent", NOW + timedelta(seconds=61), None)


async def test_abandoned_and_pending_rows_are_claimed_in_one_order(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    await put(sessions, account, "a:old", kind="announcement", due_at=NOW - timedelta(hours=1))
    await put(sessions, account, "c:old", kind="callout", due_at=NOW - timedelta(minutes=10))
    await put(sessions, account, "r:old", kind="reminder", due_at=NOW - timedelta(minutes=10))
    # A process claimed these three and died; their lease is over by NOW + LEASE.
    assert len(await claim(sessions, now=NOW - timedelta(minutes=1))) == 3
    later = NOW + LEASE
    await put(sessions, account, "c:new", kind="callout", due_at=later - timedelta(minutes=5))
    await put(sessions, account, "a:new", kind="announcement", due_at=later)

    first = await claim(sessions, now=later, limit=2)
    rest = await claim(sessions, now=later, limit=10)

    # Call-outs first (an abandoned one is older), then the reminder, then the announcements by due time.
    assert [r.key for r in first] == ["c:old", "c:new"]
    assert [r.key for r in rest] == ["r:old", "a:old", "a:new"]
    assert {r.key: r.attempts for r in first + rest} == {
        "c:old": 2,
        "c:new": 1,
        "r:old": 2,
        "a:old": 2,
        "a:new": 1,
    }


async def test_claim_for_one_platform_leaves_the_others(sessions: Sessions) -> None:
    _, (telegram,) = await add_donor(sessions)
    async with sessions() as session, session.begin():
        zalo = ChannelAccount(platform="zalo", user_id="z-1", chat_id="z-1")
        session.add(zalo)
        await session.flush()
        zalo_id = zalo.id
    await put(sessions, zalo_id, "c:zalo", kind="callout")
    await put(sessions, telegram, "a:telegram", kind="announcement")
    async with sessions() as session, session.begin():
        claimed = await outbox_claims.claim(session, now=NOW, limit=5, lease=LEASE, platforms=["telegram"])
    assert [r.key for r in claimed] == ["a:telegram"]
    assert {r.key: r.status for r in await rows(sessions)} == {"c:zalo": "pending", "a:telegram": "sending"}


async def test_a_claimer_never_takes_back_rows_it_is_still_sending(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    await put(sessions, account, "r:1")
    (mine,) = await claim(sessions)
    late = NOW + LEASE + timedelta(seconds=1)  # the lease is over, the send is not
    async with sessions() as session, session.begin():
        assert (
            await outbox_claims.claim(session, now=late, limit=5, lease=LEASE, still_sending={mine.id}) == []
        )
    (taken,) = await claim(sessions, now=late)  # another claimer (a restarted process) may take it
    assert (taken.id, taken.attempts) == (mine.id, 2)


async def test_unlinking_a_chat_cancels_what_waits_for_it_and_only_once(sessions: Sessions) -> None:
    donor_id, (owner, stranger) = await add_donor(sessions, accounts=2)
    other_id, _ = await add_donor(sessions, phone="+84912000999")
    await put(sessions, stranger, "reminder:1:stranger")
    await put(sessions, owner, "reminder:1:owner")
    async with sessions() as session, session.begin():
        assert (
            await accounts.unlink(session, donor_id=other_id, account_id=stranger, by_account_id=owner)
            is False
        )  # not theirs
        assert (
            await accounts.unlink(session, donor_id=donor_id, account_id=stranger, by_account_id=owner)
            is True
        )
    async with sessions() as session, session.begin():
        assert (
            await accounts.unlink(session, donor_id=donor_id, account_id=stranger, by_account_id=owner)
            is False
        )  # done already
        linked = {a.id: a.donor_id for a in await session.scalars(select(ChannelAccount))}
    assert linked[owner] == donor_id and linked[stranger] is None
    async with sessions() as session:
        account = await session.get(ChannelAccount, stranger)
        assert account is not None
        user = account.user_id
        assert not await accounts.may_link(session, donor_id=donor_id, platform="telegram", user_id=user)
        assert await accounts.may_link(session, donor_id=other_id, platform="telegram", user_id=user)
    state = {r.key: (r.status, r.last_error) for r in await rows(sessions)}
    assert state == {
        "reminder:1:stranger": ("cancelled", "unlinked"),
        "reminder:1:owner": ("pending", None),
    }


async def test_concurrent_claimers_never_share_a_row(sessions: Sessions) -> None:
    _, accounts = await add_donor(sessions, accounts=4)
    for n in range(40):
        await put(sessions, accounts[n % 4], f"a:{n}", kind="announcement")
    batches = await asyncio.gather(*(claim(sessions, limit=7) for _ in range(6)))
    ids = [r.id for batch in batches for r in batch]
    assert len(ids) == len(set(ids)) == 40
    assert {r.attempts for r in await rows(sessions)} == {1}


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_skip_locked_while_another_claim_is_open(sessions: Sessions) -> None:
    """PostgreSQL: a claimer whose transaction is still open does not block or share with a second one."""
    _, (account,) = await add_donor(sessions)
    for n in range(6):
        await put(sessions, account, f"c:{n}", kind="callout")
    async with sessions() as first, first.begin():
        held = await outbox_claims.claim(first, now=NOW, limit=4, lease=LEASE)
        other = await asyncio.wait_for(claim(sessions), timeout=5)
        assert [r.key for r in held] == ["c:0", "c:1", "c:2", "c:3"]
        assert [r.key for r in other] == ["c:4", "c:5"]


async def test_retry_failed_and_release(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    for key in ("r:1", "r:2", "r:3"):
        await put(sessions, account, key)
    one, two, three = await claim(sessions)
    later = NOW + timedelta(seconds=30)
    async with sessions() as session, session.begin():
        await outbox_claims.mark_retry(
            session, one.id, due_at=later, error="transient: Internal Server Error"
        )
        await outbox_claims.mark_retry(
            session, two.id, due_at=later, error="flood " * 100, count_attempt=False
        )
        await outbox_claims.release(session, three.id, due_at=later)
    by_key = {r.key: r for r in await rows(sessions)}
    assert (by_key["r:1"].status, by_key["r:1"].attempts, by_key["r:1"].due_at) == ("pending", 1, later)
    assert by_key["r:1"].last_error == "transient: Internal Server Error"
    assert (by_key["r:2"].attempts, len(by_key["r:2"].last_error or "")) == (0, 300)
    assert (by_key["r:3"].status, by_key["r:3"].attempts, by_key["r:3"].last_error) == ("pending", 0, None)
    assert await claim(sessions, now=later - timedelta(seconds=1)) == []
    again = await claim(sessions, now=later)
    async with sessions() as session, session.begin():
        await outbox_claims.mark_failed(session, again[0].id, error="permanent: Bad Request: chat not found")
    failed = (await rows(sessions))[0]
    assert (failed.status, failed.attempts, failed.lease_until) == ("failed", 2, None)


async def test_cancel_by_key_prefix(sessions: Sessions) -> None:
    _, (account,) = await add_donor(sessions)
    for key in ("reminder:12:1:24h", "reminder:12:2:24h", "reminder:123:1:24h", "reminder:1_:1", "thanks:12"):
        await put(sessions, account, key)
    sent_key = "reminder:12:9:2h"
    await put(sessions, account, sent_key, due_at=NOW - timedelta(days=1))
    (sent,) = await claim(sessions, now=NOW - timedelta(hours=1))
    async with sessions() as session, session.begin():
        await outbox_claims.mark_sent(session, sent.id, now=NOW)
        assert await outbox.cancel(session, key_prefix="reminder:12:") == 2
        assert await outbox.cancel(session, key_prefix="reminder:1_") == 1  # "_" is no wildcard
        assert await outbox.cancel(session, key_prefix="reminder:1%") == 0
        with pytest.raises(ValueError, match="empty"):
            await outbox.cancel(session, key_prefix="")
    statuses = {r.key: r.status for r in await rows(sessions)}
    assert statuses == {
        "reminder:12:1:24h": "cancelled",
        "reminder:12:2:24h": "cancelled",
        "reminder:123:1:24h": "pending",
        "reminder:1_:1": "cancelled",
        "thanks:12": "pending",
        sent_key: "sent",
    }


async def test_progress_counts_by_status(sessions: Sessions) -> None:
    _, accounts = await add_donor(sessions, accounts=5)
    for n, account in enumerate(accounts):
        await put(sessions, account, f"announcement:42:{n}", kind="announcement", batch="announcement:42")
    await put(sessions, accounts[0], "announcement:43:0", kind="announcement", batch="announcement:43")
    claimed = await claim(sessions, limit=3)
    async with sessions() as session, session.begin():
        assert await outbox.progress(session, "announcement:42") == {
            "pending": 2,
            "sending": 3,
            "sent": 0,
            "failed": 0,
            "cancelled": 0,
        }
        await outbox_claims.mark_sent(session, claimed[0].id, now=NOW)
        await outbox_claims.mark_failed(session, claimed[1].id, error="permanent: chat not found")
        await outbox.cancel(session, key_prefix="announcement:42:4")
    async with sessions() as session:
        assert await outbox.progress(session, "announcement:42") == {
            "pending": 1,
            "sending": 1,
            "sent": 1,
            "failed": 1,
            "cancelled": 1,
        }
        assert sum((await outbox.progress(session, "nothing")).values()) == 0


async def test_unreachable_account_gets_no_more_pushes(sessions: Sessions) -> None:
    _, (blocked, other) = await add_donor(sessions, accounts=2)
    await put(sessions, blocked, "r:1")
    await put(sessions, blocked, "r:2")
    await put(sessions, other, "r:3")
    (first, *_) = await claim(sessions, limit=1)
    async with sessions() as session, session.begin():
        await outbox_claims.mark_failed(
            session, first.id, error="unreachable: Forbidden: bot was blocked by the user"
        )
        assert await outbox_claims.mark_unreachable(session, blocked, now=NOW) == 1
        # A retry recorded later for a cancelled row does not bring it back.
        await outbox_claims.mark_retry(session, first.id, due_at=NOW, error="late")
    async with sessions() as session:
        account = await session.get(ChannelAccount, blocked)
        assert account is not None and account.unreachable_at == NOW
    assert {r.key: r.status for r in await rows(sessions)} == {
        "r:1": "failed",
        "r:2": "cancelled",
        "r:3": "pending",
    }


async def test_erasing_a_donor_removes_their_pushes(sessions: Sessions) -> None:
    donor_id, (account,) = await add_donor(sessions)
    _, (someone_else,) = await add_donor(sessions, phone="+84987654321")
    await put(sessions, account, "thanks:1:1", kind="thanks")
    await put(sessions, account, "reminder:1:1:24h")
    await put(sessions, someone_else, "reminder:1:2:24h")
    async with sessions() as session, session.begin():
        donor = await session.get(Donor, donor_id)
        assert donor is not None
        await erasure.erase(session, donor, today=date(2026, 11, 23))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Outbox)) == 1
        assert await session.scalar(select(Outbox.key)) == "reminder:1:2:24h"


async def test_a_reply_tried_again_takes_the_chats_later_replies_with_it(sessions: Sessions) -> None:
    """A turn's .ics is being sent when the chat's next turn queues its answer behind it (due no sooner
    than the .ics was); the .ics then fails and is due later: the answer must not go first."""
    _, (account, other) = await add_donor(sessions, accounts=2)
    await put(sessions, account, "reply:ics", kind="reply")
    (ics,) = await claim(sessions)  # sending
    await put(sessions, account, "reply:next-turn", kind="reply")  # due NOW, like the .ics was
    await put(sessions, account, "reminder:1", kind="reminder")  # not a reply: keeps its time
    await put(sessions, other, "reply:other-chat", kind="reply")  # another chat: keeps its time
    later = NOW + timedelta(seconds=30)
    async with sessions() as session, session.begin():
        await outbox_claims.mark_retry(
            session, ics.id, due_at=later, error="transient: Internal Server Error"
        )
    assert sorted(r.key for r in await claim(sessions)) == ["reminder:1", "reply:other-chat"]
    assert [r.key for r in await claim(sessions, now=later)] == ["reply:ics", "reply:next-turn"]
