"""The "add to Google Calendar" link: UTC times, and every text arriving as typed."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from domain.calendar_links import google_calendar_url

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "Hiến máu tình nguyện – Đợt 1/2026 & “Giọt hồng”"
PLACE = "Nhà văn hoá Tam Lưu, 12 đường Trần Hưng Đạo"
DETAILS = "Mã của bạn: K7M2Q9\nNhớ mang CCCD. 100% tự nguyện #hienmau"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)


def test_the_link_opens_googles_event_template_with_every_field_as_typed() -> None:
    url = google_calendar_url(
        TITLE, datetime(2026, 12, 5, 7, 30, tzinfo=VN), datetime(2026, 12, 5, 8, 0, tzinfo=VN), PLACE, DETAILS
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    assert query(url) == {
        "action": ["TEMPLATE"],
        "text": [TITLE],
        "dates": ["20261205T003000Z/20261205T010000Z"],  # 7:30 in Vietnam is 0:30 UTC
        "location": [PLACE],
        "details": [DETAILS],
    }


def test_diacritics_are_percent_encoded_utf8_and_survive_in_nfc() -> None:
    start = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)
    url = google_calendar_url(TITLE, start, start, PLACE, DETAILS)
    assert url.isascii() and " " not in url and "\n" not in url
    assert "Hi%E1%BA%BFn%20m%C3%A1u" in url  # "Hiến máu", spaces as %20 (not "+")
    assert "%26%20%E2%80%9CGi" in url  # the title's "&" is encoded, so it does not end the title
    assert unicodedata.is_normalized("NFC", query(url)["text"][0])


def test_times_in_any_zone_become_the_same_utc_instant() -> None:
    in_vietnam = datetime(2026, 12, 31, 23, 0, tzinfo=VN)
    in_utc = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert google_calendar_url("x", in_vietnam, in_vietnam, "", "") == google_calendar_url(
        "x", in_utc, in_utc, "", ""
    )
    assert query(google_calendar_url("x", in_vietnam, in_vietnam, "", ""))["dates"] == [
        "20261231T160000Z/20261231T160000Z"
    ]


def test_naive_or_reversed_times_are_refused() -> None:
    aware = datetime(2026, 12, 5, 7, 30, tzinfo=VN)
    with pytest.raises(ValueError, match="aware"):
        google_calendar_url("x", datetime(2026, 12, 5, 7, 30), aware, "", "")
    with pytest.raises(ValueError, match="before"):
        google_calendar_url("x", aware, aware.replace(hour=7, minute=0), "", "")
