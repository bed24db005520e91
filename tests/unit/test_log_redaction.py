"""The log format of `donorbot` keeps values out of database errors, whoever logs them."""

from __future__ import annotations

import json
import logging

import asyncpg
from sqlalchemy.exc import IntegrityError

from bot.cli.logs import JsonFormatter, RedactingFormatter

PHONE = "+84912345678"


def database_error() -> IntegrityError:
    """What SQLAlchemy raises on PostgreSQL for a duplicate phone: asyncpg's text repeats the value."""
    driver = asyncpg.exceptions.UniqueViolationError(
        'duplicate key value violates unique constraint "uq_donors_phone"\n'
        f"DETAIL: Key (phone)=({PHONE}) already exists."
    )
    try:
        try:
            raise driver
        except asyncpg.exceptions.UniqueViolationError as exc:
            raise IntegrityError("INSERT INTO donors ...", {"phone": PHONE}, exc) from exc
    except IntegrityError as wrapped:
        return wrapped


def test_a_database_error_logged_by_any_logger_shows_no_values() -> None:
    error = database_error()
    record = logging.LogRecord("scheduler.delivery", logging.ERROR, __file__, 1, "delivery failed", (), None)
    record.exc_info = (type(error), error, error.__traceback__)
    text = RedactingFormatter("%(levelname)s %(name)s: %(message)s", secrets=("123:SECRET",)).format(record)
    assert PHONE not in text and PHONE[1:] not in text
    assert "delivery failed" in text and "IntegrityError" in text and "UniqueViolationError" in text
    assert "test_log_redaction.py" in text  # where it was raised is still there


def test_other_errors_keep_their_text_but_never_a_secret() -> None:
    error = ValueError("bad value from 123:SECRET")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), (ValueError, error, None))
    text = RedactingFormatter("%(message)s", secrets=("123:SECRET",)).format(record)
    assert "bad value from <secret>" in text


def test_the_json_format_is_one_object_per_line_without_values_or_secrets() -> None:
    error = database_error()
    record = logging.LogRecord(
        "scheduler.delivery", logging.ERROR, __file__, 1, "outbox %s: %s", (7, "x"), None
    )
    record.exc_info = (type(error), error, error.__traceback__)
    record.args = (7, "token 123:SECRET")
    line = JsonFormatter(secrets=("123:SECRET",)).format(record)
    assert "\n" not in line, "one event, one line"
    event = json.loads(line)
    assert set(event) == {"time", "level", "logger", "message", "traceback"}
    assert event["level"] == "ERROR" and event["logger"] == "scheduler.delivery"
    assert event["message"] == "outbox 7: token <secret>"
    assert event["time"].endswith("+00:00")
    assert "UniqueViolationError" in event["traceback"]
    assert PHONE not in line and PHONE[1:] not in line and "123:SECRET" not in line
