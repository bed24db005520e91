"""What a sign-up confirmation carries: a calendar file (.ics) and a check-in QR code (PNG).

A service because a chat reply (the confirmation, a changed time) and a queued push (a drive day's change
notice, `services.notices`) carry the same files: both take a `models.outbox.File`.

The QR code holds a deep link that opens the bot at the check-in for that code (`t.me/<bot>?start=
checkin_<CODE>`), so an organiser scans it with the phone camera; without a bot name it holds the code.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.pure
from icalendar import Calendar, Event

from core.i18n import Translator
from domain.calendar_links import google_calendar_url
from domain.text import fold
from models.drive_days import DriveDayView
from models.outbox import File
from models.tables import Signup

_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")
PLACE_IN_NAME = 40  # characters of the place's name in a calendar file's name


def ics_filename(day: date, place: str) -> str:
    """ "hien-mau-2020-08-03-nha-van-hoa-tam-luu.ics": the day and the place, in ASCII so every phone and
    mail program keeps the name (diacritics folded, đ → d, anything else a dash)."""
    slug = _NOT_ASCII_WORD.sub("-", fold(place))[:PLACE_IN_NAME].strip("-")
    return f"hien-mau-{day.isoformat()}" + (f"-{slug}" if slug else "") + ".ics"


def slot_end(view: DriveDayView, start: time) -> time:
    """When the slot starting at `start` ends: one slot later, but never after the session closes."""
    end = datetime.combine(view.day, start) + timedelta(minutes=view.slot_minutes)
    closes = datetime.combine(view.day, view.end_time)
    return min(end, closes).time() if end.date() == view.day else view.end_time


def revision(signup: Signup, now: datetime) -> int:
    """The calendar event's SEQUENCE: seconds since the sign-up was made, so the file sent with the
    confirmation is 0 and every later one (a change of time, a moved session) replaces it in the calendar."""
    return max(0, int((now - signup.created_at).total_seconds()))


def signup_ics(t: Translator, view: DriveDayView, signup: Signup, *, tz: ZoneInfo, now: datetime) -> File:
    """The calendar file of a sign-up: the donor's slot (not the whole session) at the session's place.

    The event's UID stays the same for the sign-up (until it is cancelled and taken again, with a new
    code), so a file sent after a change updates the event instead of adding a second one.
    """
    summary = t("drive_ics_summary", campaign=view.campaign_name)
    location = ", ".join(p for p in (view.place_name, view.address) if p)
    description = t("drive_ics_description", code=signup.code)
    start = local(view.day, signup.slot_start, tz)
    end = local(view.day, slot_end(view, signup.slot_start), tz)
    # Where no file can be sent (Zalo): an "add to calendar" link and the time and place in words.
    alt = t(
        "drive_ics_alt",
        link=google_calendar_url(summary, start, end, location, description),
        day=t.day(view.day),
        start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"),
        place=location,
    )
    file = ics(
        uid=f"signup-{signup.id}-{signup.code}@donorbot",
        summary=summary,
        location=location,
        description=description,
        start=start,
        end=end,
        stamp=now,
        sequence=revision(signup, now),
        filename=ics_filename(view.day, view.place_name),
    )
    return replace(file, alt=alt)


def ics(
    *,
    uid: str,
    summary: str,
    location: str,
    description: str,
    start: datetime,
    end: datetime,
    stamp: datetime,
    sequence: int = 0,
    filename: str = "hien-mau.ics",
) -> File:
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
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    calendar.add_component(event)
    return File(filename, calendar.to_ical(), "text/calendar")


def local(day: object, at: object, tz: ZoneInfo) -> datetime:
    """A session's local date and time as an aware datetime."""
    return datetime.combine(day, at, tzinfo=tz)  # type: ignore[arg-type]


def checkin_link(bot_username: str | None, code: str) -> str:
    return f"https://t.me/{bot_username}?start=checkin_{code}" if bot_username else code


def qr_png(payload: str, *, filename: str, alt: str | None = None) -> File:
    """A QR code; `alt` is the text sent instead where the channel cannot show the image."""
    image = qrcode.make(payload, image_factory=qrcode.image.pure.PyPNGImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return File(filename, buffer.getvalue(), "image/png", is_image=True, alt=alt)
