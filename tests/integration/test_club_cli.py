"""`donorbot club …` as an organiser types it: the join code printed, counts and leaders shown, a member
made a leader, a code replaced, mistakes named by their option, every change audited under one actor."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.harness import cli_actor
from models import donors
from models.db import create_engine, session_factory
from models.tables import AuditEntry, Club
from tests.integration.test_cli_output import Donorbot
from tests.integration.test_models_contract import new_donor


@pytest.fixture
def donorbot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Donorbot:
    return Donorbot(tmp_path, capsys)


async def _register(url: str, phone: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await donors.register(
                session,
                new_donor(phone, is_reserve=True, blood_abo="O", blood_rh="+"),
                platform="telegram",
                user_id=phone[-6:],
                chat_id=phone[-6:],
                now=datetime.now(UTC),
            )
    finally:
        await engine.dispose()


async def _rows(url: str, statement: object) -> list[object]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return list((await session.scalars(statement)).all())  # type: ignore[call-overload]
    finally:
        await engine.dispose()


def test_a_club_from_creation_to_a_leader_and_a_new_code(donorbot: Donorbot) -> None:
    code, out, err = donorbot("club", "create", "CLB Hiến máu Tam Lưu", "--ward", "tam luu")
    assert code == 0, err
    assert "Club clb-hien-mau-tam-luu created" in out
    join = re.search(r"Join code: (CLB-[0-9A-Z]{6})", out)
    assert join is not None
    code, out, _ = donorbot("club", "create", "CLB Hiến máu Tam Lưu", "--kind", "school")
    assert code == 0 and "clb-hien-mau-tam-luu-2" in out, "a taken key made from the name gets a number"
    assert (
        donorbot("club", "create", "x", "--key", "a")[2]
        == "donorbot club: NAME: must have 3 to 120 characters\n"
    )
    code, _, err = donorbot("club", "create", "CLB Hai", "--key", "clb-hien-mau-tam-luu")
    assert code == 2 and "exists already" in err
    code, _, err = donorbot("club", "create", "CLB Hai", "--key", "Bad Key")
    assert code == 2 and "--key: lower-case letters" in err
    code, _, err = donorbot("club", "create", "CLB Hai", "--ward", "Hà Nội")
    assert code == 2 and "--ward" in err

    asyncio.run(_register(donorbot.url, "+84912008001"))
    code, _, err = donorbot("club", "leader", "clb-hien-mau-tam-luu", "--phone", "0912 008 001")
    assert code == 2 and "not a member" in err
    assert "Added" in donorbot("club", "add-member", "clb-hien-mau-tam-luu", "--phone", "0912 008 001")[1]
    assert "Already" in donorbot("club", "add-member", "clb-hien-mau-tam-luu", "--phone", "0912008001")[1]
    assert "leader" in donorbot("club", "leader", "clb-hien-mau-tam-luu", "--phone", "0912 008 001")[1]
    code, out, _ = donorbot("club", "show", "clb-hien-mau-tam-luu")
    assert "Members: 1, leaders: 1" in out and "0912 008 001" in out and join.group(1) in out
    code, out, _ = donorbot("club", "list")
    assert "clb-hien-mau-tam-luu\tCLB Hiến máu Tam Lưu\tclub\tTam Lưu\t1 member(s), 1 leader(s)" in out
    code, out, _ = donorbot("club", "new-code", "clb-hien-mau-tam-luu")
    assert code == 0 and join.group(1) not in out
    assert "no club with key" in donorbot("club", "show", "nope")[2]
    assert (
        "no registered donor"
        in donorbot("club", "add-member", "clb-hien-mau-tam-luu", "--phone", "0912 000 111")[2]
    )
    # a call-out that asks this club's members first: the other reserve donor waits for wave 2
    asyncio.run(_register(donorbot.url, "+84912008002"))
    callout = ("callout", "create", "--groups", "O+", "--units", "1", "--place", "BV Kinh Môn")
    callout += ("--address", "Phường An Lưu", "--contact", "BS Hùng", "--deadline", "23:59")
    code, out, err = donorbot(*callout, "--club", "clb-hien-mau-tam-luu")
    assert code == 0, err
    assert "2 reserve donors match" in out
    assert "Clubs first (1 club(s)): 1 matching member(s) in wave 1." in out
    assert "wave 1 queued for 1 donors" in out
    assert "no club with key" in donorbot(*callout, "--club", "nope", "--dry-run")[2]
    csv_path = donorbot.db.parent / "clubs.csv"
    code, _, err = donorbot("report", "--format", "csv", "--table", "clubs", "--output", str(csv_path))
    assert code == 0, err
    row = "CLB Hiến máu Tam Lưu,clb-hien-mau-tam-luu,Câu lạc bộ hiến máu,Tam Lưu,1,"
    assert row in csv_path.read_text(encoding="utf-8-sig")
    assert (
        "Removed" in donorbot("club", "remove-member", "clb-hien-mau-tam-luu", "--phone", "0912 008 001")[1]
    )

    clubs = asyncio.run(_rows(donorbot.url, select(Club)))
    assert len(clubs) == 2
    entries = asyncio.run(_rows(donorbot.url, select(AuditEntry).order_by(AuditEntry.id)))
    actions = [e.action for e in entries]  # type: ignore[attr-defined]
    assert actions == [
        "club.create",
        "club.create",
        "club.add_member",
        "club.leader",
        "club.new_code",
        "callout.create",
        "report.export",
        "club.remove_member",
    ]
    assert {e.actor for e in entries} == {cli_actor()}  # type: ignore[attr-defined]
    assert "+84" not in " ".join(str(e.details) for e in entries)  # type: ignore[attr-defined]
