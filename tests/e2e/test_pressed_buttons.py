"""Button presses that fail or are refused keep the pressed message's buttons; taken ones lose them.

Telegram takes the buttons off a pressed message only when the turn took the press; after the
internal-error apology, or a refusal such as "that slot just filled up", they stay to press again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import PROJECT_ROOT
from models import drive_days, signups
from models.tables import Signup
from tests.helpers import BotHarness, FixedClock, running_bot

KINH_MON = PROJECT_ROOT / "examples" / "kinh-mon-2020.toml"
BEFORE_ROUND_1 = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)
SMALL_PLAN = """
[campaign]
key = "test-three-slots"
name = "Ngày hội thử"
year = 2020

[[sessions]]
key = "three"
date = 2020-08-10
start = "07:00"
end = "08:30"
place = "Hội trường nhỏ"
ward = "Tam Lưu"
capacity = 3
slot_minutes = 30
"""


@pytest.fixture
async def drive_bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as harness:
        await harness.import_plan(KINH_MON)
        yield harness


async def test_buttons_stay_when_the_turn_failed(
    drive_bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = drive_bot.user(7305)
    await drive_bot.add_donor(user, phone="+84912007305")
    await drive_bot.send(user, "/lichhien")
    await drive_bot.press(user, "03/08/2020")
    slots = drive_bot.emu.last_keyboard_message(user)
    take_slot = signups.take_slot
    failures = iter([RuntimeError("database hiccup")])

    async def flaky(*args: object, **kwargs: object) -> object:
        if (error := next(failures, None)) is not None:
            raise error
        return await take_slot(*args, **kwargs)

    monkeypatch.setattr(signups, "take_slot", flaky)
    (apology,) = await drive_bot.press(user, "07:30")
    assert "Xin lỗi" in (apology.text or "")
    assert "07:30 (28)" in slots.button_labels()  # still there to press again
    done = await drive_bot.press(user, "07:30")
    signup = await drive_bot.scalar(select(Signup))
    assert signup is not None and f"Mã đăng ký: {signup.code}" in (done[0].text or "")
    assert [m.kind for m in done] == ["text", "document", "photo"]
    assert slots.button_labels() == []  # taken: now they go


async def test_a_refused_press_keeps_the_buttons_for_another_choice(tmp_path: Path) -> None:
    plan = tmp_path / "small.toml"
    plan.write_text(SMALL_PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock(BEFORE_ROUND_1)) as bot:
        await bot.import_plan(plan)
        lan, other = bot.user(7306), bot.user(7307)
        await bot.add_donor(lan, phone="+84912007306")
        other_id = await bot.add_donor(other, phone="+84912007307")
        await bot.send(lan, "/lichhien")
        await bot.press(lan, "10/08/2020")
        await bot.press(lan, "07:00")
        await bot.send(lan, "/lichcuatoi")
        await bot.press(lan, "Đổi giờ")
        new_slots = bot.emu.last_keyboard_message(lan)
        assert new_slots.button_labels() == ["07:30", "08:00"]
        assert bot.app is not None
        async with bot.app.sessions() as session, session.begin():  # someone takes 07:30 meanwhile
            drive_day_id = (
                await drive_days.upcoming_drive_days(
                    session, now=bot.clock.now(), tz=bot.settings.tz, ward=None
                )
            )[0].id
            taken = await signups.take_slot(
                session,
                drive_day_id=drive_day_id,
                donor_id=other_id,
                slot_start=datetime(2020, 8, 10, 7, 30).time(),
                now=bot.clock.now(),
                tz=bot.settings.tz,
            )
            assert isinstance(taken, Signup)
        (refused,) = await bot.press(lan, "07:30")
        assert "vừa kín chỗ" in (refused.text or "")
        assert new_slots.button_labels() == ["07:30", "08:00"]  # still there: pick another
        moved, calendar = await bot.press(lan, "08:00")  # the new time comes with its calendar file
        assert "Đã đổi sang khung giờ 08:00" in (moved.text or "")
        assert calendar.file is not None and calendar.file.filename.endswith(".ics")
        assert new_slots.button_labels() == []
