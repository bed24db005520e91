"""Who holds an organiser role, and its scope; granted and removed from the command line, always audited.

What a role may do is `domain.roles`; `grant_of` is the one read of it the chat's checks use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.figures import Scope
from domain.roles import Grant, scope_problem
from models import accounts, audit
from models.tables import ChannelAccount, Donor, Organiser


async def grant(
    session: AsyncSession,
    *,
    platform: str,
    user_id: str,
    role: str,
    unit: str | None,
    actor: str,
    now: datetime,
    scope: Scope | None = None,
) -> Organiser:
    """Gives a chat account the role (creating the account row if the person never wrote yet).

    `scope`: what their work covers (the area when None); granting again sets it again. A role its scope
    does not fit (`domain.roles.scope_problem`: a desk without a drive day) is a ValueError."""
    if (problem := scope_problem(role, scope or Scope.area())) is not None:
        raise ValueError(problem)
    scope_text = (scope or Scope.area()).text
    account = await accounts.account_row(session, platform=platform, user_id=user_id)
    if account is None:
        # In private chats the chat id is the user id on Telegram and Zalo.
        account = ChannelAccount(platform=platform, user_id=user_id, chat_id=user_id, created_at=now)
        session.add(account)
        await session.flush()
    organiser = await session.scalar(select(Organiser).where(Organiser.account_id == account.id))
    if organiser is None:
        organiser = Organiser(account_id=account.id, role=role, unit=unit, scope=scope_text, created_at=now)
        session.add(organiser)
    else:
        organiser.role, organiser.unit, organiser.scope = role, unit, scope_text
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="organiser.grant",
        target=f"{platform}:{user_id}",
        details={"role": role, "unit": unit, "scope": scope_text},
        now=now,
    )
    return organiser


async def revoke(session: AsyncSession, *, platform: str, user_id: str, actor: str, now: datetime) -> bool:
    account = await accounts.account_row(session, platform=platform, user_id=user_id)
    organiser = (
        await session.scalar(select(Organiser).where(Organiser.account_id == account.id))
        if account is not None
        else None
    )
    if organiser is None:
        return False
    await session.delete(organiser)
    if account is not None and account.donor_id is None:
        await session.delete(account)  # nothing else hangs on this account
    await audit.record(
        session, actor=actor, action="organiser.revoke", target=f"{platform}:{user_id}", now=now
    )
    return True


async def listing(session: AsyncSession) -> list[tuple[ChannelAccount, Organiser]]:
    rows = await session.execute(
        select(ChannelAccount, Organiser)
        .join(Organiser, Organiser.account_id == ChannelAccount.id)
        .order_by(ChannelAccount.platform, ChannelAccount.user_id)
    )
    return [(a, o) for a, o in rows.tuples()]


async def chats(session: AsyncSession, *, platform: str) -> list[tuple[str, str | None]]:
    """(chat id, language of the linked profile or None) of every organiser on a platform (for menus)."""
    rows = await session.execute(
        select(ChannelAccount.chat_id, Donor.language)
        .join(Organiser, Organiser.account_id == ChannelAccount.id)
        .outerjoin(Donor, Donor.id == ChannelAccount.donor_id)
        .where(ChannelAccount.platform == platform)
        .order_by(ChannelAccount.id)
    )
    return [(chat_id, language) for chat_id, language in rows.tuples()]


async def is_organiser(session: AsyncSession, *, platform: str, user_id: str) -> bool:
    """Whether this chat account holds an organiser (or admin) role; checked on every organiser command."""
    found = await session.scalar(
        select(
            exists().where(
                Organiser.account_id == ChannelAccount.id,
                ChannelAccount.platform == platform,
                ChannelAccount.user_id == user_id,
            )
        )
    )
    return bool(found)


_GRANT = (  # built once, its values bound at each call: every organiser command and web page asks
    select(Organiser.role, Organiser.scope)
    .join(ChannelAccount, ChannelAccount.id == Organiser.account_id)
    .where(ChannelAccount.platform == bindparam("platform"), ChannelAccount.user_id == bindparam("user_id"))
)


async def grant_of(session: AsyncSession, *, platform: str, user_id: str) -> Grant | None:
    """This chat account's role and scope (`domain.roles.Grant`), or None if it holds no role."""
    row = (await session.execute(_GRANT, {"platform": platform, "user_id": user_id})).first()
    if row is None:
        return None
    role, scope = row
    try:
        parsed = Scope.parse(scope)
    except ValueError:  # a scope no release wrote: the role works nowhere rather than everywhere
        return Grant(role="", scope=Scope.area())
    return Grant(role=role, scope=parsed)


async def scope_of(session: AsyncSession, *, platform: str, user_id: str) -> Scope | None:
    """What this chat account's figures cover (`domain.figures.Scope`), or None if it is no organiser.

    An admin sees the whole area whatever the column says."""
    found = await grant_of(session, platform=platform, user_id=user_id)
    return None if found is None else found.effective_scope
