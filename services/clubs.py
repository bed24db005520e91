"""Creating a club: the one write path /taoclb and `donorbot club create` share (the name checked the same
way, the key made or checked, the join code drawn, the audit entry). Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import clubs as rules
from models import clubs
from models.tables import Club


class ClubError(ValueError):
    """What is wrong with a new club ("name", "kind", "key", "key_taken"), for the caller to word."""


async def create(
    session: AsyncSession,
    *,
    name: str,
    kind: str,
    ward: str | None,
    key: str | None,
    actor: str,
    now: datetime,
) -> Club:
    """A new club with its join code (audited `club.create`: ids, kind and ward only)."""
    cleaned = rules.clean_name(name)
    if cleaned is None:
        raise ClubError("name")
    if kind not in rules.KINDS:
        raise ClubError("kind")
    if key is not None:
        if not rules.valid_key(key):
            raise ClubError("key")
        if await clubs.by_key(session, key) is not None:
            raise ClubError("key_taken")
    return await clubs.create(session, name=cleaned, kind=kind, ward=ward, key=key, actor=actor, now=now)
