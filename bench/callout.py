"""Call-out matching benchmark: a million donors in SQLite, the time to find the first wave.

Run: .venv/bin/python bench/callout.py [--donors N] [--runs 10] [--keep PATH]

Generates donors into a temporary SQLite file (the schema of models/tables.py, one transaction of
`executemany`), with a realistic mix: the configured wards, Vietnamese blood group frequencies (O 42 %,
B 31 %, A 21 %, AB 6 %; Rh− 0.1 %), ~10 % reserve donors, ~5 % with a group the lab confirmed,
last donations spread over two years (30 % never donated), a few unknown weights, absences, unreachable
chats and 30 days of earlier call-outs. Then
times `models.callout_matching.match` for an O+ call-out of 2 units in the first ward (wave of 6: limit=6)
— p50/p95 over `--runs` runs — and prints the query plan with the index used. Also timed, for
information: the second wave (the first six excluded), a widened A+ call-out (A+, A−, O+, O−) and the
organiser's preview.

Ends with one line of key=value figures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine as create_sync_engine  # noqa: E402
from sqlalchemy import event  # noqa: E402

from core.config import load_settings  # noqa: E402
from domain.compatibility import RED_CELL_DONORS  # noqa: E402
from domain.rules_file import load_rules  # noqa: E402
from models import callout_criteria, callout_matching, callouts  # noqa: E402
from models.db import create_engine, session_factory  # noqa: E402
from models.tables import Base  # noqa: E402

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Kinh Môn
TODAY = date(2026, 11, 23)
WAVE = 6  # 3 × 2 units
ABO = (("O", 42), ("B", 31), ("A", 21), ("AB", 6))
KINDS = (("whole_blood", 90), ("apheresis_platelets", 5), ("apheresis_plasma", 3), ("apheresis_red_cells", 2))


def _stamp(when: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _donor_rows(count: int, wards: tuple[str, ...], rng: random.Random) -> Iterator[tuple[Any, ...]]:
    abo_names = [name for name, _ in ABO]
    abo_weights = [w for _, w in ABO]
    kind_names = [name for name, _ in KINDS]
    kind_weights = [w for _, w in KINDS]
    consent = _stamp(NOW - timedelta(days=400))
    for i in range(1, count + 1):
        sex = "female" if rng.random() < 0.45 else "male"
        age_days = rng.randint(16 * 365, 66 * 365)
        roll = rng.random()
        if roll < 0.05:
            weight: float | None = None
        elif roll < 0.08:
            weight = rng.uniform(38, 44)
        else:
            weight = round(rng.uniform(46, 85) if sex == "male" else rng.uniform(43, 70), 1)
        if rng.random() < 0.30:
            last_on: str | None = None
            last_kind: str | None = None
        else:
            last_on = (TODAY - timedelta(days=rng.randint(1, 730))).isoformat()
            last_kind = rng.choices(kind_names, kind_weights)[0]
        away = (TODAY + timedelta(days=rng.randint(1, 60))).isoformat() if rng.random() < 0.01 else None
        # ~5 % have a group the lab confirmed at a drive (asked first in their ward)
        confirmed_on = (
            (TODAY - timedelta(days=rng.randint(1, 700))).isoformat() if rng.random() < 0.05 else None
        )
        yield (
            i,
            f"Người hiến {i}",
            f"+849{i:08d}",
            (TODAY - timedelta(days=age_days)).isoformat(),
            sex,
            rng.choices(abo_names, abo_weights)[0],
            "-" if rng.random() < 0.001 else "+",
            weight,
            rng.choice(wards) if rng.random() < 0.97 else None,
            1 if rng.random() < 0.10 else 0,
            "vi",
            consent,
            away,
            last_on,
            last_kind,
            confirmed_on,
            consent,
            consent,
        )


def generate(path: Path, count: int, wards: tuple[str, ...], *, seed: int = 7) -> float:
    """Creates the schema and `count` donors (plus accounts and past call-outs); returns the seconds taken."""
    started = time.perf_counter()
    engine = create_sync_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    rng = random.Random(seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-400000")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO donors (id, full_name, phone, date_of_birth, sex, blood_abo, blood_rh, weight_kg, ward,"
        " is_reserve, language, consent_at, away_until, last_donation_on, last_donation_kind,"
        " blood_confirmed_on, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _donor_rows(count, wards, rng),
    )
    created = _stamp(NOW - timedelta(days=400))
    blocked = _stamp(NOW - timedelta(days=20))

    def accounts() -> Iterator[tuple[Any, ...]]:
        next_id = count + 1
        for i in range(1, count + 1):
            yield (i, "telegram", str(i), str(i), i, blocked if rng.random() < 0.02 else None, created)
            if rng.random() < 0.03:  # an older second account (Zalo, or a phone changed)
                yield (next_id, "zalo", str(i), str(i), i, None, _stamp(NOW - timedelta(days=500)))
                next_id += 1

    db.executemany(
        "INSERT INTO channel_accounts (id, platform, user_id, chat_id, donor_id, unreachable_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        accounts(),
    )
    reserve = [row[0] for row in db.execute("SELECT id FROM donors WHERE is_reserve = 1")]
    past = 120
    for c in range(1, past + 1):
        sent = NOW - timedelta(days=rng.uniform(0, 60))
        db.execute(
            "INSERT INTO callouts (id, groups, component, units_needed, place, deadline, status, waves_sent,"
            " created_at, closed_at) VALUES (?, '[\"O+\"]', 'whole_blood', 2, 'Bệnh viện', ?, 'closed', 3,"
            " ?, ?)",
            (c, _stamp(sent + timedelta(hours=4)), _stamp(sent), _stamp(sent + timedelta(hours=4))),
        )
        picked = rng.sample(reserve, min(len(reserve), 60))
        db.executemany(
            "INSERT INTO callout_recipients (callout_id, donor_id, account_id, wave, status, messaged_at)"
            " VALUES (?, ?, ?, 1, 'declined', ?)",
            [(c, d, d, _stamp(sent)) for d in picked],
        )
    db.execute("COMMIT")
    db.close()
    return time.perf_counter() - started


def criteria(group: str, *, ward: str, exclude: int | None, widen: bool = False) -> callout_criteria.Criteria:
    settings = load_settings(environ={})
    return callout_criteria.criteria_for(
        load_rules(settings.knowledge.rules),
        needed=[group],
        component="whole_blood",
        table=RED_CELL_DONORS if widen else None,
        wards=[ward],
        ward_order=settings.area.wards,
        day=TODAY,
        max_calls_30d=settings.callouts.max_calls_per_30_days,
        now=NOW,
        exclude_callout_id=exclude,
    )


async def new_callout(url: str, ward: str) -> int:
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        callout = await callouts.create(
            session,
            created_by_account_id=None,
            groups=["O+"],
            component="whole_blood",
            units_needed=2,
            place="Bệnh viện Đa khoa Kinh Môn",
            address=None,
            contact=None,
            deadline=NOW + timedelta(hours=6),
            wards=[ward],
            now=NOW,
        )
        callout_id = callout.id
    await engine.dispose()
    return callout_id


async def timings(
    url: str, crit: callout_criteria.Criteria, *, runs: int, preview: bool = False, skip: tuple[int, ...] = ()
) -> tuple[list[float], int]:
    """Milliseconds per run (each in its own session and transaction) and the size of the last answer."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    times: list[float] = []
    size = 0
    async with sessions() as session, session.begin():  # warm-up: connect, read the schema
        await callout_matching.match(session, crit, limit=WAVE)
    for _ in range(runs):
        async with sessions() as session, session.begin():
            started = time.perf_counter()
            if preview:
                size = sum((await callout_matching.preview(session, crit)).values())
            else:
                size = len(await callout_matching.match(session, crit, limit=WAVE, offset_donor_ids=skip))
            times.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return times, size


async def first_wave(url: str, crit: callout_criteria.Criteria) -> list[callout_criteria.Candidate]:
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        found = await callout_matching.match(session, crit, limit=WAVE)
    await engine.dispose()
    return found


async def query_plan(url: str, crit: callout_criteria.Criteria) -> list[str]:
    """EXPLAIN QUERY PLAN of the exact statement and parameters `match` sends."""
    engine = create_engine(url)
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "UNION ALL" in statement:
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    async with session_factory(engine)() as session, session.begin():
        await callout_matching.match(session, crit, limit=WAVE)
        statement, parameters = seen[-1]
        raw = await session.connection()
        rows = (await raw.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
    await engine.dispose()
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * depth[node] + str(detail))
    return lines


async def time_to_first_message(url: str, *, runs: int, announcement: int) -> tuple[list[float], int]:
    """Seconds from the organiser's Confirm in /khancap to the first call-out message at the emulator.

    The real application (python-telegram-bot polling the local Bot API emulator, the delivery loop at
    Telegram's caps: 30 msg/s per bot, 1 msg/s per chat, enforced by the emulator too) runs on the
    generated database. With `announcement` > 0, an announcement to that many donors is draining first,
    so the figure shows whether an emergency waits behind it. Returns the times and the 429s received.
    """
    from alembic import command
    from sqlalchemy import select
    from sqlalchemy import text as sql

    from emulators.telegram import RateLimiter, TelegramEmulator
    from models import announcements
    from models.db import alembic_config
    from models.tables import ChannelAccount
    from tests.e2e.test_callouts import start_callout
    from tests.helpers import BotHarness, FixedClock, make_settings

    if "alembic_version" not in {
        r[0]
        for r in sqlite3.connect(url.split("///", 1)[1]).execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }:
        await asyncio.to_thread(command.stamp, alembic_config(url), "head")  # tables made by create_all
    times: list[float] = []
    async with TelegramEmulator() as emu:
        limiter = RateLimiter(per_bot=30, per_chat=1)
        emu.add_hook(limiter)
        with tempfile.TemporaryDirectory() as tmp:
            settings = make_settings(Path(tmp), database_url=url)
            harness = BotHarness(emu, settings, FixedClock(datetime.now(UTC)))
            await harness.start()
            assert harness.app is not None
            async with harness.app.sessions() as session:
                user_ids = (await session.scalars(select(ChannelAccount.user_id))).all()
            for user_id in user_ids:  # every generated chat has talked to the bot before
                emu.user(int(user_id), "Người hiến", started=True)
            staff = harness.user(999_999_999, name="Cán bộ")
            await harness.make_organiser(staff)
            if announcement:
                async with harness.app.sessions() as session, session.begin():
                    await announcements.create(
                        session,
                        text="Thông báo thử tải",
                        audience=announcements.Audience(wards=(settings.area.wards[-1],)),
                        actor="bench",
                        now=harness.clock.now(),
                    )
                # keep only `announcement` rows waiting (the ward above has more donors than that)
                async with harness.app.sessions() as session, session.begin():
                    await session.execute(
                        sql(
                            "UPDATE outbox SET status='cancelled' WHERE kind='announcement' AND id NOT IN"
                            " (SELECT id FROM outbox WHERE kind='announcement' ORDER BY id LIMIT :n)"
                        ),
                        {"n": announcement},
                    )
                if harness.app.dispatcher.on_pushed is not None:
                    harness.app.dispatcher.on_pushed()
                await emu.wait_until(lambda: len(emu.calls_to("sendMessage")) > 60, timeout=30)
            for _ in range(runs):
                await start_callout(harness, staff)
                sent_before = len(emu.calls_to("sendMessage"))
                message = emu.last_keyboard_message(staff.chat_id)
                data = message.button("Gửi ngay")
                started = time.perf_counter()
                await emu.press(staff, message, data)
                await emu.wait_until(
                    lambda before=sent_before: any(
                        "CẦN MÁU KHẨN CẤP" in str(c.params.get("text", ""))
                        for c in emu.calls_to("sendMessage")[before:]
                        if c.ok
                    ),
                    timeout=30,
                    what="the first call-out message",
                )
                times.append(time.perf_counter() - started)
                await asyncio.sleep(3)  # the tally reply may still be waiting out the 1 msg/s per chat
            await harness.stop()
        return times, limiter.rejected


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--donors", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="write the database here and keep it (reused if present)")
    parser.add_argument("--no-chat", action="store_true", help="time the matching query only")
    parser.add_argument("--announcement", type=int, default=10_000, help="recipients draining during the run")
    args = parser.parse_args(argv)
    wards = load_settings(environ={}).area.wards
    ward = wards[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "callout-bench.sqlite3"
        gen_s = 0.0
        if not path.exists():
            print(f"generating {args.donors:,} donors in {path} ...", flush=True)
            gen_s = generate(path, args.donors, wards)
            print(f"  {gen_s:.1f} s")
        url = f"sqlite+aiosqlite:///{path}"
        callout_id = asyncio.run(new_callout(url, ward))
        crit = criteria("O+", ward=ward, exclude=callout_id)

        print(f"\nO+ call-out, 2 units, {ward} first, wave of {WAVE} (limit={WAVE}):")
        wave = asyncio.run(first_wave(url, crit))
        for c in wave:
            print(f"  donor {c.donor_id:>8}  {c.blood}  {c.ward or '-':<12} last {c.last_donation_on}")
        times, _ = asyncio.run(timings(url, crit, runs=args.runs))
        p50, p95 = statistics.median(times), pct(times, 0.95)
        print(f"  match: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {args.runs} runs")

        skip = tuple(c.donor_id for c in wave)
        second, _ = asyncio.run(timings(url, crit, runs=args.runs, skip=skip))
        print(f"  next wave (first {len(skip)} skipped): p50 {statistics.median(second):.1f} ms")
        widened = criteria("A+", ward=ward, exclude=callout_id, widen=True)
        wide, _ = asyncio.run(timings(url, widened, runs=args.runs))
        print(f"  A+ widened to {', '.join(widened.groups)}: p50 {statistics.median(wide):.1f} ms")
        prev, total = asyncio.run(timings(url, crit, runs=max(3, args.runs // 3), preview=True))
        print(f"  preview ({total:,} O+ donors match): p50 {statistics.median(prev):.1f} ms")

        plan = asyncio.run(query_plan(url, crit))
        print("\nEXPLAIN QUERY PLAN (match, limit 6):")
        print("\n".join(plan))
        used = sorted(set(re.findall(r"INDEX (ix_donors_\w+)", "\n".join(plan)))) or ["none"]
        chat = ""
        if not args.no_chat:
            alone, _ = asyncio.run(time_to_first_message(url, runs=args.runs, announcement=0))
            print(
                f"\nConfirm → first call-out message at the emulator: p50 {statistics.median(alone):.2f} s,"
                f" p95 {pct(alone, 0.95):.2f} s over {len(alone)} runs"
            )
            busy, r429 = asyncio.run(
                time_to_first_message(url, runs=args.runs, announcement=args.announcement)
            )
            print(
                f"  while a {args.announcement:,}-recipient announcement drains at 30 msg/s:"
                f" p50 {statistics.median(busy):.2f} s, p95 {pct(busy, 0.95):.2f} s; 429s {r429}"
            )
            chat = (
                f" first_msg_p50_s={statistics.median(alone):.2f} first_msg_p95_s={pct(alone, 0.95):.2f}"
                f" busy_first_msg_p95_s={pct(busy, 0.95):.2f}"
            )
        print(
            f"\ncallout donors={args.donors} match_p50_ms={p50:.1f} match_p95_ms={p95:.1f}"
            f" next_wave_p50_ms={statistics.median(second):.1f} widened_p50_ms={statistics.median(wide):.1f}"
            f" preview_p50_ms={statistics.median(prev):.0f} index={','.join(used)} gen_s={gen_s:.0f}{chat}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
