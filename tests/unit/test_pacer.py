"""The pacer's hard limit: never more sends in a window than the rate allows, the fraction included."""

from __future__ import annotations

import pytest

from scheduler.pacer import Pacer


@pytest.mark.parametrize(("rate", "limit"), [(9.5, 10), (10, 10), (28, 28), (970, 970), (0.5, 1)])
def test_the_window_holds_the_rate_rounded_up(rate: float, limit: int) -> None:
    """9.5 msg/s against Zalo's 10 allowed 9 per window before, so it ran at 8.8 msg/s (bench (z))."""
    assert Pacer(rate).limit == limit
