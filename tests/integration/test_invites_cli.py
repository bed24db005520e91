"""`donorbot organiser invite|invites|revoke`: a code printed once (never stored), the pending list
without codes, revoking, the audit entries, and a printed code that works in a chat exactly once."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.harness import cli_actor
from models import invites
from models.db import create_engine, session_factory
from models.invites import Outcome
from tests.integration.test_cli_output import Donorbot


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Donorbot:
    for name in ("DONORBOT_DATABASE_URL", "DONORBOT_CONFIG", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return Donorbot(tmp_path, capsys)


PRINTED = re.compile(r"^Invite (\d+): ([2-9A-HJ-NP-Z]{4})-([2-9A-HJ-NP-Z]{4})$", re.M)


def redeem(cli: Donorbot, code: str, user_id: str) -> Outcome:
    """What sending `code` from a Telegram chat does (as the chat's turn does it)."""

    async def run() -> Outcome:
        engine = create_engine(cli.url)
        try:
            async with session_factory(engine)() as session, session.begin():
                done = await invites.redeem(
                    session,
                    code=code,
                    platform="telegram",
                    user_id=user_id,
                    chat_id=user_id,
                    now=datetime.now(UTC),
                )
                return done.outcome
        finally:
            await engine.dispose()

    return asyncio.run(run())


def rows(cli: Donorbot, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(cli.db) as db:
        return db.execute(sql).fetchall()


def test_invite_prints_a_code_that_works_once(cli: Donorbot) -> None:
    code, out, err = cli(
        "organiser", "invite", "--scope", "ward:tam luu", "--unit", "Hội CTĐ Kinh Môn", "--hours", "2"
    )
    assert (code, err) == (0, "")
    found = PRINTED.search(out)
    assert found is not None, out
    number, printed = found.group(1), found.group(2) + found.group(3)
    assert number == "1"
    assert "becomes organiser (ward:Tam Lưu). It is not shown again." in out
    # the code itself is nowhere in the database, in either form
    dump = "\n".join(rows(cli, "SELECT code_hash FROM invites")[0])  # type: ignore[arg-type]
    with sqlite3.connect(cli.db) as db:
        everything = "\n".join(db.iterdump())
    assert printed not in everything and f"{printed[:4]}-{printed[4:]}" not in everything
    assert len(dump) == 64
    listed = cli("organiser", "invites")[1]
    assert listed.startswith("1\torganiser (Hội CTĐ Kinh Môn)\tward:Tam Lưu\tuntil ")
    assert listed.rstrip("\n").endswith(f"\tby {cli_actor()}") and printed not in listed
    assert redeem(cli, printed, "5561") is Outcome.GRANTED
    assert redeem(cli, printed, "5562") is Outcome.USED
    assert cli("organiser", "invites")[1] == ""  # used: no longer pending
    assert cli("organiser", "list")[1] == "telegram:5561\torganiser (Hội CTĐ Kinh Môn)\tward:Tam Lưu\n"
    used = rows(
        cli,
        "SELECT i.role, i.scope, a.user_id FROM invites i JOIN channel_accounts a ON a.id = i.used_by",
    )
    assert used == [("organiser", "ward:Tam Lưu", "5561")]
    assert rows(cli, "SELECT actor, action, target FROM audit_log ORDER BY id") == [
        (cli_actor(), "invite.create", "invite:1"),
        ("telegram:5561", "organiser.grant", "telegram:5561"),
        ("telegram:5561", "invite.redeem", "invite:1"),
    ]


def test_revoke_a_pending_invite(cli: Donorbot) -> None:
    out = cli("organiser", "invite", "--role", "admin")[1]
    found = PRINTED.search(out)
    assert found is not None and "becomes admin (area)" in out
    cli("organiser", "invite")
    assert [line.split("\t")[:3] for line in cli("organiser", "invites")[1].splitlines()] == [
        ["1", "admin", "area"],
        ["2", "organiser", "area"],
    ]
    assert cli("organiser", "revoke", "1") == (0, "Invite 1 is revoked: its code no longer works.\n", "")
    assert cli("organiser", "revoke", "1") == (2, "", "invite 1: it was revoked already.\n")
    assert cli("organiser", "revoke", "9") == (2, "", "invite 9: there is no invite.\n")
    assert [line.split("\t")[0] for line in cli("organiser", "invites")[1].splitlines()] == ["2"]
    assert redeem(cli, found.group(2) + found.group(3), "5563") is Outcome.REVOKED
    assert ("invite.revoke", "invite:1") in rows(cli, "SELECT action, target FROM audit_log")


def test_invite_options_are_checked(cli: Donorbot) -> None:
    assert cli("organiser", "invite", "--hours", "0")[0::2] == (
        2,
        "donorbot organiser: --hours: must be a whole number from 1 to 168\n",
    )
    code, _, err = cli("organiser", "invite", "--scope", "ward:Atlantis")
    assert code == 2 and err.startswith("donorbot organiser: --scope: 'Atlantis' is not in config.toml")
    assert cli("organiser", "revoke", "x")[0::2] == (
        2,
        "donorbot organiser: ID: 'x' is not an invite id (see: donorbot organiser invites)\n",
    )
    assert cli("organiser", "invites")[1] == ""


def test_an_expired_invite_is_not_pending(cli: Donorbot) -> None:
    cli("organiser", "invite", "--hours", "1")
    later = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f")  # as stored
    with sqlite3.connect(cli.db) as db:
        db.execute("UPDATE invites SET expires_at = ?", (later,))
    assert cli("organiser", "invites")[1] == ""
    assert cli("organiser", "revoke", "1") == (2, "", "invite 1: it has expired already.\n")
