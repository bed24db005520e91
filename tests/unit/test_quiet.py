"""Quiet hours: a push due at night waits for the morning; examples and properties."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.quiet import in_quiet_hours, shift_out_of_quiet

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT = {"start": time(21, 0), "end": time(7, 0), "tz": VN}


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (local(2020, 8, 2, 19, 0), local(2020, 8, 2, 19, 0)),  # evening: unchanged
        (local(2020, 8, 2, 20, 59), local(2020, 8, 2, 20, 59)),
        (local(2020, 8, 2, 21, 0), local(2020, 8, 3, 7, 0)),  # exactly at the start: waits
        (local(2020, 8, 2, 22, 0), local(2020, 8, 3, 7, 0)),  # before midnight: tomorrow morning
        (local(2020, 8, 2, 23, 59), local(2020, 8, 3, 7, 0)),
        (local(2020, 8, 3, 0, 0), local(2020, 8, 3, 7, 0)),  # after midnight: this morning
        (local(2020, 8, 3, 6, 30), local(2020, 8, 3, 7, 0)),
        (local(2020, 8, 3, 6, 59), local(2020, 8, 3, 7, 0)),
        (local(2020, 8, 3, 7, 0), local(2020, 8, 3, 7, 0)),  # exactly at the end: goes
        (local(2020, 12, 31, 22, 0), local(2021, 1, 1, 7, 0)),  # across the year
    ],
)
def test_night_window_crossing_midnight(when: datetime, expected: datetime) -> None:
    assert shift_out_of_quiet(when, **NIGHT) == expected


def test_result_is_in_utc_like_the_input() -> None:
    shifted = shift_out_of_quiet(datetime(2020, 8, 2, 15, 0, tzinfo=UTC), **NIGHT)  # 22:00 local
    assert shifted == datetime(2020, 8, 3, 0, 0, tzinfo=UTC) and shifted.tzinfo is UTC


def test_a_window_within_one_day() -> None:
    lunch = {"start": time(12, 0), "end": time(13, 30), "tz": VN}
    assert shift_out_of_quiet(local(2020, 8, 2, 12, 0), **lunch) == local(2020, 8, 2, 13, 30)
    assert shift_out_of_quiet(local(2020, 8, 2, 13, 29), **lunch) == local(2020, 8, 2, 13, 30)
    assert shift_out_of_quiet(local(2020, 8, 2, 13, 30), **lunch) == local(2020, 8, 2, 13, 30)
    assert shift_out_of_quiet(local(2020, 8, 2, 11, 59), **lunch) == local(2020, 8, 2, 11, 59)


def test_equal_start_and_end_means_no_quiet_hours() -> None:
    when = local(2020, 8, 2, 23, 0)
    assert shift_out_of_quiet(when, start=time(22, 0), end=time(22, 0), tz=VN) == when


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        shift_out_of_quiet(datetime(2020, 8, 2, 22, 0), **NIGHT)


def test_an_ambiguous_end_never_goes_back_in_time() -> None:
    # Europe/Berlin, 25 Oct 2020: 02:00–03:00 happens twice. Due in the second 02:15, quiet until 02:30.
    berlin = ZoneInfo("Europe/Berlin")
    when = datetime(2020, 10, 25, 2, 15, fold=1, tzinfo=berlin).astimezone(UTC)
    shifted = shift_out_of_quiet(when, start=time(1, 0), end=time(2, 30), tz=berlin)
    assert shifted >= when
    assert shifted - when == timedelta(minutes=15)


times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
zones = st.sampled_from([VN, ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata")])


@given(when=instants, start=times, end=times, tz=zones)
def test_the_result_is_never_inside_and_never_earlier(
    when: datetime, start: time, end: time, tz: ZoneInfo
) -> None:
    shifted = shift_out_of_quiet(when, start=start, end=end, tz=tz)
    assert shifted >= when
    assert not in_quiet_hours(shifted, start=start, end=end, tz=tz)
    assert shifted - when < timedelta(days=1)


@given(when=instants, start=times, end=times, tz=zones)
def test_outside_the_window_nothing_changes(when: datetime, start: time, end: time, tz: ZoneInfo) -> None:
    if not in_quiet_hours(when, start=start, end=end, tz=tz):
        assert shift_out_of_quiet(when, start=start, end=end, tz=tz) == when


@given(when=instants, start=times, end=times, tz=zones)
def test_the_push_goes_exactly_when_the_quiet_hours_end(
    when: datetime, start: time, end: time, tz: ZoneInfo
) -> None:
    shifted = shift_out_of_quiet(when, start=start, end=end, tz=tz)
    if shifted != when:
        assert shifted.astimezone(tz).time() == end
        # and every minute in between was quiet
        assert in_quiet_hours(shifted - timedelta(minutes=1), start=start, end=end, tz=tz)


@given(when=instants, tz=zones)
def test_shifting_twice_changes_nothing(when: datetime, tz: ZoneInfo) -> None:
    once = shift_out_of_quiet(when, start=time(21, 0), end=time(7, 0), tz=tz)
    assert shift_out_of_quiet(once, start=time(21, 0), end=time(7, 0), tz=tz) == once
