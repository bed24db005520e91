"""The whole registration and erasure through the emulator, on each database backend; on PostgreSQL, turns
that lose their connection and the log of a failed turn."""

from __future__ import annotations

import logging
import traceback
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.context import Context
from models import donors
from models.tables import Callout, Donor
from tests.e2e.test_callouts import reserve
from tests.e2e.test_registration import register_until_summary
from tests.helpers import running_bot, texts


async def test_register_and_erase_on_each_backend(tmp_path: Path, database_url: str) -> None:
    async with running_bot(tmp_path, database_url=database_url) as bot:
        user = bot.user(5001)
        await register_until_summary(bot, user)
        await bot.press(user, "Xác nhận")
        donor = await bot.donor_by_phone("+84912345678")
        assert donor is not None and donor.ward == "Nhị Chiểu"
        await bot.send(user, "/xoa")
        await bot.press(user, "Xóa tất cả")
        assert await bot.personal_rows() == {
            "donors": 0,
            "donations": 0,
            "accounts": 0,
            "conversations": 0,
        }


# --- PostgreSQL dropping the bot's connections (a restart, a failover, an idle timeout) ------------------

APOLOGY = "bot vừa gặp sự cố"  # error_internal in Vietnamese
on_postgres = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


async def terminate(database_url: str, *, pid: int | None = None) -> int:
    """Ends the bot's server connections (or the one with `pid`) from a separate connection."""
    import asyncpg

    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        if pid is not None:
            return int(await conn.fetchval("SELECT count(*) FROM pg_terminate_backend($1) WHERE 1 = 1", pid))
        return int(
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await conn.close()


@pytest.mark.postgres
@on_postgres
async def test_the_first_message_after_the_server_dropped_the_connections_gets_its_answer(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, database_url=database_url) as bot:
        user = bot.user(5101)
        first = await bot.send(user, "/help")
        assert APOLOGY not in texts(first)
        assert await terminate(database_url) >= 1
        again = await bot.send(user, "/help")
        assert texts(again) == texts(first)
    # the pool pinged the dead connection and replaced it: the turn did not even need its second run
    assert "lost its database connection" not in caplog.text


@pytest.mark.postgres
@on_postgres
async def test_a_confirmation_whose_connection_is_lost_midway_is_run_again_and_saved_once(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    register = donors.register
    calls = 0

    async def register_losing_the_connection_once(session: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:  # the server ends this turn's connection after the turn has used it
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
            assert await terminate(database_url, pid=int(pid)) == 1
        return await register(session, *args, **kwargs)

    monkeypatch.setattr(donors, "register", register_losing_the_connection_once)
    async with running_bot(tmp_path, database_url=database_url) as bot:
        user = bot.user(5102)
        await register_until_summary(bot, user)
        shown = await bot.press(user, "Xác nhận")
        assert APOLOGY not in texts(shown)
        assert "đã đăng ký hiến máu tình nguyện thành công" in texts(shown)
        assert calls == 2
        assert await bot.count_donors() == 1
        assert await bot.count_donations() == 1


# --- no personal data in the log of a failed turn: asyncpg's errors repeat the values -------------------

PHONE = "+84912345678"


@pytest.mark.postgres
@on_postgres
async def test_the_log_of_a_turn_failing_on_a_duplicate_phone_does_not_show_the_phone(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, database_url=database_url) as bot:
        assert bot.app is not None
        await bot.add_donor(bot.user(5201), phone=PHONE)
        help_command = bot.app.dispatcher.routes.commands["help"]

        async def help_registering_the_phone_again(ctx: Context, args: str) -> None:
            await help_command.handler(ctx, args)
            ctx.session.add(
                Donor(
                    full_name="Trần Thị Bình",
                    phone=PHONE,
                    date_of_birth=date(1990, 1, 1),
                    sex="female",
                    ward="Tam Lưu",
                    is_reserve=False,
                    language="vi",
                    consent_at=ctx.now(),
                    created_at=ctx.now(),
                    updated_at=ctx.now(),
                )
            )
            await ctx.session.flush()  # unique violation; asyncpg's DETAIL line repeats the phone

        bot.app.dispatcher.routes.commands["help"] = replace(
            help_command, handler=help_registering_the_phone_again
        )
        caplog.clear()
        with caplog.at_level(logging.DEBUG):
            shown = await bot.send(bot.user(5202), "/help")
    assert APOLOGY in texts(shown)
    failed = [r for r in caplog.records if r.name == "handlers.router" and r.levelno >= logging.ERROR]
    assert failed, caplog.text
    tracebacks = "".join(
        "".join(traceback.format_exception(*r.exc_info)) for r in caplog.records if r.exc_info is not None
    )
    for logged in (caplog.text, tracebacks, *(r.getMessage() for r in caplog.records)):
        assert PHONE not in logged and PHONE[1:] not in logged
    # what failed, and where, is still there
    assert "IntegrityError" in caplog.text and "23505" in caplog.text and "uq_donors_phone" in caplog.text
    assert "help_registering_the_phone_again" in caplog.text


async def test_a_call_out_with_the_longest_place_address_and_contact_is_sent(
    tmp_path: Path, database_url: str
) -> None:
    columns = Callout.__table__.c
    samples = {
        "place": "Bệnh viện Đa khoa Kinh Môn",
        "address": "Phường An Lưu,",
        "contact": "BS Hùng 0912 000 999,",
    }
    longest = {  # single-spaced, as the dialogue stores it, and exactly as long as the column
        name: " ".join([text] * 100)[: columns[name].type.length - 1] + "x" for name, text in samples.items()
    }
    assert all(len(v) == columns[k].type.length for k, v in longest.items())
    async with running_bot(tmp_path, database_url=database_url) as bot:
        staff = bot.user(5101, name="Cán bộ")
        await bot.make_organiser(staff)
        donor = await reserve(bot, 5102, phone="+84912510200")
        await bot.send(staff, "/khancap")
        await bot.press(staff, "O+")
        await bot.press(staff, "Xong")
        await bot.press(staff, "Máu toàn phần")
        await bot.send(staff, "1")
        for name in ("place", "address", "contact"):
            refused = await bot.send(staff, longest[name] + "x")  # the dialogue takes what the column holds
            assert f"3–{columns[name].type.length} " in texts(refused), texts(refused)
            await bot.send(staff, longest[name])
        await bot.press(staff, "Trong 6 giờ")
        await bot.press(staff, "Xong")
        launched = await bot.press(staff, "Gửi ngay")
        assert "tới 1 người" in texts(launched), texts(launched)
        callout = await bot.scalar(select(Callout))
        assert callout is not None and (callout.place, callout.address, callout.contact) == tuple(
            longest[name] for name in ("place", "address", "contact")
        )
        await bot.emu.wait_until(
            lambda: any(longest["place"] in (m.text or "") for m in bot.emu.messages(donor.chat_id)),
            what="the call-out with the whole place",
        )
