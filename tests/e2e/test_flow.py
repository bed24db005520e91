"""Issue 12, "the flow": what a first week of real use found in the dialogues, end to end through the
emulator (the clock of these tests: Monday 2026-11-23, 09:00 in Vietnam)."""

from __future__ import annotations

from datetime import date

from tests.helpers import BotHarness, texts


async def test_away_takes_a_day_without_year_a_stretch_of_time_and_explains_a_past_day(
    bot: BotHarness,
) -> None:
    user = bot.user(12301)
    await bot.add_donor(user, phone="+84912301001", is_reserve=True)
    reply = texts(await bot.send(user, "/vangmat 25/12"))
    assert "tới hết ngày 25/12/2026" in reply, reply
    donor = await bot.donor_by_phone("+84912301001")
    assert donor is not None and donor.away_until == date(2026, 12, 25)

    reply = texts(await bot.send(user, "/vangmat 1 tuan"))
    assert "tới hết ngày 30/11/2026" in reply, reply

    reply = texts(await bot.send(user, "/vangmat 1/11/2026"))
    assert "01/11/2026 đã qua" in reply and "hôm nay là 23/11/2026" in reply, reply
    reply = texts(await bot.send(user, "/vangmat 31/11/2026"))
    assert "Tháng 11 chỉ có 30 ngày" in reply, reply
    donor = await bot.donor_by_phone("+84912301001")
    assert donor is not None and donor.away_until == date(2026, 11, 30), "a refused day changes nothing"
