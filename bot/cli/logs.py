"""Logging for every `donorbot` command: one line per record on stderr, with the secrets cut out."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import make_url

from bot.bootstrap import quiet_leaky_loggers
from core.config import Settings
from models.db import is_database_error, loggable


class RedactingFormatter(logging.Formatter):
    """Cuts secrets (the bot token, the database password) out of every record, tracebacks included.

    The code never logs them; this catches a library that puts one into an exception's text.
    """

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = tuple(secret for secret in secrets if secret)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)

    def formatException(self, ei: Any) -> str:
        """A database error's traceback without its texts: asyncpg's repeat the statement's values.

        The dispatcher logs a failed turn this way itself; this covers every other logger (the delivery
        loop, the scheduler's jobs, a library).
        """
        error = ei[1]
        if isinstance(error, BaseException) and is_database_error(error):
            frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
            return f"Traceback (most recent call last; texts left out):\n{frames}{loggable(error)}"
        return super().formatException(ei)


class JsonFormatter(RedactingFormatter):
    """One JSON object per line (`log.format = "json"`): time, level, logger, message, and the traceback.

    The message is the same text the plain format prints (ids only, secrets cut), so a log shipper gets
    nothing the terminal would not show.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(message)s", secrets)

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage(), self.secrets),
        }
        if record.exc_info:
            event["traceback"] = redact(self.formatException(record.exc_info), self.secrets)
        return json.dumps(event, ensure_ascii=False)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "<secret>")
    return text


def secrets_of(settings: Settings) -> tuple[str, ...]:
    password = make_url(settings.database.url).password
    secrets = (
        settings.telegram_token,
        settings.zalo_token,
        settings.telegram_webhook_secret,
        settings.zalo_webhook_secret,
        password,
    )
    return tuple(str(s) for s in secrets if s)


def setup_logging(level: str = "INFO", *, secrets: Iterable[str] = (), format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(secrets)
        if format == "json"
        else RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    logging.basicConfig(level=level, handlers=[handler])
    quiet_leaky_loggers()  # the token (httpx URLs) and personal data (SQL parameters) stay out
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
