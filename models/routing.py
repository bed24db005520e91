"""Which of a person's chats gets a push to them: the one they wrote from last, or the platform the
operator prefers (`delivery.prefer_channel`), among those still reachable. Read when a row is queued
(`models.outbox.enqueue_for_donor`) and again when the delivery loop claims it (`models.outbox_claims`),
so a push goes where the person is when it is sent, not where they were when it was planned.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Final, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import ChannelAccount

PREFERENCES: Final = ("last_used", "telegram", "zalo")
_NEVER: Final = datetime.min.replace(tzinfo=UTC)


class Chat(Protocol):
    """What routing reads of a chat account: a `ChannelAccount`, or a row of its columns (the claim reads
    only those, not whole ORM objects, on every batch)."""

    @property
    def id(self) -> int: ...

    @property
    def platform(self) -> str: ...

    @property
    def chat_id(self) -> str: ...

    @property
    def unreachable_at(self) -> datetime | None: ...

    @property
    def last_seen_at(self) -> datetime | None: ...

    @property
    def linked_at(self) -> datetime | None: ...


C = TypeVar("C", bound=Chat)


def last_used(account: Chat) -> tuple[datetime, int]:
    """Orders chats by when the person last wrote from them, or, not seen since that was recorded, by
    when they were linked; on a tie the older chat (lower id) ranks higher, as the profile's first."""
    return (account.last_seen_at or account.linked_at or _NEVER, -account.id)


def choose(
    accounts: Iterable[C],
    *,
    prefer: str = "last_used",
    platforms: Collection[str] | None = None,
    excluding: Collection[int] = (),
) -> C | None:
    """The chat a push goes to: of the reachable `accounts` on `platforms` (the ones a sender exists
    for; None: any), the `prefer`red platform's if there is one, else the one used last; None if none."""
    usable = [
        account
        for account in accounts
        if account.unreachable_at is None
        and account.id not in excluding
        and (platforms is None or account.platform in platforms)
    ]
    if not usable:
        return None
    preferred = [account for account in usable if account.platform == prefer]
    return max(preferred or usable, key=last_used)


async def reachable_accounts(session: AsyncSession, donor_ids: Collection[int]) -> dict[int, list[Chat]]:
    """The reachable chats of each donor (donors without any are left out), as rows of the columns routing
    reads."""
    if not donor_ids:
        return {}
    found: dict[int, list[Chat]] = {}
    account = ChannelAccount
    rows = await session.execute(
        select(
            account.id,
            account.donor_id,
            account.platform,
            account.chat_id,
            account.unreachable_at,
            account.last_seen_at,
            account.linked_at,
        ).where(account.donor_id.in_(list(donor_ids)), account.unreachable_at.is_(None))
    )
    for row in rows:
        found.setdefault(row.donor_id, []).append(row)
    return found
