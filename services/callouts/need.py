"""What an organiser asks for in a call-out, read the same way in the chat (/khancap) and the terminal.

The limits here are the ones both check: the same units, the same shortest text, the same deadline
syntax, so a call-out typed on the command line is one the dialogue would have accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from core.config import Settings
from domain.blood import BloodGroup
from domain.dates import parse_date
from domain.figures import Scope, ScopeKind

MAX_UNITS: Final = 50
MIN_TEXT: Final = 3  # the shortest place, address or contact accepted
_TIME = re.compile(r"(\d{1,2})\s*[:hg.]\s*(\d{2})?|(\d{1,2})\s*(?:h|gio|giờ)\b")


@dataclass(frozen=True)
class Need:
    """One call-out as the organiser described it (already checked by the dialogue or the CLI)."""

    groups: Sequence[str]  # the groups needed, codes ("O+")
    component: str  # "whole_blood" | "platelets"
    units: int
    place: str
    address: str | None
    contact: str | None
    deadline: datetime
    wards: Sequence[str] = ()  # asked first; none: all wards alike
    donor_groups: Sequence[str] | None = None  # the groups asked when the organiser widened it
    clubs: Sequence[int] | None = None  # clubs first: their members in wave 1 (() every club); None: no
    wards_only: bool = False  # only donors of `wards`: a ward organiser's call-out (domain.roles)


def label(code: str) -> str:
    """A group code as people read it: "O-" → "O−"."""
    return BloodGroup.from_code(code).label


def group_list(codes: Iterable[str]) -> str:
    """Group codes as people read them, comma-separated: "O+, O−"."""
    return ", ".join(label(code) for code in codes)


def clean_text(text: str | None, limit: int) -> str | None:
    """A place, address or contact as typed: its spaces tidied, or None unless it has `MIN_TEXT` to
    `limit` characters and is not a command."""
    if not text or not MIN_TEXT <= len(text) <= limit or text.startswith("/"):
        return None
    return " ".join(text.split())


def parse_deadline(text: str, *, now: datetime, settings: Settings) -> datetime | None:
    """ "18:00" (today, or tomorrow if already past), "24/11 18:00", "24/11/2026 18h"; local time."""
    tz = settings.tz
    local_now = now.astimezone(tz)
    m = _TIME.search(text)
    if m is None:
        return None
    hour = int(m.group(1) or m.group(3))
    minute = int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    rest = (text[: m.start()] + " " + text[m.end() :]).strip()
    day = parse_date(rest, today=local_now.date()) if rest else None
    if rest and day is None:
        day = parse_date(f"{rest}/{local_now.year}", today=local_now.date())
        if day is None:
            return None
    when = datetime.combine(day or local_now.date(), datetime.min.time(), tzinfo=tz).replace(
        hour=hour, minute=minute
    )
    if day is None and when <= local_now:
        when += timedelta(days=1)
    return when if when > local_now else None


def scoped_wards(scope: Scope | None, wards: Sequence[str]) -> tuple[list[str], bool]:
    """The wards a call-out asks and whether only their donors (`Need.wards_only`), as the role is now:
    a ward organiser's call-out asks the donors of their ward only (`domain.roles`); anyone else's the
    wards chosen first, then the others."""
    if scope is not None and scope.kind is ScopeKind.WARD and scope.name is not None:
        return [scope.name], True
    return list(wards), False
