"""/mydata holds everything stored about the person: the test walks every table for rows that reference the
donor (a foreign key to donors.id or to one of their chat accounts, their phone, their platform ids) and
checks that each value of each such row is in the file the person gets."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, and_, func, or_, select

from models import clubs, honours, links
from models.tables import Base, ChannelAccount, Donor, Outbox, Signup
from tests.e2e.test_callouts import callout_messages, reserve, start_callout
from tests.helpers import BotHarness, FixedClock, running_bot

PLAN = """
[campaign]
key = "mydata"
name = "Ngày hội thử"
year = 2026

[[sessions]]
key = "tam-luu"
date = 2026-11-30
start = "07:00"
end = "11:30"
place = "Nhà văn hóa Tam Lưu"
address = "Số 1 đường Tam Lưu"
ward = "Tam Lưu"
capacity = 50
"""
# Columns that only say where a row belongs or how a push is delivered, not something about the person:
# ids and keys (the person is the key), the outbox's delivery bookkeeping, and the payload (its text is
# checked; choices and queued files are the bot's own buttons and tickets).
NOT_ABOUT_THE_PERSON = {"id", "key", "priority", "batch", "lease_until", "payload", "recipients"}
# Who typed a wrong birth date for the person's phone is never told (docs/ARCHITECTURE.md, threat model).
SOMEONE_ELSES = {("link_failures", "platform"), ("link_failures", "user_id")}


async def settled(bot: BotHarness) -> None:
    """Waits until the delivery loop has sent every push that is due (so the rows no longer change; the
    thank-you waits 10 minutes after a result)."""
    for _ in range(400):
        waiting = await bot.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.status.in_(("pending", "sending")), Outbox.due_at <= bot.clock.now())
        )
        if not waiting:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the outbox did not drain")


def leaves(value: Any) -> set[str]:
    """Every scalar of the exported JSON, as text."""
    if isinstance(value, dict):
        return {leaf for v in value.values() for leaf in leaves(v)}
    if isinstance(value, list):
        return {leaf for v in value for leaf in leaves(v)}
    if value is None:
        return set()
    return {value if isinstance(value, str) else json.dumps(value)}


def shown(value: Any) -> set[str]:
    """The forms a stored value may take in the export."""
    if isinstance(value, datetime):
        return {value.astimezone(UTC).isoformat()}
    if isinstance(value, date | time):
        return {value.isoformat(), value.isoformat()[:5]}
    if isinstance(value, list | dict):
        return leaves(value)
    return {value if isinstance(value, str) else json.dumps(value)}


def referencing(table: Table, refers_to: str) -> list[Column[Any]]:
    return [fk.parent for fk in table.foreign_keys if fk.column.table.name == refers_to]


def conditions(table: Table, donor: Donor, accounts: list[ChannelAccount]) -> list[Any]:
    """How a row of `table` can be about the donor: the schema decides, not a list in this test."""
    found: list[Any] = [c == donor.id for c in referencing(table, "donors")]
    found += [c.in_([a.id for a in accounts]) for c in referencing(table, "channel_accounts")]
    if table.name == "donors":
        found.append(table.c.id == donor.id)
    if "phone" in table.c:
        found.append(table.c.phone == donor.phone)
    for column in ("chat_id", "user_id"):
        if {"platform", column} <= set(table.c.keys()) and table.name != "channel_accounts":
            found += [
                and_(table.c.platform == a.platform, table.c[column] == getattr(a, column)) for a in accounts
            ]
    return found


async def test_mydata_holds_every_row_that_is_about_the_person(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text(PLAN, encoding="utf-8")
    async with running_bot(tmp_path, FixedClock()) as bot:
        await bot.import_plan(tmp_path / "plan.toml")
        lan = await reserve(bot, 4401, phone="+84912004401", last_donation=date(2026, 5, 1))
        await bot.make_organiser(lan)  # an organiser who is a donor too
        other = await reserve(bot, 4402, phone="+84912004402")

        # an emergency call-out the donor started as organiser and answered as donor
        await start_callout(bot, lan)
        await bot.press(lan, "Gửi ngay")
        await bot.emu.wait_until(lambda: len(callout_messages(bot, lan)) == 1, what="the call-out")
        await bot.press(lan, "Tôi đến được")
        # she closes it (no longer needed), so her "yes" does not stand in the way of a booking
        tally = next(
            m
            for m in reversed(bot.emu.messages(lan.chat_id))
            if "Đóng lời kêu gọi" in " ".join(m.button_labels())
        )
        await bot._turn(lan, bot.emu.press(lan, tally, tally.button("Đóng lời kêu gọi")))
        # a sign-up, checked in, with a result and its thank-you
        await bot.send(lan, "/lichhien")
        await bot.press(lan, "30/11/2026")
        await bot.press(lan, "08:00")
        signup = await bot.scalar(select(Signup))
        assert signup is not None
        await bot.send(lan, f"/checkin {signup.code}")
        await bot.press(lan, "Vẫn check-in")  # the session is a week ahead: the desk confirms the day
        await bot.press(lan, "350 ml")
        await bot.send(lan, "/vangmat 30/12/2026")
        assert bot.app is not None
        async with bot.app.sessions() as session, session.begin():
            donor = await bot.donor_by_phone("+84912004401")
            assert donor is not None
            account = await session.scalar(select(ChannelAccount).where(ChannelAccount.donor_id == donor.id))
            assert account is not None
            # what another chat's attempts leave on the profile: a wrong birth date, a link notice, a request
            await links.record_failure(
                session, phone=donor.phone, platform="telegram", user_id=str(other.id), now=bot.clock.now()
            )
            await links.add_notice(
                session, donor_id=donor.id, account_id=account.id, recipients=[], now=bot.clock.now()
            )
            await links.request_approval(
                session, donor_id=donor.id, account_id=account.id, action="mydata", now=bot.clock.now()
            )
            # she is in a club, and once typed a club code wrong
            club = await clubs.create(
                session,
                name="CLB Tam Lưu",
                kind="club",
                ward="Tam Lưu",
                key=None,
                actor="cli:lan",
                now=bot.clock.now(),
            )
            await clubs.add_members(session, club.id, [donor.id], source="chat", now=bot.clock.now())
            # the organisers corrected her donations before the bot
            mine = await session.get(Donor, donor.id)
            assert mine is not None
            await honours.correct_earlier(session, mine, 7, actor="cli:lan", now=bot.clock.now())
        await bot.send(lan, "CLB-ZZZZZZ")  # a wrong club code, counted for her chat
        await bot.send(lan, "/kiemtra")  # a dialogue in progress
        await settled(bot)
        reply = await bot.send(lan, "/mydata")
        files = [m.file for m in reply if m.file is not None and m.file.filename.endswith(".json")]
        assert len(files) == 1
        exported = json.loads(files[0].content)
        in_export = leaves(exported)

        donor = await bot.donor_by_phone("+84912004401")
        assert donor is not None
        missing: list[str] = []
        async with bot.app.sessions() as session:
            mine = select(ChannelAccount).where(ChannelAccount.donor_id == donor.id)
            accounts = list((await session.scalars(mine)).all())
            tables_about_people = 0
            for table in Base.metadata.sorted_tables:
                found = conditions(table, donor, accounts)
                if not found:
                    continue
                tables_about_people += 1
                skip = NOT_ABOUT_THE_PERSON | {c.name for c in table.c if c.foreign_keys}
                for row in (await session.execute(select(table).where(or_(*found)))).mappings():
                    for name, value in row.items():
                        if name in skip or (table.name, name) in SOMEONE_ELSES:
                            continue
                        if value is None or isinstance(value, bool) or value in ({}, []):
                            continue
                        if not shown(value) & in_export:
                            missing.append(f"{table.name}.{name} = {value!r}")
                    if table.name == "outbox" and row["payload"]["text"] not in in_export:
                        missing.append(f"outbox text {row['payload']['text'][:40]!r}")
        assert tables_about_people >= 11, "the walk found too few tables"
        assert not missing, "\n".join(missing)
        assert exported["donations_before_the_bot"] == {
            "count": 7,
            "checked_by_organisers_at": bot.clock.now().isoformat(),
        }
        assert exported["emergency_callouts"][0]["answer"] == "accepted"
        assert exported["dialogues_in_progress"][0]["flow"] == "selfcheck"
        assert exported["clubs"][0]["club"] == "CLB Tam Lưu" and len(exported["wrong_club_codes"]) == 1
