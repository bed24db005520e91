"""Conversation state per chat, kept in the database so a restart continues the dialogue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import dialect
from models.tables import Conversation


async def lock_chat(session: AsyncSession, *, platform: str, chat_id: str) -> None:
    """Makes the transaction the only one of this chat's turns until it ends, on any process.

    On PostgreSQL a transaction-level advisory lock on the chat (released at commit or rollback): two
    instances that each got an update of one chat run its turns one after the other, so the second sees
    the dialogue state the first saved. A lock on the conversation row would not do: a chat's first turn
    has no row yet. (A hash collision only makes two chats wait for each other.) On SQLite every
    transaction already takes the one write lock first (`BEGIN IMMEDIATE`, models/db.py).
    """
    if dialect(session) != "postgresql":
        return
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:chat, 0))"), {"chat": f"{platform}:{chat_id}"}
    )


async def load(session: AsyncSession, *, platform: str, chat_id: str) -> Conversation | None:
    """The chat's row, read by one statement built once (`_LOAD`).

    Every turn reads it: `session.get` builds its statement and that statement's cache key anew on
    each call, about a tenth of a turn's Python calls with `accounts.account_for` (models/accounts.py).
    The row lands in the session's identity map, so `save` finds it there without a second query.
    """
    row: Conversation | None = await session.scalar(_LOAD, {"platform": platform, "chat_id": chat_id})
    return row


# A statement's cache key is memoised on the statement object: built once here, it is computed once.
_LOAD = select(Conversation).where(
    Conversation.platform == bindparam("platform"), Conversation.chat_id == bindparam("chat_id")
)


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
    choices: Sequence[tuple[str, str]] | None = None,
) -> None:
    """Writes the state, or removes the row when there is nothing left worth keeping.

    `choices` (a chat without buttons: what its numbers mean, handlers/numbered.py) replaces the saved
    ones; None leaves them as they are.
    """
    row = await session.get(Conversation, (platform, chat_id))
    kept = (row.choices if row is not None else None) if choices is None else [list(c) for c in choices]
    if flow is None and language is None and not kept:
        if row is not None:
            await session.delete(row)
        return
    if row is None:
        row = Conversation(platform=platform, chat_id=chat_id)
        session.add(row)
    row.flow, row.step, row.data, row.language, row.updated_at = flow, step, dict(data), language, now
    row.choices = kept or None


async def save_choices(
    session: AsyncSession, *, platform: str, chat_id: str, choices: Sequence[tuple[str, str]]
) -> None:
    """Replaces what the chat's numbers mean (a push numbered its choices), keeping the dialogue."""
    row = await session.get(Conversation, (platform, chat_id))
    if row is None:
        if not choices:
            return
        row = Conversation(platform=platform, chat_id=chat_id, data={})
        session.add(row)
    row.choices = [list(c) for c in choices] or None


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
