"""Queries that guard a profile's chats: link notices, wrong birth dates, approvals. Never commits.

The proofs a chat can give are weak (a phone number and a birth date are known to family and written on
papers), so the bot leans on time and on the chats already on the profile: see "Threat model" in
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Approval, LinkFailure, LinkNotice

APPROVAL_ACTIONS = ("erase", "phone", "mydata")
APPROVAL_VALID = timedelta(hours=24)
"""How long a request waits for an answer, and how long an approval lets the chat act."""


async def add_notice(
    session: AsyncSession, *, donor_id: int, account_id: int, recipients: list[int], now: datetime
) -> LinkNotice:
    """Records that `account_id` joined the profile and which older chats are being told."""
    notice = LinkNotice(donor_id=donor_id, account_id=account_id, recipients=recipients, created_at=now)
    session.add(notice)
    await session.flush()
    return notice


async def notice(session: AsyncSession, notice_id: int) -> LinkNotice | None:
    return await session.get(LinkNotice, notice_id)


async def notices_of(session: AsyncSession, donor_id: int) -> list[LinkNotice]:
    return list(
        (
            await session.scalars(
                select(LinkNotice).where(LinkNotice.donor_id == donor_id).order_by(LinkNotice.id)
            )
        ).all()
    )


async def record_failure(
    session: AsyncSession, *, phone: str, platform: str, user_id: str, now: datetime
) -> int:
    """Counts one failed proof; `phone` is the profile's, or "" when no profile was concerned."""
    row = LinkFailure(phone=phone, platform=platform, user_id=user_id, at=now)
    session.add(row)
    await session.flush()
    return row.id


async def failures_for_phone(session: AsyncSession, phone: str, *, since: datetime) -> list[datetime]:
    rows = await session.scalars(
        select(LinkFailure.at)
        .where(LinkFailure.phone == phone, LinkFailure.at >= since)
        .order_by(LinkFailure.at)
    )
    return list(rows.all())


async def locked_until(
    session: AsyncSession,
    *,
    phone: str | None,
    platform: str,
    user_id: str,
    now: datetime,
    max_failures: int,
    lock: timedelta,
) -> datetime | None:
    """When linking stops being refused, or None when it is allowed now.

    `max_failures` wrong birth dates within `lock` — for this phone from any chat, or from this chat for
    any phone — lock both out until `lock` after the last of them. Nothing is counted while locked, so a
    lock cannot be stretched by someone guessing on.
    """
    until: datetime | None = None
    since = now - 2 * lock
    for series in await _series(session, phone=phone, platform=platform, user_id=user_id, since=since):
        if len(series) >= max_failures:
            last = series[-1]
            if last - series[-max_failures] <= lock and now < last + lock:
                until = max(until, last + lock) if until is not None else last + lock
    return until


async def _series(
    session: AsyncSession, *, phone: str | None, platform: str, user_id: str, since: datetime
) -> list[list[datetime]]:
    """The failure times of this chat, and of this phone, each in order."""
    chat = (
        await session.scalars(
            select(LinkFailure.at)
            .where(LinkFailure.platform == platform, LinkFailure.user_id == user_id, LinkFailure.at >= since)
            .order_by(LinkFailure.at)
        )
    ).all()
    series = [list(chat)]
    if phone is not None:
        series.append(await failures_for_phone(session, phone, since=since))
    return series


async def forget_failures(
    session: AsyncSession, *, phone: str | None = None, before: datetime | None = None
) -> int:
    """Deletes the failures against a phone (its profile is erased) or older than `before` (retention)."""
    statement = delete(LinkFailure)
    if phone is not None:
        statement = statement.where(LinkFailure.phone == phone)
    if before is not None:
        statement = statement.where(LinkFailure.at < before)
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def request_approval(
    session: AsyncSession, *, donor_id: int, account_id: int, action: str, now: datetime
) -> tuple[Approval, bool]:
    """The open request of this chat for `action`, or a new one; True when it is new (tell the others)."""
    if action not in APPROVAL_ACTIONS:
        raise ValueError(f"unknown approval action {action!r}")
    open_request = await session.scalar(
        select(Approval)
        .where(
            Approval.account_id == account_id,
            Approval.action == action,
            Approval.status == "pending",
            Approval.created_at > now - APPROVAL_VALID,
        )
        .order_by(Approval.id.desc())
        .limit(1)
    )
    if open_request is not None:
        return open_request, False
    request = Approval(
        donor_id=donor_id, account_id=account_id, action=action, status="pending", created_at=now
    )
    session.add(request)
    await session.flush()
    return request, True


async def approved(session: AsyncSession, *, account_id: int, action: str, now: datetime) -> bool:
    """True when an older chat allowed this chat's `action` within the last `APPROVAL_VALID`."""
    row = await session.scalar(
        select(Approval.id)
        .where(
            Approval.account_id == account_id,
            Approval.action == action,
            Approval.status == "allowed",
            Approval.decided_at > now - APPROVAL_VALID,
        )
        .limit(1)
    )
    return row is not None


async def approval(session: AsyncSession, approval_id: int) -> Approval | None:
    return await session.get(Approval, approval_id)


async def approvals_of(session: AsyncSession, donor_id: int) -> list[Approval]:
    return list(
        (
            await session.scalars(select(Approval).where(Approval.donor_id == donor_id).order_by(Approval.id))
        ).all()
    )


__all__ = [
    "APPROVAL_ACTIONS",
    "APPROVAL_VALID",
    "add_notice",
    "approval",
    "approvals_of",
    "approved",
    "failures_for_phone",
    "forget_failures",
    "locked_until",
    "notice",
    "notices_of",
    "record_failure",
    "request_approval",
]
