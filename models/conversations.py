"""Conversation state per chat, kept in the database so a restart continues the dialogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Conversation


async def load(session: AsyncSession, *, platform: str, chat_id: str) -> Conversation | None:
    return await session.get(Conversation, (platform, chat_id))


async def save(
    session: AsyncSession,
    *,
    platform: str,
    chat_id: str,
    flow: str | None,
    step: str | None,
    data: dict[str, Any],
    language: str | None,
    now: datetime,
) -> None:
    """Writes the state, or removes the row when there is nothing left worth keeping."""
    row = await session.get(Conversation, (platform, chat_id))
    if flow is None and language is None:
        if row is not None:
            await session.delete(row)
        return
    if row is None:
        row = Conversation(platform=platform, chat_id=chat_id)
        session.add(row)
    row.flow, row.step, row.data, row.language, row.updated_at = flow, step, dict(data), language, now


async def forget(session: AsyncSession, *, platform: str, chat_id: str) -> None:
    await session.execute(
        delete(Conversation).where(Conversation.platform == platform, Conversation.chat_id == chat_id)
    )


async def expire(session: AsyncSession, *, before: datetime) -> int:
    """Deletes dialogues untouched since `before` (their half-given answers are personal data)."""
    rows = (await session.scalars(select(Conversation).where(Conversation.updated_at < before))).all()
    for row in rows:
        await session.delete(row)
    return len(rows)
