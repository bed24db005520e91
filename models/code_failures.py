"""Wrong codes a chat sent — invite codes (`InviteFailure`) and clubs' join codes (`ClubJoinFailure`): the
same three questions of either table, asked once here. Both tables have `platform`, `user_id` and `at`.

The lock-out rule itself is `domain.invites.locked_until`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import invites as rules
from models.tables import ClubJoinFailure, InviteFailure

Failures = type[InviteFailure] | type[ClubJoinFailure]


async def locked_until(
    session: AsyncSession, table: Failures, *, platform: str, user_id: str, now: datetime
) -> datetime | None:
    """Until when this chat may not send such codes, or None (`domain.invites.locked_until`)."""
    times = await session.scalars(
        select(table.at)
        .where(table.platform == platform, table.user_id == user_id, table.at > rules.lock_window(now))
        .order_by(table.at)
    )
    return rules.locked_until(list(times), now)


async def forget(
    session: AsyncSession,
    table: Failures,
    *,
    platform: str | None = None,
    user_id: str | None = None,
    before: datetime | None = None,
) -> int:
    """Deletes the wrong codes counted for a chat (its person erased their data), or those older than
    `before` (retention: once they can no longer lock anyone out)."""
    statement = delete(table)
    if platform is not None and user_id is not None:
        statement = statement.where(table.platform == platform, table.user_id == user_id)
    if before is not None:
        statement = statement.where(table.at < before)
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def failures_of(session: AsyncSession, table: Failures, chats: list[tuple[str, str]]) -> list[datetime]:
    """When wrong codes were sent from these chats ((platform, user id) pairs), for /mydata."""
    if not chats:
        return []
    mine = [and_(table.platform == p, table.user_id == u) for p, u in chats]
    return list(await session.scalars(select(table.at).where(or_(*mine)).order_by(table.at)))
