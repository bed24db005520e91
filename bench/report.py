"""Year-figures benchmark: donors and donations bulk-loaded into SQLite and PostgreSQL, then the time of
`models.figures.figures` for a year (the figures behind the text report, the charts and /thongke).

Run: .venv/bin/python bench/report.py [--full] [--donors N] [--runs 5] [--postgres URL] [--keep PATH]

The default is 100,000 donors and ~300,000 donations (under a minute to load); `--full` is the issue's
size, 1,000,000 donors and ~3,000,000 donations (a few minutes per backend). The schema comes from the
migrations (so the indexes timed are the shipped ones); rows go in with one `executemany` transaction
on SQLite and `COPY` on PostgreSQL (`--postgres`, or DONORBOT_TEST_POSTGRES_URL: a throwaway database
is created on that server and dropped after). The mix: the configured wards, 200 organisations (40 % of
donors), ~10 % reserve donors, Vietnamese blood-group frequencies, ten years (2017-2026) of four
campaigns of 30 drive days (at the full size about 300,000 units a year: 27 times a province's plan of
11,100), donations mostly at drive days (250/350/450 ml, a few without a volume),
some recorded without a drive day and some self-reported before the bot, a sign-up for every donation
at a drive day and one in ten deferred.

Times (p50 over `--runs`, each in its own transaction): the 2026 figures of the area (the text report,
/thongke), the same with four years of repeat share by year (the charts, the workbook), one ward, one
campaign. Ends with one line
of key=value figures. Goals: the year figures and the text report under 2 s, the workbook under 10 s,
the process under 300 MB (`rss_mb`, the peak).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import throwaway  # noqa: E402
from core.config import Settings, load_settings  # noqa: E402
from core.i18n import Catalogs  # noqa: E402
from domain.figures import Figures, Scope  # noqa: E402
from domain.rules_file import load_rules  # noqa: E402
from models import figures  # noqa: E402
from models.db import create_engine, session_factory, upgrade_database_async  # noqa: E402
from services.reports import gather, summary  # noqa: E402

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
YEARS = tuple(range(2017, 2027))  # ten years: ~300,000 units a year at the full size
DAYS_PER_CAMPAIGN = 30
ABO = (("O", 42), ("B", 31), ("A", 21), ("AB", 6))
VOLUMES = ((250, 45), (350, 40), (450, 10), (None, 5))
COUNTS = tuple(range(8))  # donations per donor, weighted to a mean of about 3
COUNT_WEIGHTS = (8, 14, 18, 18, 15, 12, 9, 6)
OPENS, CLOSES = time_of_day(7), time_of_day(11, 30)
DEFERRALS = ("Huyết sắc tố thấp", "Huyết áp cao", "Cân nặng chưa đủ", "Mới ốm dậy")


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Rows:
    """Every generated row, by table, as tuples in the column order of `COLUMNS`."""

    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "campaigns": ("id", "key", "name", "year", "target_units", "created_at", "updated_at"),
        "drive_sessions": (
            "id", "campaign_id", "key", "round", "day", "start_time", "end_time", "place_name", "ward",
            "capacity", "slot_minutes", "audience", "status", "created_at", "updated_at",
        ),
        "donors": (
            "id", "full_name", "phone", "date_of_birth", "sex", "blood_abo", "blood_rh", "weight_kg", "ward",
            "organisation", "is_reserve", "language", "consent_at", "last_donation_on", "last_donation_kind",
            "reminders_enabled", "created_at", "updated_at",
        ),
        "channel_accounts": ("id", "platform", "user_id", "chat_id", "donor_id", "created_at"),
        "donations": (
            "id", "donor_id", "donated_on", "volume_ml", "kind", "self_reported", "session_id", "created_at",
        ),
        "signups": ("id", "session_id", "donor_id", "slot_start", "status", "deferral_reason", "created_at",
                    "updated_at"),
        "clubs": ("id", "key", "name", "kind", "ward", "join_code", "created_by", "created_at"),
        "club_members": ("id", "club_id", "donor_id", "role", "joined_at", "source"),
    }  # fmt: skip

    def __init__(self, donors: int, wards: tuple[str, ...], *, seed: int = 11) -> None:
        self.donors = donors
        self.wards = wards
        self.rng = random.Random(seed)
        self.created = NOW - timedelta(days=2000)
        self.days: list[tuple[int, date]] = []  # (drive day id, day)
        self.campaigns: list[tuple[Any, ...]] = []
        self.drive_days: list[tuple[Any, ...]] = []
        for year in YEARS:
            for n in range(4):
                cid = len(self.campaigns) + 1
                self.campaigns.append((cid, f"c{year}-{n}", f"Chiến dịch {n + 1}/{year}", year, 2000,
                                       self.created, self.created))  # fmt: skip
                start = date(year, 1 + 3 * n, 1)
                for k in range(DAYS_PER_CAMPAIGN):
                    day = start + timedelta(days=3 * k)
                    if day > TODAY:
                        continue
                    did = len(self.drive_days) + 1
                    self.days.append((did, day))
                    self.drive_days.append((did, cid, f"d{k}", 1, day, OPENS, CLOSES, "Nhà văn hoá",
                                            wards[k % len(wards)], 500, 30, "open", "scheduled", self.created,
                                            self.created))  # fmt: skip

    def people(self) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """(donor, donations, sign-ups) per donor; ids are assigned as they come."""
        rng = self.rng
        organisations = [f"Đơn vị {i}" for i in range(1, 201)]
        abo_names, abo_weights = [a for a, _ in ABO], [w for _, w in ABO]
        volumes, volume_weights = [v for v, _ in VOLUMES], [w for _, w in VOLUMES]
        donation_id = signup_id = 0
        first_day = date(YEARS[0], 1, 1)
        span = (TODAY - first_day).days
        for i in range(1, self.donors + 1):
            gave: list[tuple[Any, ...]] = []
            signed: list[tuple[Any, ...]] = []
            k = rng.choices(COUNTS, COUNT_WEIGHTS)[0]
            at_drives = rng.sample(self.days, min(k, len(self.days)))
            last: date | None = None
            for n, (did, day) in enumerate(at_drives):
                roll = rng.random()
                donation_id += 1
                if roll < 0.05 and n == 0:  # before the bot, told at registration
                    when = first_day - timedelta(days=rng.randint(30, 2000))
                    gave.append((donation_id, i, when, None, "whole_blood", True, None, self.created))
                elif roll < 0.15:  # recorded by an organiser, no drive day (a hospital donation)
                    when = first_day + timedelta(days=rng.randint(0, span))
                    gave.append((donation_id, i, when, rng.choices(volumes, volume_weights)[0], "whole_blood",
                                 False, None, self.created))  # fmt: skip
                else:
                    when = day
                    gave.append((donation_id, i, when, rng.choices(volumes, volume_weights)[0], "whole_blood",
                                 False, did, self.created))  # fmt: skip
                    signup_id += 1
                    signed.append(
                        (signup_id, did, i, time_of_day(7), "donated", None, self.created, self.created)
                    )
                last = when if last is None or when > last else last
            if rng.random() < 0.1 and self.days:
                did, _ = rng.choice(self.days)
                if all(s[1] != did for s in signed):
                    signup_id += 1
                    status = rng.choice(("deferred", "active", "cancelled"))
                    reason = rng.choice(DEFERRALS) if status == "deferred" else None
                    signed.append(
                        (signup_id, did, i, time_of_day(7), status, reason, self.created, self.created)
                    )
            sex = "female" if rng.random() < 0.45 else "male"
            donor = (
                i, f"Người hiến {i}", f"+849{i:08d}", TODAY - timedelta(days=rng.randint(18 * 365, 60 * 365)),
                sex, rng.choices(abo_names, abo_weights)[0], "-" if rng.random() < 0.001 else "+",
                round(rng.uniform(50, 80), 1), rng.choice(self.wards) if rng.random() < 0.97 else None,
                rng.choice(organisations) if rng.random() < 0.4 else None, rng.random() < 0.10, "vi",
                self.created, last, "whole_blood" if last else None, True, self.created, self.created,
            )  # fmt: skip
            yield donor, gave, signed

    def clubs(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """One club per 500 donors, in the wards in turn; 15 % of donors in a club, 2 % in a second one,
        one leader per club (the clubs' figures are part of the text report and the workbook)."""
        rng = random.Random(self.rng.random())
        count = max(1, self.donors // 500)
        clubs = [
            (c, f"clb-{c}", f"CLB hiến máu {c}", "club", self.wards[c % len(self.wards)], f"CLB{c:06d}",
             "cli:bench", self.created)
            for c in range(1, count + 1)
        ]  # fmt: skip
        members: list[tuple[Any, ...]] = []
        led: set[int] = set()
        for donor in range(1, self.donors + 1):
            roll = rng.random()
            if roll >= 0.15:
                continue
            picked = rng.sample(range(1, count + 1), 2 if roll < 0.02 and count > 1 else 1)
            for club in picked:
                role = "member" if club in led else "leader"
                led.add(club)
                members.append((len(members) + 1, club, donor, role, self.created, "import"))
        return clubs, members


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time_of_day):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def _insert_sql(table: str) -> str:
    columns = Rows.COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


async def load_sqlite(path: Path, rows: Rows) -> float:
    started = time.perf_counter()
    await upgrade_database_async(f"sqlite+aiosqlite:///{path}")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-400000")
    db.execute("BEGIN")
    for table, data in (("campaigns", rows.campaigns), ("drive_sessions", rows.drive_days)):
        db.executemany(_insert_sql(table), ([_sqlite_value(v) for v in row] for row in data))
    batch: dict[str, list[list[Any]]] = {"donors": [], "channel_accounts": [], "donations": [], "signups": []}

    def flush() -> None:
        for table, data in batch.items():
            db.executemany(_insert_sql(table), data)
            data.clear()

    for donor, gave, signed in rows.people():
        batch["donors"].append([_sqlite_value(v) for v in donor])
        i = donor[0]
        batch["channel_accounts"].append([i, "telegram", str(i), str(i), i, _stamp(rows.created)])
        batch["donations"] += ([_sqlite_value(v) for v in row] for row in gave)
        batch["signups"] += ([_sqlite_value(v) for v in row] for row in signed)
        if len(batch["donations"]) > 50_000:
            flush()
    flush()
    for table, data in zip(("clubs", "club_members"), rows.clubs(), strict=True):
        db.executemany(_insert_sql(table), ([_sqlite_value(v) for v in row] for row in data))
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - started


async def load_postgres(url: str, rows: Rows) -> float:
    import asyncpg
    from sqlalchemy.engine import make_url

    started = time.perf_counter()
    await upgrade_database_async(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        for table, data in (("campaigns", rows.campaigns), ("drive_sessions", rows.drive_days)):
            await conn.copy_records_to_table(table, records=data, columns=list(Rows.COLUMNS[table]))
        await conn.execute("SELECT setval('campaigns_id_seq', 1000), setval('drive_sessions_id_seq', 100000)")
        batch: dict[str, list[tuple[Any, ...]]] = {
            "donors": [],
            "channel_accounts": [],
            "donations": [],
            "signups": [],
        }

        async def flush() -> None:
            for table, data in batch.items():
                if data:
                    await conn.copy_records_to_table(table, records=data, columns=list(Rows.COLUMNS[table]))
                    data.clear()

        for donor, gave, signed in rows.people():
            batch["donors"].append(donor)
            i = donor[0]
            batch["channel_accounts"].append((i, "telegram", str(i), str(i), i, rows.created))
            batch["donations"] += gave
            batch["signups"] += signed
            if len(batch["donations"]) > 100_000:
                await flush()
        await flush()
        for table, data in zip(("clubs", "club_members"), rows.clubs(), strict=True):
            await conn.copy_records_to_table(table, records=data, columns=list(Rows.COLUMNS[table]))
        # What autovacuum does on a live server: statistics, and the visibility map index-only scans need.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def timed(url: str, settings: Settings, runs: int, **kwargs: Any) -> tuple[list[float], Figures]:
    """Seconds per `figures` call, each in its own session, after one warm-up call."""
    rules = load_rules(settings.knowledge.rules)
    engine = create_engine(url)
    sessions = session_factory(engine)
    times: list[float] = []
    got: Figures | None = None
    try:
        for run in range(runs + 1):
            async with sessions() as session, session.begin():
                started = time.perf_counter()
                got = await figures.figures(
                    session, settings=settings, rules=rules, today=TODAY, now=NOW, **kwargs
                )
                if run:
                    times.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    assert got is not None
    return times, got


async def timed_reports(url: str, settings: Settings, runs: int) -> dict[str, float]:
    """Seconds for what a person waits for: the text report (the figures, the honour list, the year's
    milestones, the words) and the year-end workbook (the same with four years of history, five charts
    and the .xlsx written), p50 after one warm-up each."""
    rules = load_rules(settings.knowledge.rules)
    t = Catalogs().get("vi")
    engine = create_engine(url)
    sessions = session_factory(engine)
    text_times: list[float] = []
    xlsx_times: list[float] = []
    size = 0
    try:
        for run in range(runs + 1):
            async with sessions() as session, session.begin():
                started = time.perf_counter()
                data = await gather.gather(
                    session,
                    scope=Scope.area(),
                    settings=settings,
                    rules=rules,
                    today=TODAY,
                    now=NOW,
                    year=2026,
                    with_milestones=False,
                )
                summary.text(
                    data.figures, t, heading=data.heading(t), recognition=data.recognition, clubs=data.clubs
                )
                if run:
                    text_times.append(time.perf_counter() - started)
            async with sessions() as session, session.begin():
                started = time.perf_counter()
                data = await gather.gather(
                    session,
                    scope=Scope.area(),
                    settings=settings,
                    rules=rules,
                    today=TODAY,
                    now=NOW,
                    year=2026,
                    history_years=figures.HISTORY_YEARS,
                )
                size = len(gather.workbook_bytes(data, t))
                if run:
                    xlsx_times.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    honoured, reached = len(data.recognition.honours), len(data.recognition.milestones)
    print(
        f"  text report      p50 {statistics.median(text_times):.2f} s"
        f" (honour list {honoured:,}, milestones {reached:,}, clubs {len(data.clubs):,})"
    )
    print(f"  workbook         p50 {statistics.median(xlsx_times):.2f} s ({size / 1e6:.1f} MB)")
    return {"text": statistics.median(text_times), "xlsx": statistics.median(xlsx_times)}


async def measure(label: str, url: str, settings: Settings, runs: int) -> dict[str, float]:
    ward = settings.area.wards[0]
    cases = {
        "year": {"scope": Scope.area(), "year": 2026},
        "year_history": {"scope": Scope.area(), "year": 2026, "history_years": figures.HISTORY_YEARS},
        "ward": {"scope": Scope.ward(ward), "year": 2026},
        "campaign": {"scope": Scope.area(), "campaign_ids": [17]},
    }
    out: dict[str, float] = {}
    print(f"\n{label}:")
    for name, kwargs in cases.items():
        times, got = await timed(url, settings, runs, **kwargs)
        out[name] = statistics.median(times)
        print(
            f"  {name:<16} p50 {out[name]:.2f} s, max {max(times):.2f} s  (units {got.units.actual:,},"
            f" donors {got.donors.first_time + got.donors.repeat:,}, registered {got.funnel.registered:,},"
            f" reserve {got.reserve.actual:,}, ready {got.emergency_ready.actual:,})"
        )
    out.update(await timed_reports(url, settings, max(1, runs // 2)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="1,000,000 donors (~3,000,000 donations)")
    parser.add_argument("--donors", type=int, help="donors to generate (default 100,000; --full 1,000,000)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="PostgreSQL server URL (default: DONORBOT_TEST_POSTGRES_URL)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--keep", type=Path, help="SQLite file to write and keep (reused if present)")
    args = parser.parse_args(argv)
    donors = args.donors or (1_000_000 if args.full else 100_000)
    base = load_settings(environ={})
    wards = base.area.wards
    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "report-bench.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        settings = base.model_copy(update={"database": base.database.model_copy(update={"url": url})})
        if not path.exists():
            print(f"generating {donors:,} donors into SQLite {path} ...", flush=True)
            result["sqlite_load_s"] = asyncio.run(load_sqlite(path, Rows(donors, wards)))
            print(f"  {result['sqlite_load_s']:.0f} s")
        with sqlite3.connect(path) as db:
            donations = db.execute("SELECT count(*) FROM donations").fetchone()[0]
        print(f"  {donations:,} donations")
        for name, value in asyncio.run(measure("SQLite", url, settings, args.runs)).items():
            result[f"sqlite_{name}_s"] = value
        admin = None if args.no_postgres else (args.postgres or os.environ.get("DONORBOT_TEST_POSTGRES_URL"))
        if admin:
            pg_url, dsn = asyncio.run(throwaway.create(admin, "donorbot_bench"))
            try:
                print(f"\ngenerating {donors:,} donors into PostgreSQL ...", flush=True)
                result["pg_load_s"] = asyncio.run(load_postgres(pg_url, Rows(donors, wards)))
                print(f"  {result['pg_load_s']:.0f} s")
                pg_settings = base.model_copy(
                    update={"database": base.database.model_copy(update={"url": pg_url})}
                )
                for name, value in asyncio.run(measure("PostgreSQL", pg_url, pg_settings, args.runs)).items():
                    result[f"pg_{name}_s"] = value
            finally:
                asyncio.run(throwaway.drop(dsn, pg_url))
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures_line = " ".join(f"{key}={value:.2f}" for key, value in result.items())
    print(f"\nreport donors={donors} donations={donations} {figures_line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
