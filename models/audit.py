"""The organisers' audit log: who changed which drive or sign-up, and when. Never commits.

Entries hold ids and action names so the log can be shown to any organiser and kept for years: phone
numbers and health data (deferral reasons, weights, blood tests) stay out of it, and `record` refuses a
value that looks like a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import limits
from models.tables import AuditEntry

_LOG = cast(Table, AuditEntry.__table__)  # the table: an INSERT without the ORM's bulk machinery
_INSERT = insert(_LOG)  # built once, its values bound at each call: every page of the web writes one
_ACTOR_MAX = limits.ACTOR
_TARGET_MAX = limits.TARGET
_FORBIDDEN_KEYS = frozenset(
    {"phone", "phone_number", "date_of_birth", "weight_kg", "deferral_reason", "health", "full_name"}
)
_PHONE_LIKE = re.compile(r"[+\d\s.\-()]+")


def actor_for(platform: str, user_id: str) -> str:
    """The actor string for a chat user ("telegram:123") or a shell user ("cli:lan")."""
    return f"{platform}:{user_id}"[:_ACTOR_MAX]


def _looks_like_phone(value: str) -> bool:
    return bool(_PHONE_LIKE.fullmatch(value)) and sum(c.isdigit() for c in value) >= 9


def _jsonable(key: str, value: object) -> object:
    if key.lower() in _FORBIDDEN_KEYS:
        raise ValueError(f"audit details must not hold personal or health data ({key!r})")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, str) and _looks_like_phone(value):
        raise ValueError(f"audit detail {key!r} looks like a phone number")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(key, v) for v in value]
    raise TypeError(f"audit detail {key!r} has an unsupported type {type(value).__name__}")


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    details: Mapping[str, object] | None = None,
    now: datetime,
) -> None:
    """Writes one entry in the caller's transaction, so it commits (or rolls back) with the change itself.

    An INSERT statement, not an object added to the session: the unit of work's flush of one new row
    cost a 500-person roster's page about 1 ms (bench/web.py), and nothing reads the entry back."""
    cleaned = {key: _jsonable(key, value) for key, value in (details or {}).items()}
    await session.execute(
        _INSERT,
        {
            "at": now,
            "actor": actor[:_ACTOR_MAX],
            "action": action,
            "target": None if target is None else target[:_TARGET_MAX],
            "details": cleaned,
        },
    )


async def recorded_since(
    session: AsyncSession, *, actor: str, action: str, target: str, since: datetime
) -> bool:
    """Whether this actor's `action` on `target` is in the log since `since` (a range of `ix_audit_log_at`:
    meant for the last few minutes, as `handlers.flow.refuse` asks)."""
    found = await session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.at > since,
            AuditEntry.actor == actor[:_ACTOR_MAX],
            AuditEntry.action == action,
            AuditEntry.target == target[:_TARGET_MAX],
        )
        .limit(1)
    )
    return found is not None


async def newest(
    session: AsyncSession, *, limit: int, before: int | None = None, action: str = "", actor: str = ""
) -> list[AuditEntry]:
    """At most `limit` entries, newest first: older than id `before`, of exactly `action` and `actor`
    when given (the web page's audit log)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return list((await session.scalars(query)).all())
