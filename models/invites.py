"""Invite codes: made on the command line, sent once from a chat to become an organiser. Never commits.

A code is looked up by its hash (`domain.invites.code_hash`) and taken with one conditional UPDATE, so
two chats sending the same code at the same moment cannot both become organisers. A code that matches
no invite is counted for the chat that sent it (`invite_failures`): `MAX_FAILURES` within an hour lock
that chat out for `LOCK_HOURS` after the last one, a right code included, so codes cannot be guessed by
trying. Used, expired and revoked codes are real codes and are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import invites as rules
from domain.figures import Scope
from models import accounts, audit, code_failures, organisers
from models.tables import Invite, InviteFailure


class Outcome(StrEnum):
    GRANTED = "granted"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    LOCKED = "locked"


@dataclass(frozen=True)
class Redeemed:
    """What sending a code did: the outcome, the invite it matched, and until when the chat is locked
    (set for LOCKED, and for the wrong code that locked it)."""

    outcome: Outcome
    invite: Invite | None = None
    locked_until: datetime | None = None


async def create(
    session: AsyncSession,
    *,
    role: str,
    unit: str | None,
    scope: Scope,
    hours: int,
    actor: str,
    now: datetime,
) -> tuple[Invite, str]:
    """A new invite and its code ("K7M2QX9P"), shown once: only its hash is stored."""
    while True:
        code = rules.new_code()
        digest = rules.code_hash(code)
        if await session.scalar(select(Invite.id).where(Invite.code_hash == digest)) is None:
            break
    invite = Invite(
        code_hash=digest,
        role=role,
        unit=unit,
        scope=scope.text,
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(invite)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="invite.create",
        target=f"invite:{invite.id}",
        details={"role": role, "unit": unit, "scope": scope.text, "hours": hours},
        now=now,
    )
    return invite, code


async def pending(session: AsyncSession, *, now: datetime) -> list[Invite]:
    """Invites not used, revoked or expired yet, oldest first."""
    rows = await session.scalars(
        select(Invite)
        .where(Invite.used_at.is_(None), Invite.revoked_at.is_(None), Invite.expires_at > now)
        .order_by(Invite.id)
    )
    return list(rows)


def state(invite: Invite, now: datetime) -> Outcome | None:
    """Why the invite can no longer be used (USED, REVOKED, EXPIRED), or None while it can."""
    if invite.used_at is not None:
        return Outcome.USED
    if invite.revoked_at is not None:
        return Outcome.REVOKED
    if invite.expires_at <= now:
        return Outcome.EXPIRED
    return None


async def revoke(session: AsyncSession, invite_id: int, *, actor: str, now: datetime) -> Redeemed:
    """Revokes a pending invite: GRANTED when done, UNKNOWN without one, else why it cannot be."""
    invite = await session.get(Invite, invite_id)
    if invite is None:
        return Redeemed(Outcome.UNKNOWN)
    if (why := state(invite, now)) is not None:
        return Redeemed(why, invite)
    invite.revoked_at = now
    await session.flush()
    await audit.record(session, actor=actor, action="invite.revoke", target=f"invite:{invite.id}", now=now)
    return Redeemed(Outcome.GRANTED, invite)


async def locked_until(
    session: AsyncSession, *, platform: str, user_id: str, now: datetime
) -> datetime | None:
    """Until when this chat may not send codes, or None (`models.code_failures.locked_until`)."""
    return await code_failures.locked_until(
        session, InviteFailure, platform=platform, user_id=user_id, now=now
    )


async def redeem(
    session: AsyncSession, *, code: str, platform: str, user_id: str, chat_id: str, now: datetime
) -> Redeemed:
    """Makes this chat account the organiser the invite with `code` (normalised) names, once.

    Audited twice when it works: `invite.redeem` (which invite, which account) and the role itself as
    `organiser add` writes it (`organiser.grant`), both with the chat as the actor."""
    actor = audit.actor_for(platform, user_id)
    if (until := await locked_until(session, platform=platform, user_id=user_id, now=now)) is not None:
        return Redeemed(Outcome.LOCKED, locked_until=until)
    invite = None
    if len(code) == rules.LENGTH and code.isascii():
        invite = await session.scalar(select(Invite).where(Invite.code_hash == rules.code_hash(code)))
    if invite is None:
        session.add(InviteFailure(platform=platform, user_id=user_id, at=now))
        await session.flush()
        until = await locked_until(session, platform=platform, user_id=user_id, now=now)
        if until is not None:  # this wrong code locked the chat: someone may be guessing
            await audit.record(session, actor=actor, action="invite.locked", now=now)
        return Redeemed(Outcome.UNKNOWN, locked_until=until)
    if (why := state(invite, now)) is not None:
        return Redeemed(why, invite)
    account_id = await accounts.ensure_account(
        session, platform=platform, user_id=user_id, chat_id=chat_id, now=now
    )
    taken = await session.execute(
        update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .values(used_at=now, used_by=account_id)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:  # another chat took it a moment ago
        await session.refresh(invite)
        return Redeemed(state(invite, now) or Outcome.USED, invite)
    await session.refresh(invite)
    await organisers.grant(
        session,
        platform=platform,
        user_id=user_id,
        role=invite.role,
        unit=invite.unit,
        actor=actor,
        now=now,
        scope=Scope.parse(invite.scope),
    )
    await audit.record(
        session,
        actor=actor,
        action="invite.redeem",
        target=f"invite:{invite.id}",
        details={"account": account_id, "role": invite.role, "scope": invite.scope},
        now=now,
    )
    return Redeemed(Outcome.GRANTED, invite)


async def forget_failures(
    session: AsyncSession,
    *,
    platform: str | None = None,
    user_id: str | None = None,
    before: datetime | None = None,
) -> int:
    """Deletes the wrong codes counted for a chat, or those older than `before` (`code_failures.forget`)."""
    return await code_failures.forget(
        session, InviteFailure, platform=platform, user_id=user_id, before=before
    )


async def failures_of(session: AsyncSession, chats: list[tuple[str, str]]) -> list[datetime]:
    """When wrong codes were sent from these chats, for /mydata (`code_failures.failures_of`)."""
    return await code_failures.failures_of(session, InviteFailure, chats)


RETENTION = timedelta(hours=rules.FAILURE_WINDOW_HOURS + rules.LOCK_HOURS)
"""How long a wrong code can count towards a lock; older ones are deleted by the hourly job."""
