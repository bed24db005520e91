"""Every button the bot builds fits Telegram's 64 bytes of callback data, however long the data.

Telegram refuses a whole message (BUTTON_DATA_INVALID) when one button carries more than 64 bytes,
so the person gets nothing. Button values are built from ids, never from keys or names, so this test
drives every journey with the longest data the bot accepts — ids near the top of the INTEGER range
(BIGINT for announcements), a 64-character campaign and session key, 160-character names, twelve
80-character ward names — collects every button of every Bot API call (failed ones too), and checks
that every button prefix the bot has was seen, that none is over the limit, and that each value parses
back as exactly one kind declared in core/buttons.py (so no button is built by hand past its declaration).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from core.buttons import ButtonData
from domain.ids import MAX_BIG_ID, MAX_ID
from emulators.telegram import SentMessage, SimUser
from handlers.registry import build_routes
from models.tables import (
    AuditEntry,
    Callout,
    Campaign,
    ChannelAccount,
    Donor,
    DriveDay,
    Outbox,
    Signup,
)
from scheduler.planner import plan_followups
from tests.helpers import BotHarness, FixedClock, running_bot, shared_knowledge, texts

MAX_BYTES = 64
WARDS = tuple((f"Phường số {n:02d} " + "Kinh Môn " * 9)[:79] + "x" for n in range(12))  # 12 × 80 characters
KEY = "chien-dich-hien-mau-tinh-nguyen-thi-xa-kinh-mon-nam-2026-dot-mot"  # 64 characters
# Buttons that only work inside their dialogue (the rest are registered in handlers/registry.py).
FLOW_PREFIXES = {
    "lang", "consent", "summary", "edit", "sex", "age", "blood", "weight", "ward", "organisation",
    "donated", "last_donation", "reserve", "chk", "cmp", "cward", "cnew", "cog", "coc", "codl", "coa", "cogo",
    "annaud", "annward", "annok", "erase",
}  # fmt: skip
# Buttons a dialogue leaves in `ctx.then` to run after it, never shown (a club's code kept through
# registration: handlers/clubs.py).
THEN_ONLY = {"clbjoin"}


def long_text(text: str, length: int) -> str:
    return " ".join([text] * length)[: length - 1] + "x"


def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(
        f"""
[campaign]
key = "{KEY}"
name = "{long_text("Kinh Môn ngàn trái tim vàng", 160)}"
year = 2026

[[sessions]]
key = "{KEY}"
date = 2026-11-30
start = "07:00"
end = "11:30"
place = "{long_text("Nhà văn hóa khu dân cư", 160)}"
ward = "{WARDS[11]}"
capacity = 250
""",
        encoding="utf-8",
    )
    return path


async def near_the_top(bot: BotHarness) -> None:
    """Rows with ids near the top of their range, so every id the bot creates next is that long."""
    assert bot.app is not None
    now, top = bot.clock.now(), MAX_ID - 1000
    stamps = {"created_at": now, "updated_at": now}
    async with bot.app.sessions() as session, session.begin():
        session.add(Campaign(id=top, key="placeholder", name="placeholder", year=2000, **stamps))
        session.add(
            Donor(id=top, full_name="Placeholder", phone="+84900000000", date_of_birth=date(1990, 1, 1),
                  sex="male", language="vi", consent_at=now, **stamps)
        )  # fmt: skip
        await session.flush()
        session.add(ChannelAccount(id=top, platform="none", user_id="0", chat_id="0", donor_id=top,
                                   unreachable_at=now, created_at=now))  # fmt: skip
        session.add(
            DriveDay(id=top, campaign_id=top, key="p", day=date(2000, 1, 1), start_time=time(7),
                         end_time=time(8), place_name="p", capacity=1, status="cancelled", **stamps)
        )  # fmt: skip
        await session.flush()
        session.add(Signup(id=top, drive_day_id=top, donor_id=top, slot_start=time(7), code="PLACEHOLD",
                           status="cancelled", **stamps))  # fmt: skip
        session.add(Callout(id=top, groups=["O+"], component="whole_blood", units_needed=1, place="p",
                            deadline=now, status="closed", waves_sent=0, created_at=now))  # fmt: skip
        session.add(AuditEntry(id=MAX_BIG_ID - 1000, at=now, actor="test", action="placeholder", details={}))
        session.add(Outbox(id=MAX_BIG_ID - 1000, key="placeholder", account_id=top, kind="notice", priority=1,
                           payload={}, due_at=now, status="cancelled", created_at=now))  # fmt: skip


def buttons_of(markup: Any) -> list[str]:
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard", [])
    return [str(b["callback_data"]) for row in rows for b in row if b and "callback_data" in b]


def find(bot: BotHarness, user: SimUser, start: str) -> tuple[SentMessage, str]:
    """The newest message with a button whose data starts with `start`, and that data."""
    for message in reversed(bot.emu.messages(user.chat_id)):
        for row in message.inline_keyboard:
            for button in row:
                data = str(button.get("callback_data", ""))
                if data.startswith(start) and not message.deleted:
                    return message, data
    raise AssertionError(f"no button {start!r} in chat {user.chat_id}")


async def tap(bot: BotHarness, user: SimUser, start: str) -> list[SentMessage]:
    message, data = find(bot, user, start)
    return await bot._turn(user, bot.emu.press(user, message, data))


async def edited(bot: BotHarness, user: SimUser, words: str) -> None:
    """Waits until the pressed question was replaced by one that says `words` (a tap's edit)."""
    await bot.emu.wait_until(
        lambda: words in (bot.emu.messages(user.chat_id)[-1].text or ""), what=f"the edit to {words!r}"
    )


async def arrives(bot: BotHarness, user: SimUser, start: str) -> None:
    def there() -> bool:
        try:
            find(bot, user, start)
        except AssertionError:
            return False
        return True

    await bot.emu.wait_until(there, what=f"a push with a {start!r} button")


async def test_every_button_fits_in_64_bytes(tmp_path: Path) -> None:
    clock = FixedClock()  # Monday 23/11/2026, 09:00 in Vietnam
    async with running_bot(tmp_path, clock, area={"wards": WARDS}) as bot:
        await near_the_top(bot)
        await bot.import_plan(plan_file(tmp_path))
        sid = await bot.scalar(select(DriveDay.id).where(DriveDay.key == KEY))
        assert sid > MAX_ID - 1000

        # a stranger comes from a poster, registers (editing one answer) and lands on the session
        lan = bot.user(7_000_000_001, name="Lan")
        await bot.send(lan, f"/start drive_{sid}")
        await tap(bot, lan, "lang:en")  # the consent in English, then back in Vietnamese (edits)
        await edited(bot, lan, "Hello!")
        await tap(bot, lan, "lang:vi")
        await edited(bot, lan, "Chào bạn!")
        await tap(bot, lan, "consent:yes")
        await bot.send(lan, long_text("Nguyễn Thị Lan", 80))
        await bot.send(lan, "3/8/2015")  # a typo: "is this right?"
        await tap(bot, lan, "age:retype")
        await bot.send(lan, "3/8/1995")
        await tap(bot, lan, "sex:female")
        await bot.send(lan, "0912 345 678")
        await tap(bot, lan, "blood:O+")
        await tap(bot, lan, "ward:page1")
        await edited(bot, lan, "(trang 2/2)")
        await tap(bot, lan, "ward:11")
        await tap(bot, lan, "last_donation:never")  # next to "donated:yes"
        await tap(bot, lan, "summary:edit")
        await tap(bot, lan, "edit:full_name")
        await bot.send(lan, long_text("Nguyễn Thị Lan", 80))
        await tap(bot, lan, "summary:confirm")
        await tap(bot, lan, "joinres:yes")
        await bot.send(lan, "52")  # a reserve donor without a weight is never called: asked at once
        await tap(bot, lan, f"slot:{sid}:")
        await bot.send(lan, "/lichcuatoi")
        await tap(bot, lan, "mysu:move:")
        await tap(bot, lan, "mvslot:")
        await bot.send(lan, "/nhacnho")
        await tap(bot, lan, "remind:")
        await bot.send(lan, "/ngonngu")
        await tap(bot, lan, "setlang:vi")
        await bot.send(lan, "/kiemtra")
        for _ in range(30):  # the first answer each time, typing a date when one is asked
            try:
                message, data = find(bot, lan, "chk:")
            except AssertionError:
                break
            if message is not bot.emu.messages(lan.chat_id)[-1]:
                if "ngày" not in (bot.emu.messages(lan.chat_id)[-1].text or ""):
                    break
                await bot.send(lan, "2 tuần trước")
                continue
            await bot._turn(lan, bot.emu.press(lan, message, data))
        await bot.send(lan, "/huy")
        assert bot.app is not None
        async with bot.app.sessions() as session, session.begin():
            await session.execute(update(Donor).where(Donor.phone == "+84912345678").values(
                eligible_from=date(2027, 1, 1), eligible_from_opt_in_at=clock.now()))  # fmt: skip
        await bot.send(lan, "/hoso")
        await tap(bot, lan, "eligfrom:")
        await bot.send(lan, "/hoso")
        await tap(bot, lan, "hoso:organisation")
        await tap(bot, lan, "organisation:skip")
        await tap(bot, lan, "hoso:reserve")
        await tap(bot, lan, "reserve:yes")
        await bot.send(lan, "/hoso")
        await tap(bot, lan, "hoso:ward")
        await bot.send(lan, "/huy")
        await bot.send(lan, "chuẩn bị gì và sau đó làm gì")  # not sure: the closest questions as buttons
        await tap(bot, lan, "faq:")

        # an organiser: the session's buttons, a chat-made session, a call-out, an announcement
        staff = bot.user(7_000_000_002, name="Cán bộ")
        await bot.make_organiser(staff)
        await bot.send(staff, "/lichhien")
        await tap(bot, staff, f"drive:{sid}")
        await tap(bot, staff, "orgdrive:move:")
        await bot.send(staff, "/huy")
        await bot.send(staff, "/taodot")
        cid = await bot.scalar(select(Campaign.id).where(Campaign.key == KEY))
        await tap(bot, staff, f"cmp:{cid}")
        await bot.send(staff, "1/12/2026")
        await bot.send(staff, "7h-10h30")
        await bot.send(staff, long_text("Trường THCS Tam Lưu", 160))
        await tap(bot, staff, "cward:11")
        await bot.send(staff, "100")
        await tap(bot, staff, "cedit:address")
        await tap(bot, staff, "fskip:skip")
        await tap(bot, staff, "cedit:slot")
        await tap(bot, staff, "cslot:60")
        await tap(bot, staff, "cedit:audience")
        await tap(bot, staff, "caud:agency")
        created = texts(await tap(bot, staff, "cnew:yes"))
        assert "start=drive_" in created, created
        await bot.send(staff, "/taochiendich")
        await bot.send(staff, long_text("Hành trình đỏ", 160))
        await bot.send(staff, "1/12/2026")
        await bot.send(staff, "31/12/2026")
        for _ in ("unit", "slogan", "units", "repeat", "share_350", "reserve", "quotas"):
            await tap(bot, staff, "fskip:skip")
        assert "/taodot" in texts(await tap(bot, staff, "cmpok:yes"))
        await bot.send(staff, "/lichhien")
        await tap(bot, staff, "drive:")
        await tap(bot, staff, "orgdrive:cancel:")
        await tap(bot, staff, "orgdrive:cancelyes:")

        await bot.send(staff, "/taoclb")  # a club with the longest name; Lan joins it by its code
        await bot.send(staff, long_text("CLB Hiến máu tình nguyện Tam Lưu", 120))
        created = texts(await tap(bot, staff, "clbkind:living_bank"))
        club_code = re.search(r"CLB-[0-9A-Z]{6}", created)
        assert club_code is not None, created
        assert "Bạn đã tham gia" in texts(await bot.send(lan, club_code.group()))

        await bot.send(staff, "/khancap")
        await tap(bot, staff, "cog:O+")
        await tap(bot, staff, "cog:done")
        await tap(bot, staff, "coc:whole_blood")
        await bot.send(staff, "1")
        for length in (160, 300, 300):
            await bot.send(staff, long_text("Bệnh viện Đa khoa Kinh Môn", length))
        await tap(bot, staff, "codl:6")
        await tap(bot, staff, "coa:11")
        await tap(bot, staff, "coa:done")
        await tap(bot, staff, "coclb:")  # the club toggled, then Done: its members first
        await tap(bot, staff, "coclb:done")
        await tap(bot, staff, "cogo:yes")
        await tap(bot, staff, "cov:refresh:")
        await arrives(bot, lan, "co:")
        await tap(bot, lan, "co:")
        await bot.emu.wait_until(
            lambda: any("đã đủ" in (m.text or "") for m in bot.emu.messages(staff.chat_id)), what="filled"
        )

        await bot.send(staff, "/thongbao")
        await tap(bot, staff, "annaud:ward")
        await tap(bot, staff, "annward:11")
        await bot.send(staff, "Chủ nhật này có buổi hiến máu.")
        await tap(bot, staff, "annok:yes")
        await tap(bot, staff, "annprog:")

        # the donor is checked in and gives blood; the day after, "how do you feel?"
        code = await bot.scalar(select(Signup.code).where(Signup.drive_day_id == sid))
        await bot.send(staff, f"/checkin {code}")  # a week early: "check in anyway?"
        find(bot, staff, "desk:in:")
        clock.current = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # the blood day, 09:00 in Vietnam
        await bot.send(staff, f"/checkin {code}")
        await tap(bot, staff, "desk:weight:")
        await bot.send(staff, "52")
        await tap(bot, staff, "res:")
        await bot.send(staff, f"/checkin {code}")  # the result on record, and "correct it"
        await tap(bot, staff, "desk:fix:")
        await tap(bot, staff, "res:")
        clock.current = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 the day after, in Vietnam
        async with bot.app.sessions() as session, session.begin():
            settings = bot.app.settings
            await plan_followups(
                session, catalogs=bot.app.catalogs, settings=settings, rules=shared_knowledge().rules,
                now=clock.now(),
            )  # fmt: skip
        if bot.app.dispatcher.on_pushed is not None:
            bot.app.dispatcher.on_pushed()  # wake the delivery loop, as the scheduler's job would
        await arrives(bot, lan, "feel:")
        await tap(bot, lan, "feel:")

        # a second chat links itself to the profile: the first chat may take it off again
        other = bot.user(7_000_000_003, name="Lan")
        await bot.send(other, "/start")
        await tap(bot, other, "consent:yes")
        await bot.send(other, "Nguyễn Thị Lan")
        await bot.send(other, "3/8/1995")
        await tap(bot, other, "sex:female")
        await bot.send(other, "0912 345 678")
        await bot.send(other, "/mydata")  # a chat this new needs the first chat's approval
        await arrives(bot, lan, "appr:")
        await tap(bot, lan, "appr:")
        await arrives(bot, lan, "unlink:")
        await tap(bot, lan, "unlink:")
        await bot.send(lan, "/clbcuatoi")
        await tap(bot, lan, "clbleave:")
        await bot.send(lan, "/xoa")
        await tap(bot, lan, "erase:no")

        seen: set[str] = set()
        too_long: list[str] = []
        undeclared: dict[str, list[str]] = {}  # a value that parses as no declared kind, or as several
        refused = [c for c in bot.emu.calls if "BUTTON_DATA_INVALID" in (c.description or "")]
        for call in bot.emu.calls:
            for data in buttons_of(call.params.get("reply_markup")):
                seen.add(data.split(":", 1)[0])
                if len(data.encode()) > MAX_BYTES:
                    too_long.append(data)
                kinds = [
                    kind.__name__ for kind in ButtonData.declared.values() if kind.parse(data) is not None
                ]
                if len(kinds) != 1:
                    undeclared[data] = kinds
        assert too_long == [] and refused == []
        assert not undeclared, f"buttons that do not parse as one declared kind: {undeclared}"
        missing = (set(build_routes().buttons) | FLOW_PREFIXES) - THEN_ONLY - seen
        assert not missing, f"journeys never showed these buttons: {sorted(missing)}"
