"""The web page's login links and sessions (`models.tables.web`). Never commits.

A login token and a session id are 32 random bytes (urlsafe base64), shown once — in the link, in the
cookie — and stored as their sha256 in hex. A link is taken with one conditional UPDATE (unused, not
expired), so two browsers opening it at once cannot both log in. A session ends `IDLE` after its last
request or `ABSOLUTE` after it began, whichever comes first; `touch` moves its idle end on.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import ChannelAccount, WebLogin, WebSession

LOGIN_VALID = timedelta(minutes=10)
IDLE = timedelta(minutes=30)
# The idle end moves on at most once a minute: a write per page otherwise (a desk's every click), for an
# end that is then at most a minute early, never late.
TOUCH_EVERY = timedelta(minutes=1)
ABSOLUTE = timedelta(hours=12)
TOKEN_BYTES = 32


def digest(token: str) -> str:
    """The stored form of a token or session id."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class Opened:
    """A session as a request sees it: who (the chat account), its CSRF token and language."""

    id: int
    account_id: int
    platform: str
    user_id: str
    csrf_token: str
    lang: str

    @property
    def actor(self) -> str:
        """As the chat's audit entries name the same person: `telegram:123`."""
        return f"{self.platform}:{self.user_id}"


async def create_login(session: AsyncSession, *, account_id: int, now: datetime) -> tuple[WebLogin, str]:
    """A new login link's row and its token (shown once, in the link)."""
    token = new_token()
    login = WebLogin(
        token_hash=digest(token), account_id=account_id, created_at=now, expires_at=now + LOGIN_VALID
    )
    session.add(login)
    await session.flush()
    return login, token


async def login_account(session: AsyncSession, *, token: str, now: datetime) -> int | None:
    """The chat account an unused, unexpired link logs in as, without taking it (the link's page)."""
    found: int | None = await session.scalar(
        select(WebLogin.account_id).where(
            WebLogin.token_hash == digest(token), WebLogin.used_at.is_(None), WebLogin.expires_at > now
        )
    )
    return found


async def take_login(session: AsyncSession, *, token: str, now: datetime) -> int | None:
    """The chat account the link logs in as, marking it used; None when it is unknown, used or expired."""
    hashed = digest(token)
    taken = await session.execute(
        update(WebLogin)
        .where(WebLogin.token_hash == hashed, WebLogin.used_at.is_(None), WebLogin.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        return None
    account_id: int | None = await session.scalar(
        select(WebLogin.account_id).where(WebLogin.token_hash == hashed)
    )
    return account_id


async def open_session(
    session: AsyncSession, *, account_id: int, lang: str, now: datetime
) -> tuple[WebSession, str]:
    """A new browser session and its id (shown once, in the cookie)."""
    sid = new_token()
    row = WebSession(
        session_hash=digest(sid),
        account_id=account_id,
        csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
        lang=lang,
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE,
    )
    session.add(row)
    await session.flush()
    return row, sid


_CURRENT = (  # built once, the cookie's hash bound at each call: the first query of every page
    select(
        WebSession.id,
        WebSession.account_id,
        ChannelAccount.platform,
        ChannelAccount.user_id,
        WebSession.csrf_token,
        WebSession.lang,
        WebSession.expires_at,
        WebSession.last_seen_at,
    )
    .join(ChannelAccount, ChannelAccount.id == WebSession.account_id)
    .where(WebSession.session_hash == bindparam("session_hash"))
)


async def current(
    session: AsyncSession, *, sid: str, now: datetime, touch: bool = True, reading: bool = False
) -> Opened | None:
    """The live session of this cookie, or None: unknown, idle too long or over (then deleted, unless the
    caller is `reading`: a reading session writes nothing). `touch` moves its idle end on (a person's page
    or action; not a page's own polling of live figures), at most every `TOUCH_EVERY`. One read of
    columns, not of the row as an object: it is the first query of every page."""
    found = (await session.execute(_CURRENT, {"session_hash": digest(sid)})).first()
    if found is None:
        return None
    *opened, expires_at, last_seen_at = found
    if expires_at <= now or last_seen_at + IDLE <= now:
        if not reading:
            await session.execute(delete(WebSession).where(WebSession.id == opened[0]))
        return None
    if touch and now - last_seen_at >= TOUCH_EVERY:
        await session.execute(update(WebSession).where(WebSession.id == opened[0]).values(last_seen_at=now))
    return Opened(*opened)


async def touch(session: AsyncSession, session_id: int, *, now: datetime) -> None:
    """Moves the idle end of a session read a moment ago on (`current` without `touch`), at most every
    `TOUCH_EVERY`: one UPDATE, no read."""
    await session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.last_seen_at <= now - TOUCH_EVERY)
        .values(last_seen_at=now)
    )


async def set_lang(session: AsyncSession, session_id: int, lang: str) -> None:
    await session.execute(update(WebSession).where(WebSession.id == session_id).values(lang=lang))


async def close(session: AsyncSession, session_id: int) -> None:
    """Logs the browser out (the row goes)."""
    await session.execute(delete(WebSession).where(WebSession.id == session_id))


async def forget(session: AsyncSession, *, account_id: int) -> None:
    """Every link and session of a chat account (its /xoa)."""
    await session.execute(delete(WebLogin).where(WebLogin.account_id == account_id))
    await session.execute(delete(WebSession).where(WebSession.account_id == account_id))


async def sweep(session: AsyncSession, *, now: datetime) -> int:
    """Deletes the links and sessions that can no longer be used (how many sessions went)."""
    await session.execute(delete(WebLogin).where(WebLogin.expires_at <= now))
    gone = await session.execute(
        delete(WebSession).where((WebSession.expires_at <= now) | (WebSession.last_seen_at <= now - IDLE))
    )
    return int(getattr(gone, "rowcount", 0) or 0)


async def of_accounts(
    session: AsyncSession, account_ids: list[int]
) -> dict[str, list[dict[str, str | None]]]:
    """For /mydata: when links were sent and used, and the sessions open (never a token, hash or CSRF
    token: those are keys, not facts about the person)."""
    logins = await session.scalars(
        select(WebLogin).where(WebLogin.account_id.in_(account_ids)).order_by(WebLogin.id)
    )
    sessions = await session.scalars(
        select(WebSession).where(WebSession.account_id.in_(account_ids)).order_by(WebSession.id)
    )
    return {
        "links": [
            {
                "sent_at": row.created_at.isoformat(),
                "expires_at": row.expires_at.isoformat(),
                "used_at": row.used_at.isoformat() if row.used_at else None,
            }
            for row in logins
        ],
        "sessions": [
            {
                "lang": row.lang,
                "opened_at": row.created_at.isoformat(),
                "last_seen_at": row.last_seen_at.isoformat(),
                "expires_at": row.expires_at.isoformat(),
            }
            for row in sessions
        ],
    }
