"""The organiser's web page: one-time login links sent by /web, and the browser sessions they open.

Neither the link's token nor the session's id is stored: only their sha256 (both are 32 random bytes, so a
fast hash is enough — nothing to guess). A row says which chat account it logs in as; what that account
may see is read afresh from `organisers` on every request (`bot.web.pages`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain import limits
from models.tables.base import Base, UtcDateTime, utcnow


class WebLogin(Base):
    """A link `{web.public_url}/login/{token}` sent to an organiser's chat: taken once, before it expires."""

    __tablename__ = "web_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(limits.WEB_TOKEN_HASH), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_web_logins_account_id", "account_id"),)


class WebSession(Base):
    """A browser logged in as a chat account: ends after `IDLE` without a request or `ABSOLUTE` in all."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(limits.WEB_TOKEN_HASH), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_accounts.id", ondelete="CASCADE"))
    # The token every POST form carries (random, per session; not a secret of the cookie's kind, as it is
    # written into the pages, but stored only for this session).
    csrf_token: Mapped[str] = mapped_column(String(limits.WEB_TOKEN_HASH))
    lang: Mapped[str] = mapped_column(String(limits.LANGUAGE), default="vi")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)  # created_at + the absolute limit

    __table_args__ = (Index("ix_web_sessions_account_id", "account_id"),)
