"""What a sign-up confirmation carries: a calendar file (.ics) and a check-in QR code (PNG).

The QR code holds a deep link that opens the bot at the check-in for that code (`t.me/<bot>?start=
checkin_<CODE>`), so an organiser scans it with the phone camera; without a bot name it holds the code.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.pure
from icalendar import Calendar, Event

from handlers.messages import Attachment


def ics(
    *,
    uid: str,
    summary: str,
    location: str,
    description: str,
    start: datetime,
    end: datetime,
    stamp: datetime,
) -> Attachment:
    """A one-event calendar; times in UTC so every calendar app shows the right local hour."""
    calendar = Calendar()
    calendar.add("prodid", "-//donorbot//hien mau tinh nguyen//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    calendar.add_component(event)
    return Attachment("hien-mau.ics", calendar.to_ical(), "text/calendar")


def local(day: object, at: object, tz: ZoneInfo) -> datetime:
    """A session's local date and time as an aware datetime."""
    return datetime.combine(day, at, tzinfo=tz)  # type: ignore[arg-type]


def checkin_link(bot_username: str | None, code: str) -> str:
    return f"https://t.me/{bot_username}?start=checkin_{code}" if bot_username else code


def qr_png(payload: str, *, filename: str) -> Attachment:
    image = qrcode.make(payload, image_factory=qrcode.image.pure.PyPNGImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return Attachment(filename, buffer.getvalue(), "image/png", is_image=True)
