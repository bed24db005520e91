"""Forged button data and bad deep links: never the internal-error apology, never a broken dialogue.

Every button prefix registered in handlers/registry.py (plus the prefixes of the buttons on screen at the
time) is pressed with junk payloads — empty, letters, '²' (`'²'.isdigit()` is true but `int('²')`
fails), negative, zero, beyond PostgreSQL's INTEGER, too many parts, very long, non-ASCII, NUL — by a
stranger in the middle of registration, a registered donor and an organiser in the middle of /khancap,
on SQLite and PostgreSQL. Afterwards each of them carries on as if nothing happened.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.i18n import Catalogs
from emulators.telegram import SentMessage, SimUser
from handlers.registry import build_routes
from models.tables import Callout, Donor, DriveDay
from tests.e2e.test_callouts import reserve
from tests.e2e.test_drives import KINH_MON
from tests.e2e.test_registration import register_until_summary
from tests.helpers import BotHarness, FixedClock, running_bot, texts

BAD_IDS = ["", "x", "²", "٣", "-1", "0", "+1", " 1", "1_0", "99999999999999999999", "3000000000"]
PAYLOADS = [
    *BAD_IDS,
    "1:2:3",
    ":",
    "x" * 300,
    "9" * 5000,
    "ü✓ tiếng việt 🩸",
    "\x00",
    "1\x00",
    "1:²",
    "²:yes",
    "3000000000:yes",
    "1:²²²²",
    "1:9999",
    "{sid}:²²²²",
    "{sid}:9999",
    "{sid}:3000000000",
    "{cid}:²",
    "move:3000000000",
    "cancel:²",
    "cancelyes:99999999999999999999",
    "list:3000000000",
    "extend:²",
    "page²",
    "defer_",
]


def apologies() -> set[str]:
    catalogs = Catalogs()
    return {catalogs.get(lang)("error_internal", hotline="")[:40] for lang in catalogs.languages()}


def plain_message(bot: BotHarness, user: SimUser) -> SentMessage:
    """A message of the bot without buttons to press forged data on (so no real keyboard is removed)."""
    return [m for m in bot.emu.messages(user.chat_id) if not m.inline_keyboard][-1]


def on_screen_prefixes(bot: BotHarness, user: SimUser) -> set[str]:
    message = bot.emu.last_keyboard_message(user.chat_id)
    return {str(b.get("callback_data", "")).split(":", 1)[0] for row in message.inline_keyboard for b in row}


async def forge_everything(bot: BotHarness, user: SimUser, ids: dict[str, int]) -> list[str]:
    """Presses every prefix × payload; returns the forged values that got the apology."""
    await bot.send(user, "/help")  # also asks the current question again
    prefixes = set(build_routes().buttons) | on_screen_prefixes(bot, user)
    target = plain_message(bot, user)
    sorry = apologies()
    failed: list[str] = []
    for prefix in sorted(prefixes):
        for payload in PAYLOADS:
            data = f"{prefix}:{payload.format(**ids)}"
            reply = await bot._turn(user, bot.emu.press(user, target, data, strict=False))
            if any(s in texts(reply) for s in sorry):
                failed.append(data[:60])
    return failed


async def step(bot: BotHarness, user: SimUser) -> tuple[str | None, str | None]:
    state = await bot.conversation(user)
    return (state.flow, state.step) if state else (None, None)


async def _forged_presses(tmp_path: Path, database_url: str) -> None:
    async with running_bot(tmp_path, FixedClock(), database_url=database_url) as bot:
        await bot.import_plan(KINH_MON)
        sid = int(await bot.scalar(select(DriveDay.id).where(DriveDay.key == "r1-tam-luu")))
        ids = {"sid": sid, "cid": 1}

        # a stranger in the middle of registration
        stranger = bot.user(6101)
        await register_until_summary(bot, stranger, phone="0912 610 100")
        before = await step(bot, stranger)
        assert await forge_everything(bot, stranger, ids) == []
        assert await step(bot, stranger) == before == ("registration", "summary")
        await bot.press(stranger, "Xác nhận")
        await bot.press(stranger, "Có")  # joins the reserve, and is asked the weight
        await bot.send(stranger, "55")
        assert await bot.donor_by_phone("+84912610100") is not None

        # an organiser in the middle of /khancap, with a reserve donor to call
        staff = bot.user(6102, name="Cán bộ")
        await bot.make_organiser(staff)
        donor = await reserve(bot, 6103, phone="+84912610103")
        await bot.send(staff, "/khancap")
        await bot.press(staff, "O+")
        await bot.press(staff, "Xong")
        await bot.press(staff, "Máu toàn phần")
        for answer in ("2", "Bệnh viện Đa khoa Kinh Môn", "Phường An Lưu", "BS Hùng 0912 000 999"):
            await bot.send(staff, answer)
        await bot.press(staff, "Trong 6 giờ")
        before = await step(bot, staff)
        assert await forge_everything(bot, staff, ids) == []
        assert await step(bot, staff) == before == ("callout_create", "area")
        await bot.press(staff, "Xong")
        launched = await bot.press(staff, "Gửi ngay")
        assert "tới 2 người" in texts(launched)  # the reserve donor and the stranger, now registered
        callout = await bot.scalar(select(Callout))
        assert callout is not None
        ids["cid"] = callout.id

        # a registered donor with a call-out to answer
        await bot.emu.wait_until(lambda: bool(bot.emu.messages(donor.chat_id)), what="the call-out")
        assert await forge_everything(bot, donor, ids) == []
        assert await step(bot, donor) == (None, None)
        accepted = await bot._turn(
            donor, bot.emu.press(donor, bot.emu.messages(donor.chat_id)[0], f"co:{callout.id}:yes")
        )
        assert "BS Hùng 0912 000 999" in texts(accepted)
        assert "Hồ sơ của bạn" in texts(await bot.send(donor, "/hoso"))


async def test_forged_presses_on_each_backend(tmp_path: Path, database_url: str) -> None:
    await _forged_presses(tmp_path, database_url)


# --- deep links -------------------------------------------------------------------------------------


async def test_a_bad_drive_deep_link_does_not_block_registration(tmp_path: Path, database_url: str) -> None:
    async with running_bot(tmp_path, FixedClock(), database_url=database_url) as bot:
        await bot.import_plan(KINH_MON)
        sorry = apologies()
        for n, arg in enumerate(["drive_²", "drive_99999999999999999999", "drive_3000000000", "drive_0"]):
            user = bot.user(6200 + n)
            phone = f"0912 620 10{n}"
            await register_until_summary(bot, user, phone=phone, start=f"/start {arg}")
            summary = bot.emu.last_keyboard_message(user.chat_id)
            assert any("Xác nhận" in label for label in summary.button_labels()), arg
            done = await bot.press(user, "Xác nhận")
            assert not any(s in texts(done) for s in sorry), (arg, texts(done))
            assert "Cảm ơn" in texts(done) or "đã đăng ký" in texts(done), (arg, texts(done))
            assert "không còn nhận đăng ký" in texts(done), (arg, texts(done))
            stored = await bot.scalar(select(Donor).where(Donor.phone == "+84" + phone[1:].replace(" ", "")))
            assert stored is not None, arg
            # the same link once registered: "not available", not an apology
            again = await bot.send(user, f"/start {arg}")
            assert not any(s in texts(again) for s in sorry), (arg, texts(again))
