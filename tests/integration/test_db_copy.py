"""`donorbot db copy --to URL`: a district's SQLite file moved into PostgreSQL keeps every row of every table,
refuses a target that already holds rows, and leaves the id sequences past the copied ids."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import build_app
from bot.cli import main
from handlers.messages import Incoming, InputKind
from models import announcements, outbox
from models.copying import tables
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import Donation, Donor, DriveDay, Signup
from tests.helpers import (
    FixedClock,
    grant_organiser,
    import_plan_file,
    make_settings,
    register_donor,
    shared_knowledge,
)

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)


async def seed(tmp_path: Path, url: str) -> None:
    """A bot's file after some use: donors and their chats, a donation, a plan, a booking, a dialogue in
    progress, an organiser, an announcement in the outbox and the audit log."""
    app = build_app(
        make_settings(tmp_path, database_url=url), clock=FixedClock(NOW), knowledge=shared_knowledge()
    )
    await app.prepare()
    try:
        lan = await register_donor(app, NOW, "telegram", "701", "701", phone="+84912000001")
        await register_donor(app, NOW, "zalo", "z-702", "z-702", phone="+84912000002", full_name="Minh")
        await grant_organiser(app, NOW, "telegram", "900")
        await import_plan_file(app, NOW, ROOT / "examples" / "kinh-mon-2020.toml")
        async with app.sessions() as session, session.begin():
            session.add(
                Donation(donor_id=lan, donated_on=date(2025, 12, 1), volume_ml=350, self_reported=True)
            )
            drive_day = await session.scalar(select(DriveDay).limit(1))
            assert drive_day is not None
            session.add(
                Signup(
                    drive_day_id=drive_day.id,
                    donor_id=lan,
                    slot_start=drive_day.start_time,
                    code="K7M2Q9",
                )
            )
            await announcements.create(
                session,
                text="Chủ nhật này hiến máu 🩸 tại Tam Lưu",
                audience=announcements.Audience(),
                actor="test",
                now=NOW,
            )
            await outbox.enqueue(
                session,
                key="reminder:x",
                account_id=1,
                kind="reminder",
                text="Nhắc lịch",
                about_donor_id=lan,
                due_at=NOW + timedelta(days=1),
            )
        await app.dispatcher.handle(  # a dialogue left half-way: a conversation row
            Incoming(platform="telegram", chat_id="703", user_id="703", kind=InputKind.TEXT, text="/start")
        )
    finally:
        await app.close()


async def rows_of(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = {}
            for table in tables():
                order = list(table.primary_key.columns) or list(table.columns)
                result = await connection.execute(select(table).order_by(*order))
                found[table.name] = [tuple(row) for row in result]
            return found
    finally:
        await engine.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_sqlite_file_copied_into_postgresql_keeps_every_row(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'district.sqlite3'}"
    await seed(tmp_path, source)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{source}"\n', encoding="utf-8")

    code = await asyncio.to_thread(
        main, ["--config", str(config), "--log-level", "WARNING", "db", "copy", "--to", database_url]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    before, after = await rows_of(source), await rows_of(database_url)
    assert before == after
    assert sum(len(rows) for rows in before.values()) > 20
    for name in (
        "donors",
        "channel_accounts",
        "donations",
        "drive_sessions",
        "signups",
        "outbox",
        "audit_log",
        "conversations",
    ):
        assert before.get(name), f"the seed left {name} empty: the test would prove nothing for it"
    assert f"donors: {len(before['donors'])}" in out and "Copied " in out

    # The sequences are past the copied ids: a new registration on PostgreSQL does not collide.
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            session.add(
                Donor(
                    full_name="Mới",
                    phone="+84912000009",
                    date_of_birth=date(1990, 1, 1),
                    sex="male",
                    consent_at=NOW,
                )
            )
        async with session_factory(engine)() as session:
            ids = list((await session.scalars(select(Donor.id).order_by(Donor.id))).all())
        assert ids[-1] == max(ids[:-1]) + 1
    finally:
        await engine.dispose()

    # Copying again into a database that holds rows is refused, and writes nothing.
    code = await asyncio.to_thread(
        main, ["--config", str(config), "--log-level", "WARNING", "db", "copy", "--to", database_url]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert "already holds rows" in err and "donors" in err
    assert len((await rows_of(database_url))["donors"]) == len(before["donors"]) + 1


async def test_copy_needs_another_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}"
    await upgrade_database_async(source)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{source}"\n', encoding="utf-8")
    for args, expected in (
        ([], "copy needs --to URL"),
        (["--to", source], "copy into another one"),
        (["--to", "not a url"], "not a database URL"),
    ):
        code = await asyncio.to_thread(
            main, ["--config", str(config), "--log-level", "WARNING", "db", "copy", *args]
        )
        assert code == 2 and expected in capsys.readouterr().err


async def test_an_online_backup_while_the_bot_writes_restores_every_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bot keeps registering people while `db backup` runs; the backup is one consistent state, and a
    bot started on the restored file finds every row the backup holds."""
    source = f"sqlite+aiosqlite:///{tmp_path / 'district.sqlite3'}"
    await seed(tmp_path, source)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{source}"\n', encoding="utf-8")
    engine = create_engine(source)
    writing = asyncio.Event()

    async def keep_writing() -> None:
        for n in range(200):
            async with session_factory(engine)() as session, session.begin():
                session.add(
                    Donor(
                        full_name=f"Người {n}",
                        phone=f"+8491300{n:04d}",
                        date_of_birth=date(1990, 1, 1),
                        sex="female",
                        consent_at=NOW,
                    )
                )
            writing.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    await writing.wait()
    backup = tmp_path / "backup.sqlite3"
    code = await asyncio.to_thread(main, ["--config", str(config), "db", "backup", "--to", str(backup)])
    await writer
    await engine.dispose()
    assert code == 0, capsys.readouterr().err
    backed_up = await rows_of(f"sqlite+aiosqlite:///{backup}")
    assert 0 < len(backed_up["donors"]) <= len((await rows_of(source))["donors"])
    names = [row[1] for row in backed_up["donors"]]
    assert names[:2] == ["Lan", "Minh"], "the rows from before the backup are all there"

    # Restore: the bot stopped, the file put back; every table reads as in the backup.
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes(backup.read_bytes())
    assert await rows_of(f"sqlite+aiosqlite:///{restored}") == backed_up
    code = await asyncio.to_thread(main, ["--config", str(config), "db", "backup", "--to", str(backup)])
    assert code == 2 and "exists" in capsys.readouterr().err
