"""An "add to Google Calendar" link: what a channel without file upload (Zalo) offers instead of an .ics.

Google documents no API for it, but its event-template URL is stable and widely used:
`https://calendar.google.com/calendar/render?action=TEMPLATE&text=…&dates=START/END&location=…&details=…`,
times as `YYYYMMDDTHHMMSSZ` in UTC, so the phone's calendar shows the local hour wherever it is set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a calendar link needs aware datetimes (a naive one has no known hour)")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(title: str, start: datetime, end: datetime, place: str, details: str) -> str:
    """The link that opens Google Calendar with the event filled in (the person still presses Save).

    Every value is percent-encoded as UTF-8 (`%20` for spaces rather than `+`, which some in-app browsers
    leave in the title), so Vietnamese diacritics arrive as typed.
    """
    dates = f"{_utc(start)}/{_utc(end)}"
    if end < start:
        raise ValueError("the event ends before it starts")
    params = {
        "action": "TEMPLATE",
        "text": title,
        "dates": dates,
        "location": place,
        "details": details,
    }
    return f"{GOOGLE_TEMPLATE}?{urlencode(params, quote_via=quote, safe='/')}"
