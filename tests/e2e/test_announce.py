"""Organisers' announcements end to end: /thongbao → outbox → delivery loop → the emulator; /tiendo; CLI.

The models part (one INSERT ... SELECT for every recipient) runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, insert, select

from bot.cli import main
from emulators.telegram import SimUser
from models import announcements, organisers
from models.announcements import Audience
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import AuditEntry, ChannelAccount, Donor, Outbox
from tests.helpers import BotHarness, FixedClock, running_bot, texts

pytestmark = pytest.mark.timeout(60)


async def arrived(bot: BotHarness, user: SimUser, words: str) -> list[str]:
    """The user's messages that contain `words`, once there is at least one."""
    await bot.emu.wait_until(
        lambda: any(words in (m.text or "") for m in bot.emu.messages(user.chat_id)), what=words
    )
    return [m.text or "" for m in bot.emu.messages(user.chat_id) if words in (m.text or "")]


async def donor(bot: BotHarness, user_id: int, phone: str, **changes: object) -> SimUser:
    """A registered donor whose chat the bot may write to (they wrote to it when registering)."""
    user = bot.user(user_id, name=f"Người hiến {user_id}")
    user.started = True
    await bot.add_donor(user, phone=phone, **changes)
    return user


async def settled(bot: BotHarness, announcement_id: int) -> announcements.Progress:
    """Waits until no row of the announcement is pending or being sent."""
    assert bot.app is not None
    for _ in range(500):
        async with bot.app.sessions() as session:
            counts = await announcements.progress(session, announcement_id)
        if counts.done:
            return counts
        await asyncio.sleep(0.02)
    raise AssertionError(f"announcement {announcement_id} did not finish: {counts}")


async def latest_id(bot: BotHarness) -> int:
    assert bot.app is not None
    async with bot.app.sessions() as session:
        found = await announcements.latest(session)
    assert found is not None
    return found.id


async def test_an_organiser_announces_to_one_ward_and_follows_the_progress(bot: BotHarness) -> None:
    staff = bot.user(9001, name="Cán bộ")
    await bot.make_organiser(staff)
    in_ward = [await donor(bot, 9010 + n, f"+8491230001{n}", ward="Nhị Chiểu") for n in range(3)]
    elsewhere = [await donor(bot, 9020 + n, f"+8491230002{n}", ward="Tam Lưu") for n in range(2)]
    in_ward[2].blocked = True  # blocked the bot after registering

    asked = await bot.send(staff, "/thongbao")
    assert asked[0].button_labels() == ["Tất cả người hiến", "Người hiến ở một phường/xã", "Người hiến dự bị"]
    wards = await bot.press(staff, "một phường/xã")
    assert wards[0].button_labels() == ["Tam Lưu", "Nhị Chiểu", "Bắc An Phụ", "Nam An Phụ"]
    assert "tối đa 1500 ký tự" in texts(await bot.press(staff, "Nhị Chiểu"))
    words = "Chủ nhật 29/11 có buổi hiến máu tại Nhà văn hóa Nhị Chiểu, 7h–11h.\nMời bạn đến nhé!"
    head, body = await bot.send(staff, words)
    assert "người hiến ở Nhị Chiểu, tổng cộng 3 người" in head.text
    assert body.text == words and body.button_labels() == ["✅ Xác nhận", "Hủy"]
    (done,) = await bot.press(staff, "Xác nhận")
    announcement_id = await latest_id(bot)
    assert f"thông báo #{announcement_id} tới 3 người" in done.text
    assert f"/tiendo {announcement_id}" in done.text

    counts = await settled(bot, announcement_id)
    assert (counts.sent, counts.failed, counts.waiting, counts.cancelled) == (2, 1, 0, 0)
    for user in in_ward[:2]:
        assert await arrived(bot, user, "Nhị Chiểu, 7h–11h") == [words]  # once, exactly as typed
    for user in elsewhere:
        assert not bot.emu.messages(user.chat_id)
    assert not bot.emu.messages(in_ward[2].chat_id)  # blocked: refused with 403, counted as failed

    (progress,) = await bot.send(staff, "/tiendo")
    assert f"Thông báo #{announcement_id}" in progress.text and "đã gửi xong" in progress.text
    assert "Đã gửi: 2/3 (67%)" in progress.text
    assert "Không gửi được: 1" in progress.text and "Đang chờ: 0" in progress.text
    assert progress.button_labels() == []
    (again,) = await bot.send(staff, f"/tiendo {announcement_id}")
    assert again.text == progress.text

    assert announcement_id == 1  # numbered on its own, not by the audit log (the grant came first)
    entry = await bot.scalar(select(AuditEntry).where(AuditEntry.target == f"announcement:{announcement_id}"))
    assert entry is not None and entry.action == "announcement.create"
    assert entry.actor == f"telegram:{staff.id}"
    assert entry.details == {
        "audience": "wards",
        "wards": ["Nhị Chiểu"],
        "reserve_only": False,
        "batch": f"announcement:{announcement_id}",
        "donors": 3,
        "queued": 3,
    }
    rows = await bot.rows(select(Outbox).where(Outbox.batch == f"announcement:{announcement_id}"))
    assert {(r.kind, r.priority) for r in rows} == {("announcement", 5)}
    # one row per person, whichever chat it reaches
    assert all(r.key == f"announcement:{announcement_id}:p{r.about_donor_id}" for r in rows)
    assert len({r.about_donor_id for r in rows}) == len(rows) == 3


async def test_somebody_without_the_role_is_refused_at_every_step(bot: BotHarness) -> None:
    citizen = await donor(bot, 9101, "+84912300101")
    for command in ("/thongbao", "/tiendo", "/tiendo 1"):
        (refused,) = await bot.send(citizen, command)
        assert "chỉ dành cho cán bộ" in refused.text
    assert await bot.count(AuditEntry) == 0

    staff = bot.user(9102)
    await bot.make_organiser(staff)
    await bot.send(staff, "/thongbao")
    await bot.press(staff, "Tất cả người hiến")
    await bot.send(staff, "Thông báo thử")
    assert bot.app is not None
    async with bot.app.sessions() as session, session.begin():
        await organisers.revoke(
            session, platform="telegram", user_id=str(staff.id), actor="test", now=bot.clock.now()
        )
    (refused,) = await bot.press(staff, "Xác nhận")
    assert "chỉ dành cho cán bộ" in refused.text
    assert await bot.count(Outbox) == 0
    conversation = await bot.conversation(staff)
    assert conversation is None or conversation.flow is None


async def test_cancel_long_text_and_an_empty_audience(bot: BotHarness) -> None:
    staff = bot.user(9201)
    await bot.make_organiser(staff)
    await donor(bot, 9202, "+84912300202", is_reserve=False)

    await bot.send(staff, "/thongbao")
    await bot.press(staff, "dự bị")
    nobody = await bot.send(staff, "Cần gấp người hiến dự bị")
    assert "chưa thể nhắn cho ai trong nhóm «người hiến dự bị»" in nobody[0].text
    assert nobody[1].button_labels()[0] == "Tất cả người hiến"  # asked again

    await bot.press(staff, "Tất cả người hiến")
    (too_long,) = await bot.send(staff, "x" * 1501)
    assert "dài 1501 ký tự, quá giới hạn 1500" in too_long.text
    longest = "y" * 1500
    preview = await bot.send(staff, longest)
    assert "tổng cộng 1 người" in preview[0].text and preview[1].text == longest
    (cancelled,) = await bot.press(staff, "Hủy")
    assert "không có thông báo nào được gửi" in cancelled.text
    assert await bot.count(Outbox) == 0
    (none,) = await bot.send(staff, "/tiendo")
    assert "chưa gửi thông báo nào" in none.text


async def test_an_announcement_confirmed_at_night_waits_for_the_morning(bot: BotHarness) -> None:
    staff = bot.user(9401)
    await bot.make_organiser(staff)
    sleeper = await donor(bot, 9402, "+84912300402")
    bot.clock.current = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 22:30 in Vietnam
    await bot.send(staff, "/thongbao")
    await bot.press(staff, "Tất cả người hiến")
    await bot.send(staff, "Sáng mai có buổi hiến máu.")
    night, queued = await bot.press(staff, "Xác nhận")
    assert "bắt đầu gửi lúc 07:00" in night.text and "#" in queued.text
    (row,) = await bot.rows(select(Outbox).where(Outbox.kind == "announcement"))
    assert row.due_at == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert row.status == "pending" and not bot.emu.messages(sleeper.chat_id)
    bot.clock.current = datetime(2026, 11, 24, 0, 1, tzinfo=UTC)
    assert await arrived(bot, sleeper, "Sáng mai") == ["Sáng mai có buổi hiến máu."]


async def test_the_command_line_queues_and_reports_progress(
    bot: BotHarness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reserve = await donor(bot, 9301, "+84912300301", is_reserve=True, ward="Bắc An Phụ")
    regular = await donor(bot, 9302, "+84912300302", ward="Bắc An Phụ")
    config = tmp_path / "cli.toml"
    config.write_text(
        f'[database]\nurl = "{bot.settings.database.url}"\n'
        '[reminders]\nquiet_start = "00:00"\nquiet_end = "00:00"\n',  # runs on the real clock: no quiet hours
        encoding="utf-8",
    )
    base = ["--config", str(config), "announce"]

    assert await asyncio.to_thread(main, [*base, "--text", "x", "--ward", "Hà Nội"]) == 2
    assert await asyncio.to_thread(main, [*base, "--text", "   "]) == 2
    assert await asyncio.to_thread(main, [*base, "progress", "999"]) == 2
    text = "Kho máu đang thiếu nhóm O. Người hiến dự bị ở Bắc An Phụ vui lòng giữ liên lạc."
    args = [*base, "--text", text, "--ward", "bắc an phụ", "--reserve-only"]
    assert await asyncio.to_thread(main, args) == 0
    announcement_id = await latest_id(bot)
    # The CLI stamped the rows with the real time; in production the bot reads the same clock.
    bot.clock.current = datetime.now(UTC)
    assert await arrived(bot, reserve, "Kho máu") == [text]
    await settled(bot, announcement_id)
    assert not bot.emu.messages(regular.chat_id)

    capsys.readouterr()
    progress = [*base, "progress", f"announcement:{announcement_id}"]
    assert await asyncio.to_thread(main, progress) == 0
    report = capsys.readouterr().out
    assert f"Announcement #{announcement_id}" in report and "reserve donors in Bắc An Phụ" in report
    assert "sent       1/1 (100.0%)" in report and "done" in report


async def test_with_paid_broadcast_on_the_pushes_ask_telegram_for_it(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(), delivery={"paid_broadcast": True}) as bot:
        lan = await donor(bot, 9401, "+84912300401")
        await bot.send(lan, "/help")
        assert bot.app is not None
        async with bot.app.sessions() as session, session.begin():
            await announcements.create(
                session, text="Kho máu cần nhóm O", audience=Audience(), actor="test", now=bot.clock.now()
            )
        assert await arrived(bot, lan, "Kho máu") == ["Kho máu cần nhóm O"]
        (push,) = [c for c in bot.emu.calls_to("sendMessage") if "Kho máu" in str(c.params.get("text"))]
        assert push.params.get("allow_paid_broadcast") is True
        replies = [c for c in bot.emu.calls_to("sendMessage") if c is not push]
        assert replies and all("allow_paid_broadcast" not in c.params for c in replies)  # replies are free


# --- the models, on SQLite and PostgreSQL ------------------------------------------------------------


async def test_ten_thousand_recipients_are_queued_in_one_statement(database_url: str) -> None:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    donors = [
        {
            "full_name": f"Người hiến {n}",
            "phone": f"+849{n:08d}",
            "date_of_birth": date(1990, 1, 1),
            "sex": "male",
            "ward": ("Tam Lưu", "Nhị Chiểu")[n % 2],
            "is_reserve": n % 3 == 0,
            "language": "vi",
            "consent_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(10_000)
    ]
    try:
        async with sessions() as session, session.begin():
            await session.execute(insert(Donor), donors)
            ids = (await session.scalars(select(Donor.id).order_by(Donor.id))).all()
            accounts = [
                {
                    "platform": "telegram",
                    "user_id": str(500_000 + n),
                    "chat_id": str(500_000 + n),
                    "donor_id": donor_id,
                    "unreachable_at": now if n % 1000 == 1 else None,
                    "created_at": now,
                }
                for n, donor_id in enumerate(ids)
            ]
            await session.execute(insert(ChannelAccount), accounts)
        statements: list[str] = []

        def count_statements(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(engine.sync_engine, "before_cursor_execute", count_statements)
        async with sessions() as session, session.begin():
            created = await announcements.create(
                session, text="  Xin chào!  ", audience=Audience(), actor="cli:lan", now=now
            )
        event.remove(engine.sync_engine, "before_cursor_execute", count_statements)
        assert (created.donors, created.queued) == (9990, 9990)  # 10 accounts are unreachable
        assert sum("INSERT INTO outbox" in s for s in statements) == 1
        assert len(statements) <= 6

        async with sessions() as session, session.begin():
            reserve = await announcements.create(
                session,
                text="Dự bị",
                audience=Audience(wards=("Tam Lưu",), reserve_only=True),
                actor="cli:lan",
                now=now,
            )
            assert (reserve.donors, reserve.queued) == (1667, 1667)  # n % 6 == 0
            # Planning the same batch again inserts nothing (ON CONFLICT DO NOTHING on the key).
            again = await announcements._enqueue_all(
                session, batch=created.batch, audience=Audience(), text="x", due_at=now, now=now
            )
            assert again == 0
        async with sessions() as session:
            counts = await announcements.progress(session, created.id)
            assert (counts.waiting, counts.total, counts.share_sent) == (9990, 9990, 0.0)
            sample = await session.scalar(select(Outbox).where(Outbox.batch == created.batch).limit(1))
            assert sample is not None and sample.payload == {"text": "Xin chào!", "choices": []}
            assert sample.due_at == now and sample.status == "pending" and sample.priority == 5
            distinct = await session.scalar(
                select(func.count(func.distinct(Outbox.key))).where(Outbox.batch == created.batch)
            )
            assert distinct == 9990
            found = await announcements.latest(session, actor="cli:lan")
            assert found is not None and found.id == reserve.id and found.audience.name == "reserve_wards"
            entry = await session.get(AuditEntry, created.id)
            assert entry is not None and "Xin chào" not in str(entry.details)
    finally:
        await engine.dispose()


def test_ids_and_texts_are_checked() -> None:
    assert [announcements.parse_id(t) for t in ("12", "#12", "announcement:12", " 7 ", "x", "")] == [
        12,
        12,
        12,
        7,
        None,
        None,
    ]
    assert announcements.clean_text("  a  ") == "a"
    with pytest.raises(announcements.AnnouncementError, match="1501 characters"):
        announcements.clean_text("a" * 1501)
    with pytest.raises(announcements.AnnouncementError, match="empty"):
        announcements.clean_text(" \n ")
