"""The delivery loop's side of the outbox: claiming due rows under a lease, and recording how each send
ended (sent, retry later, given back untried, failed, the person blocked the bot), and expiring rows
too late to send. Never commits: the loop's unit of work does (`scheduler.delivery`).

Apart from `models.outbox` (what is queued, withdrawn, forgotten) because only the loop uses it, and it
is where the lease's guarantees live: a row is sent by one claimer at a time, and a row being sent is
never taken back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from models import routing
from models.db import dialect, rowcount
from models.outbox import clip_error
from models.tables import ChannelAccount, Outbox


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    platforms: Collection[str] | None = None,
    expire_first: bool = True,
    still_sending: Collection[int] = (),
    queued_on: Collection[str] | None = None,
) -> list[Outbox]:
    """Takes up to `limit` due rows, most urgent first, and leases them to the caller until `now + lease`.

    Due means `pending` with `due_at <= now`, or `sending` with an expired lease (the process that
    claimed it crashed). On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent claimers
    (several instances) get disjoint rows; on SQLite the transaction's BEGIN IMMEDIATE serialises them.
    `platforms` restricts the claim to accounts this process can send to. Rows past their `expires_at`
    are never claimed; `expire_first` also cancels them (a busy caller may do that less often).
    `still_sending` are rows the caller itself is still sending: never taken back, whatever their lease
    says (a send that outlives its lease, or a clock that jumps, must not send them twice).
    `queued_on` keeps to rows queued for a chat on those platforms (their `account_id` before `route`
    chooses again): the loop's extra claim for a platform that would otherwise get too few.

    The two kinds of due row are read by two queries that each walk `ix_outbox_claim` in claim order
    and stop at `limit`: one query with an OR between them made SQLite sort every waiting row on each
    claim (about 20 ms per claim with 10,000 rows waiting, a fifth of a 1,000 msg/s broadcast).
    """
    if expire_first:
        await expire(session, now=now)
    abandoned = and_(Outbox.status == "sending", Outbox.lease_until <= now)
    if still_sending:
        abandoned = and_(abandoned, Outbox.id.not_in(list(still_sending)))
    due = [and_(Outbox.status == "pending", Outbox.due_at <= now), abandoned]
    rows: list[Outbox] = []
    for condition in due:
        statement = (
            select(Outbox)
            .where(condition, or_(Outbox.expires_at.is_(None), Outbox.expires_at > now))
            .order_by(Outbox.priority, Outbox.due_at, Outbox.id)
            .limit(limit)
        )
        if platforms is not None or queued_on is not None:
            statement = statement.join(ChannelAccount, ChannelAccount.id == Outbox.account_id)
        if platforms is not None:
            statement = statement.where(_ours(list(platforms)))
        if queued_on is not None:
            statement = statement.where(ChannelAccount.platform.in_(list(queued_on)))
        if dialect(session) == "postgresql":
            statement = statement.with_for_update(skip_locked=True, of=Outbox)
        rows.extend((await session.scalars(statement)).all())
    rows = sorted(rows, key=lambda row: (row.priority, row.due_at, row.id))[:limit]
    if not rows:
        return []
    lease_until = now + lease
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_([row.id for row in rows]))
        .values(status="sending", lease_until=lease_until, attempts=Outbox.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    for row in rows:  # what the UPDATE wrote, without a second round of UPDATEs at flush
        set_committed_value(row, "status", "sending")
        set_committed_value(row, "lease_until", lease_until)
        set_committed_value(row, "attempts", row.attempts + 1)
    return rows


def _ours(platforms: list[str]) -> ColumnElement[bool]:
    """Rows this caller can send: to a chat on one of its `platforms`, or to a person (`to_donor_id`)
    with a reachable chat on one of them, or with no reachable chat at all (`route` fails those)."""
    chat = aliased(ChannelAccount)
    reachable = select(chat.id).where(chat.donor_id == Outbox.to_donor_id, chat.unreachable_at.is_(None))
    return or_(
        and_(Outbox.to_donor_id.is_(None), ChannelAccount.platform.in_(platforms)),
        and_(
            Outbox.to_donor_id.is_not(None),
            or_(reachable.where(chat.platform.in_(platforms)).exists(), ~reachable.exists()),
        ),
    )


NO_CHAT: Final = "no reachable chat"
"""`last_error` of a push to a person none of whose chats the caller can reach."""


async def route(
    session: AsyncSession,
    rows: list[Outbox],
    *,
    platforms: Collection[str] | None,
    prefer: str = "last_used",
) -> tuple[list[Outbox], list[Outbox], dict[int, tuple[str, str]]]:
    """Chooses the chat of each claimed push to a person (`models.routing.choose`) and writes it to the
    row's `account_id`, so the records say where it went. Returns (rows to send, rows failed: the person
    has no reachable chat on `platforms`, last_error `NO_CHAT`; and the platform and chat id of every
    account chosen, read with the choice so the claim need not read them again). Rows to one chat pass
    unchanged."""
    routed = [row for row in rows if row.to_donor_id is not None]
    where: dict[int, tuple[str, str]] = {}
    if not routed:
        return rows, [], where
    chats = await routing.reachable_accounts(session, {row.to_donor_id for row in routed if row.to_donor_id})
    moves: list[dict[str, Any]] = []
    failed: list[Outbox] = []
    for row in routed:
        assert row.to_donor_id is not None
        chosen = routing.choose(chats.get(row.to_donor_id, ()), prefer=prefer, platforms=platforms)
        if chosen is None:
            failed.append(row)
            continue
        where[chosen.id] = (chosen.platform, chosen.chat_id)
        if chosen.id != row.account_id:
            moves.append({"id": row.id, "account_id": chosen.id})
            set_committed_value(row, "account_id", chosen.id)
    if moves:
        await session.execute(update(Outbox), moves)  # executemany by primary key
    for row in failed:
        await mark_failed(session, row.id, error=NO_CHAT)
    gone = {row.id for row in failed}
    return [row for row in rows if row.id not in gone], failed, where


async def reroute(
    session: AsyncSession,
    outbox_id: int,
    *,
    donor_id: int,
    now: datetime,
    error: str,
    platforms: Collection[str] | None,
    prefer: str = "last_used",
) -> int | None:
    """A push to a person whose chat turned out blocked goes to another of their reachable chats: pending
    again at once for it, the attempt not counted. Returns that chat's account id, or None when there is
    none (the row is left as it is). Mark the blocked account unreachable first (`mark_unreachable`)."""
    chats = await routing.reachable_accounts(session, [donor_id])
    chosen = routing.choose(chats.get(donor_id, ()), prefer=prefer, platforms=platforms)
    if chosen is None:
        return None
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.status == "sending")
        .values(
            status="pending",
            account_id=chosen.id,
            due_at=now,
            lease_until=None,
            attempts=Outbox.attempts - 1,
            last_error=clip_error(error),
        )
        .execution_options(synchronize_session=False)
    )
    return chosen.id


async def expire(session: AsyncSession, *, now: datetime) -> int:
    """Cancels the rows still waiting at their `expires_at` (last_error "expired"); returns how many.

    Waiting means `pending`, or `sending` with an expired lease (its claimer died before sending, or
    after sending but before recording it: either way it is too late now). Rows another claimer holds
    are skipped (SKIP LOCKED on PostgreSQL), so expiry never waits for a batch in flight.
    """
    statement = select(Outbox.id).where(
        Outbox.expires_at <= now,
        or_(
            Outbox.status == "pending",
            and_(Outbox.status == "sending", Outbox.lease_until <= now),
        ),
    )
    if dialect(session) == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    ids = list((await session.scalars(statement)).all())
    if not ids:
        return 0
    result = await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids))
        .values(status="cancelled", lease_until=None, last_error="expired")
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def mark_sent(session: AsyncSession, outbox_id: int, *, now: datetime) -> None:
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(status="sent", sent_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    )


async def mark_retry(
    session: AsyncSession,
    outbox_id: int,
    *,
    due_at: datetime,
    error: str,
    count_attempt: bool = True,
) -> None:
    """Back to `pending` until `due_at`, and for a reply the chat's replies queued after it too.
    `count_attempt=False` (a 429, or a chat that must wait) gives back the attempt the claim counted, so
    flood control never uses up the row's attempts."""
    values: dict[str, Any] = {
        "status": "pending",
        "due_at": due_at,
        "lease_until": None,
        "last_error": clip_error(error),
    }
    if not count_attempt:
        values["attempts"] = Outbox.attempts - 1  # a `sending` row was counted at its claim
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.status == "sending")  # never revive a cancelled row
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    # A reply's chat keeps its order: the replies queued behind it while it was being sent (the next
    # turn's, due no sooner than it was) wait as long, so they cannot overtake it.
    tried = aliased(Outbox)
    chat = select(tried.account_id).where(tried.id == outbox_id, tried.kind == "reply").scalar_subquery()
    await session.execute(
        update(Outbox)
        .where(
            Outbox.account_id == chat,
            Outbox.kind == "reply",
            Outbox.status == "pending",
            Outbox.id > outbox_id,
            Outbox.due_at < due_at,
        )
        .values(due_at=due_at)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, outbox_id: int, *, due_at: datetime) -> None:
    """Gives a claimed row back untried (its chat must wait): pending at `due_at`, attempt not counted."""
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.status == "sending")
        .values(status="pending", due_at=due_at, lease_until=None, attempts=Outbox.attempts - 1)
        .execution_options(synchronize_session=False)
    )


async def mark_failed(session: AsyncSession, outbox_id: int, *, error: str) -> None:
    await session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id)
        .values(status="failed", lease_until=None, last_error=clip_error(error))
        .execution_options(synchronize_session=False)
    )


async def mark_unreachable(session: AsyncSession, account_id: int, *, now: datetime) -> int:
    """The person blocked the bot: the account gets no more pushes. Returns how many rows were cancelled.

    Rows of the account that are still waiting (or claimed but not yet sent) are cancelled; the flag is
    cleared when the person links the chat again (`models.accounts.link`). Pushes to a person
    (`to_donor_id`) stay: their claim chooses another chat of theirs, or fails them if none is left.
    """
    await session.execute(
        update(ChannelAccount)
        .where(ChannelAccount.id == account_id, ChannelAccount.unreachable_at.is_(None))
        .values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.account_id == account_id,
            Outbox.status.in_(("pending", "sending")),
            Outbox.to_donor_id.is_(None),
        )
        .values(status="cancelled", lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
