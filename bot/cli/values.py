"""Command-line values read once, the way the chat reads them; a wrong one is a `UsageError` naming
its option.

Text goes through `clean_input` as a chat message does (no control, bidi or zero-width characters), so
a place typed in a shell and one typed in /taodot are stored alike.
"""

from __future__ import annotations

from datetime import date, datetime, time

from bot.cli.harness import UsageError
from core.config import Settings
from domain.ids import MAX_BIG_ID, MAX_ID, parse_id, parse_int
from domain.plan_file import parse_hhmm
from domain.text import clean_input

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def one_line(text: str) -> str:
    """One line of text as the chat would read it, runs of white space made one space."""
    return " ".join(clean_input(text).split())


def record_id(text: str) -> int | None:
    """A row's number as a person types it ("12", " #12 "), or None."""
    return parse_id(text.strip().removeprefix("#"))


def day(option: str, text: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise UsageError(f"{option}: {text!r} is not a date; use YYYY-MM-DD (or DD/MM/YYYY)")


def clock_time(option: str, text: str) -> time:
    parsed = parse_hhmm(text)
    if parsed is None:
        raise UsageError(f"{option}: {text!r} is not a time; use HH:MM, e.g. 07:30")
    return parsed


def whole_number(option: str, text: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int:
    value = parse_int(text.strip(), minimum=-MAX_BIG_ID, maximum=MAX_BIG_ID)
    if value is None:
        raise UsageError(f"{option}: {text!r} is not a whole number")
    if value < minimum:
        raise UsageError(f"{option}: must be at least {minimum}")
    if value > maximum:
        raise UsageError(f"{option}: must be at most {maximum}")
    return value


def known_wards(given: list[str], settings: Settings) -> tuple[str, ...]:
    """`--ward W ...`: each ward as config.toml spells it (typed with or without diacritics), once."""
    picked: list[str] = []
    for name in given:
        ward = settings.area.ward_named(name)
        if ward is None:
            raise UsageError(
                f"--ward: {name!r} is not in config.toml [area] wards ({', '.join(settings.area.wards)})"
            )
        if ward not in picked:
            picked.append(ward)
    return tuple(picked)
