"""Web page benchmark: the campaign page and a 500-person drive day's roster over a 1,000,000-donor database,
hit by 20 concurrent browsers over HTTP (issue 17).

Run: .venv/bin/python bench/web.py [--full | --donors N] [--requests 200] [--clients 20] [--seconds 60]
                                   [--database-url URL] [--keep PATH] [--servers N]

The database: the migrations, then the `models/tables` tables' rows in batches of 20,000 — sqlite3's own
executemany on SQLite (SQLAlchemy's bind processing of each value held it to 15,000 rows/s), SQLAlchemy
Core `insert()` with executemany (asyncpg) on PostgreSQL — in one transaction, then ANALYZE. N donors
(fake names and phones) over `[area] wards` (3 % without one), 30 % in one of 200 organisations, 10 %
reserve, Vietnamese blood-group frequencies, a Telegram chat each; 45 % of them with 1–5 past donations
(three in four at a drive day, with its sign-up, the rest recorded without one or told at registration;
5 % also stated donations before the bot), over five years of four campaigns of 25 drive days; some
sign-ups cancelled, deferred or never come. The campaign measured ("Chiến dịch mùa đông", this year) has
targets, a tag, ward and organisation quotas and nine drive days: six past, today's — 500 sign-ups over
eight slots, some checked in, some donated, some deferred — and two to come. An admin's chat account
(`models.organisers.grant`).

The page server is the real one (`bot.web.site.mount` on a `WebServer` over `bot.bootstrap.build_app`,
start-up objects frozen as `donorbot run` does) in a process of its own (`--serve`). This process logs the
admin in through the real path (a login row made by `models.web_sessions.create_login`, as /web makes it,
then the link's page and its POST) once per browser — each its own session, as 20 desks would have —,
then the `--clients` aiohttp sessions, each with its cookie, send `--requests`
GETs of `/campaign/{id}` (each client waits for its answer before the next; no new one after `--seconds`),
then as many of `/roster/{id}`, each phase after one warm-up request per client. While the roster is
read, a desk (this process, through its own engine, as the chat's desk would write) checks one of its
sign-ups in every `--checkin-every` seconds (1; 0: none), and afterwards the roster a browser gets must
count the sign-ups and check-ins the database holds, else it is an error: the page keeps a roster's
laid-out rows while they are unchanged, and this shows what that costs and that nothing shown is stale.
Every request runs the page's handler: the session, the role, the figures or the roster, the audit
entry, the commit. A page that is not 200 or lacks what it must show counts as an error (the server logs
why).

The default is 100,000 donors (about 400,000 rows: 12 s to build). `--full` is the issue's 1,000,000
(3,900,000 rows): the build alone took 6.5 minutes on the shared 2-core machine, over the five minutes a
default run may take. `--database-url postgresql+asyncpg://…` names a PostgreSQL server: a throwaway
database is made on it and dropped after. `--keep PATH` writes the SQLite file there and reuses it (and
its ids, in PATH.json) on the next run.

`--servers N` starts N page servers (processes, as N `donorbot web` behind nginx; PostgreSQL: on SQLite
they would queue for its one writer in its busy handler), the browsers spread over them in turn; a list
("1,2") measures each count in turn on the one database.

Figures: p50/p95 of each page in ms (goal p95 < 200 ms), requests/s of each page and of both phases,
errors, `machine_ms` (a fixed Python loop's time: this machine's speed at the time of the run), the
servers' CPU time per page (user + system, from /proc: what a page costs whatever else the
machine runs), the build time, the largest server's peak RSS. The last line holds them as key=value.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
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
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import throwaway  # noqa: E402
from core.config import Settings, load_settings  # noqa: E402
from core.i18n import Catalogs  # noqa: E402
from domain.figures import Scope  # noqa: E402
from models import organisers, rosters, web_sessions  # noqa: E402
from models.db import create_engine, is_sqlite, session_factory, upgrade_database_async  # noqa: E402
from models.tables import (  # noqa: E402
    Campaign,
    CampaignTag,
    ChannelAccount,
    Donation,
    Donor,
    DriveDay,
    Quota,
    Signup,
)

BATCH = 20_000
ADMIN_USER = "990000001"
ABO = (("O", 42), ("B", 31), ("A", 21), ("AB", 6))
VOLUMES = ((250, 40), (350, 45), (450, 15))
HISTORY_SHARE = 0.45
HISTORY_COUNTS, HISTORY_WEIGHTS = (1, 2, 3, 4, 5), (35, 25, 18, 12, 10)
ROSTER_SIZE = 500
SLOTS = [time_of_day(7 + m // 60, m % 60) for m in range(0, 240, 30)]  # 07:00 … 10:30
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Quốc", "Thanh", "Hữu", "Xuân", "Gia"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Khánh", "Lan", "Linh", "Minh",
         "Nam", "Ngọc", "Phúc", "Quang", "Sơn", "Thảo", "Vy"]  # fmt: skip
DEFERRALS = ("Huyết sắc tố thấp", "Huyết áp cao", "Cân nặng chưa đủ", "Mới ốm dậy")
CAMPAIGN_NAME = "Chiến dịch mùa đông"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def name_of(n: int, rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} {GIVEN[n % len(GIVEN)]}"


# --- the database -----------------------------------------------------------------------------------------


class World:
    """Every generated row, table by table, with ids assigned here (so rows refer to each other without a
    round trip); donors come in batches with their accounts, donations and sign-ups."""

    def __init__(self, donors: int, wards: tuple[str, ...], today: date, *, seed: int = 17) -> None:
        self.donors = donors
        self.wards = wards
        self.today = today
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.created = self.now - timedelta(days=1500)
        self.organisations = [f"Công ty {i}" for i in range(1, 201)]
        self.campaigns: list[dict[str, Any]] = []
        self.drive_days: list[dict[str, Any]] = []
        self.history_days: list[tuple[int, date]] = []  # past drive days people gave at
        for year in range(today.year - 4, today.year + 1):
            for n in range(4):
                start = date(year, 1 + 3 * n, 1)
                days = [start + timedelta(days=3 * k) for k in range(25)]
                days = [d for d in days if d < today - timedelta(days=40)]
                if days:
                    cid = self._campaign(f"c{year}-{n}", f"Đợt {n + 1} năm {year}", year, days[0], days[-1])
                    for k, day in enumerate(days):
                        self.history_days.append((self._day(cid, f"d{k}", day, k), day))
        past = [today - timedelta(days=36 - 6 * k) for k in range(6)]
        self.campaign_id = self._campaign(
            "mua-dong", CAMPAIGN_NAME, today.year, past[0], today + timedelta(14)
        )
        campaign = self.campaigns[-1]
        campaign.update(target_units=15_000, target_repeat_share=0.6, target_350_share=0.4,
                        target_reserve_donors=100_000, target_emergency_ready=5_000)  # fmt: skip
        for k, day in enumerate(past):
            self.history_days.append((self._day(self.campaign_id, f"past-{k}", day, k), day))
        self.roster_day = self._day(self.campaign_id, "today", today, 0, capacity=600)
        for k in (1, 2):
            self._day(self.campaign_id, f"next-{k}", today + timedelta(days=7 * k), k)
        self.tags = [{"campaign_id": self.campaign_id, "tag": "chu-nhat-do"}]
        self.quotas = [
            {"campaign_id": self.campaign_id, "year": None, "kind": "ward", "name": ward, "units": 3_000,
             "headcount": None, "updated_at": self.created}
            for ward in wards
        ] + [
            {"campaign_id": self.campaign_id, "year": None, "kind": "organisation", "name": name, "units": 40,
             "headcount": 400, "updated_at": self.created}
            for name in self.organisations[:5]
        ]  # fmt: skip
        self.roster_donors = set(self.rng.sample(range(1, donors + 1), min(ROSTER_SIZE, donors)))
        self.donation_id = self.signup_id = 0

    def _campaign(self, key: str, name: str, year: int, first: date, last: date) -> int:
        cid = len(self.campaigns) + 1
        self.campaigns.append(
            {"id": cid, "key": key, "name": name, "organising_unit": "Hội Chữ thập đỏ", "year": year,
             "first_day": first, "last_day": last, "target_units": 2_000, "target_repeat_share": None,
             "target_350_share": None, "target_reserve_donors": None, "target_emergency_ready": None,
             "created_at": self.created, "updated_at": self.created}
        )  # fmt: skip
        return cid

    def _day(self, cid: int, key: str, day: date, k: int, *, capacity: int = 3000) -> int:
        did = len(self.drive_days) + 1
        self.drive_days.append(
            {"id": did, "campaign_id": cid, "key": key, "round": 1, "day": day, "start_time": SLOTS[0],
             "end_time": time_of_day(11, 30), "place_name": f"Nhà văn hoá {k + 1}", "address": None,
             "ward": self.wards[k % len(self.wards)], "capacity": capacity, "slot_minutes": 30,
             "audience": "open", "status": "scheduled", "created_at": self.created,
             "updated_at": self.created}
        )  # fmt: skip
        return did

    def _signup(self, did: int, donor: int, status: str, when: date, volume: int | None) -> dict[str, Any]:
        self.signup_id += 1
        came = status in ("checked_in", "donated", "deferred")
        at = datetime.combine(when, time_of_day(0, 30), UTC) if came else None
        return {
            "id": self.signup_id, "session_id": did, "donor_id": donor,
            "slot_start": self.rng.choice(SLOTS), "code": None, "status": status, "checked_in_at": at,
            "result_volume_ml": volume, "deferral_reason": self.rng.choice(DEFERRALS) if status == "deferred"
            else None, "created_at": self.created, "updated_at": self.created,
        }  # fmt: skip

    def _donation(
        self, donor: int, when: date, volume: int | None, did: int | None, told: bool
    ) -> dict[str, Any]:
        self.donation_id += 1
        return {"id": self.donation_id, "donor_id": donor, "donated_on": when, "volume_ml": volume,
                "kind": "whole_blood", "place": None, "self_reported": told, "session_id": did,
                "created_at": self.created}  # fmt: skip

    def batches(self) -> Iterator[dict[str, list[dict[str, Any]]]]:
        rng, today = self.rng, self.today
        abo, abo_weights = [a for a, _ in ABO], [w for _, w in ABO]
        volumes, volume_weights = [v for v, _ in VOLUMES], [w for _, w in VOLUMES]
        first_day = today - timedelta(days=5 * 365)
        batch: dict[str, list[dict[str, Any]]] = {
            "donors": [],
            "accounts": [],
            "donations": [],
            "signups": [],
        }
        for i in range(1, self.donors + 1):
            gave: list[date] = []
            earlier: int | None = None
            if rng.random() < HISTORY_SHARE:
                k = rng.choices(HISTORY_COUNTS, HISTORY_WEIGHTS)[0]
                for n, (did, day) in enumerate(rng.sample(self.history_days, k)):
                    roll = rng.random()
                    if roll < 0.1 and n == 0:  # told at registration, before the bot
                        when = first_day - timedelta(days=rng.randint(30, 1500))
                        batch["donations"].append(self._donation(i, when, None, None, True))
                    elif roll < 0.25:  # recorded by an organiser without a drive day (a hospital)
                        when = first_day + timedelta(days=rng.randint(0, 5 * 365 - 1))
                        volume = rng.choices(volumes, volume_weights)[0]
                        batch["donations"].append(self._donation(i, when, volume, None, False))
                    else:
                        when, volume = day, rng.choices(volumes, volume_weights)[0]
                        batch["donations"].append(self._donation(i, when, volume, did, False))
                        batch["signups"].append(self._signup(did, i, "donated", when, volume))
                    gave.append(when)
                if rng.random() < 0.05:
                    earlier = rng.randint(1, 20)
            if rng.random() < 0.05:  # a sign-up that came to nothing, or a deferral
                did, day = rng.choice(self.history_days)
                if not any(s["session_id"] == did and s["donor_id"] == i for s in batch["signups"][-5:]):
                    status = rng.choice(("cancelled", "deferred", "active"))
                    batch["signups"].append(self._signup(did, i, status, day, None))
            if i in self.roster_donors:
                roll = rng.random()
                status = ("donated" if roll < 0.3 else "deferred" if roll < 0.35 else "checked_in"
                          if roll < 0.5 else "active")  # fmt: skip
                result = rng.choices(volumes, volume_weights)[0] if status == "donated" else None
                batch["signups"].append(self._signup(self.roster_day, i, status, today, result))
                if result is not None:
                    batch["donations"].append(self._donation(i, today, result, self.roster_day, False))
                    gave.append(today)
            group = rng.random() < 0.98
            last = max(gave) if gave else None
            batch["donors"].append(
                {"id": i, "full_name": name_of(i, rng), "phone": f"+849{i:08d}",
                 "date_of_birth": today - timedelta(days=rng.randint(18 * 365 + 1, 60 * 365)),
                 "sex": "female" if rng.random() < 0.45 else "male",
                 "blood_abo": rng.choices(abo, abo_weights)[0] if group else None,
                 "blood_rh": ("-" if rng.random() < 0.001 else "+") if group else None,
                 "weight_kg": round(rng.uniform(45, 85), 1),
                 "ward": rng.choice(self.wards) if rng.random() < 0.97 else None,
                 "organisation": rng.choice(self.organisations) if rng.random() < 0.3 else None,
                 "is_reserve": rng.random() < 0.1, "language": "vi", "consent_at": self.created,
                 "last_donation_on": last, "last_donation_kind": "whole_blood" if last else None,
                 "earlier_donations": earlier, "created_at": self.created, "updated_at": self.created}
            )  # fmt: skip
            batch["accounts"].append(
                {"id": i, "platform": "telegram", "user_id": str(700_000_000 + i),
                 "chat_id": str(700_000_000 + i), "donor_id": i, "linked_at": self.created,
                 "created_at": self.created}
            )  # fmt: skip
            if len(batch["donors"]) >= BATCH:
                yield batch
                batch = {"donors": [], "accounts": [], "donations": [], "signups": []}
        yield batch


def _sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types store it (so the app reads back what it wrote itself)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time_of_day):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


TABLES: dict[str, Any] = {
    "campaigns": Campaign.__table__,
    "drive_days": DriveDay.__table__,
    "tags": CampaignTag.__table__,
    "quotas": Quota.__table__,
    "donors": Donor.__table__,
    "accounts": ChannelAccount.__table__,
    "donations": Donation.__table__,
    "signups": Signup.__table__,
}


def load_sqlite(path: str, world: World) -> int:
    """sqlite3's own executemany (SQLAlchemy's per-value bind processing was most of the time: 15,000
    rows/s), one transaction, values in the types' stored form; then ANALYZE. Rows written."""
    db = sqlite3.connect(path, isolation_level=None)
    written = 0
    try:
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-400000")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("BEGIN")

        def put(name: str, rows: list[dict[str, Any]]) -> int:
            if not rows:
                return 0
            columns = list(rows[0])
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {TABLES[name].name} ({', '.join(columns)}) VALUES ({marks})"
            db.executemany(sql, ([_sqlite_value(row[c]) for c in columns] for row in rows))
            return len(rows)

        for name in ("campaigns", "drive_days", "tags", "quotas"):
            put(name, getattr(world, name))
        for n, batch in enumerate(world.batches()):
            for name in ("donors", "accounts", "donations", "signups"):  # donors before what refers to them
                written += put(name, batch[name])
            if n % 10 == 9:
                log(f"  {(n + 1) * BATCH:,} donors, {written:,} rows")
        db.execute("COMMIT")
        log("  statistics (ANALYZE, as a live database has them) ...")
        db.execute("ANALYZE")
    finally:
        db.close()
    return written


async def load_postgres(url: str, world: World) -> int:
    """SQLAlchemy Core `insert()` with executemany (asyncpg), one transaction; the id sequences moved past
    the ids given; then VACUUM ANALYZE (what autovacuum does on a live server). Rows written."""
    engine = create_engine(url)
    written = 0
    try:
        async with engine.begin() as conn:
            for name in ("campaigns", "drive_days", "tags", "quotas"):
                await conn.execute(insert(TABLES[name]), getattr(world, name))
            for n, batch in enumerate(world.batches()):
                for name in ("donors", "accounts", "donations", "signups"):
                    if batch[name]:
                        await conn.execute(insert(TABLES[name]), batch[name])
                        written += len(batch[name])
                if n % 10 == 9:
                    log(f"  {(n + 1) * BATCH:,} donors, {written:,} rows")
            for name in ("campaigns", "drive_days", "donors", "accounts", "donations", "signups"):
                table = TABLES[name].name
                last = f"(SELECT max(id) FROM {table})"
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})"))
        log("  statistics (VACUUM ANALYZE) ...")
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await engine.dispose()
    return written


async def build(url: str, donors: int, settings: Settings) -> tuple[int, int, int]:
    """The schema (the migrations), the rows, the admin; (campaign id, roster drive day id, rows written)."""
    await upgrade_database_async(url)
    world = World(donors, settings.area.wards, datetime.now(settings.tz).date())
    if is_sqlite(url):
        path = make_url(url).database
        assert path is not None
        written = await asyncio.to_thread(load_sqlite, path, world)
    else:
        written = await load_postgres(url, world)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await organisers.grant(
                session,
                platform="telegram",
                user_id=ADMIN_USER,
                role="admin",
                unit="Hội Chữ thập đỏ",
                scope=Scope.area(),
                actor="bench",
                now=world.now,
            )
    finally:
        await engine.dispose()
    return world.campaign_id, world.roster_day, written


# --- the page server, in a process of its own ------------------------------------------------------------


def settings_for(url: str) -> Settings:
    base = load_settings(environ={})
    data_dir = Path(tempfile.gettempdir()) / "donorbot-webbench"
    data_dir.mkdir(exist_ok=True)
    return base.model_copy(
        update={
            "database": base.database.model_copy(update={"url": url}),
            "web": base.web.model_copy(update={"host": "127.0.0.1", "port": 0, "public_url": None}),
            "bot": base.bot.model_copy(update={"data_dir": data_dir}),
        }
    )


async def serve(url: str) -> None:
    """`--serve URL`: the web page over that database, as `donorbot run` serves it; prints its port, stops
    when stdin closes."""
    from bot.bootstrap import build_app, freeze_startup_objects
    from bot.web import site
    from bot.web.server import WebServer

    app = build_app(settings_for(url))
    server = WebServer(app.settings, clock=app.clock)
    site.mount(server, app)
    freeze_startup_objects()
    await server.start()
    sys.stdout.write(json.dumps({"port": server.port}) + "\n")
    sys.stdout.flush()
    try:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await server.stop()
        await app.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(json.dumps({"server_rss_mb": peak}) + "\n")
    sys.stdout.flush()


# --- the browsers -----------------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def log_in(url: str, base: str) -> str:
    """The admin's session cookie, by the real path: the login row /web makes, the link's page, its POST."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            account = await session.scalar(
                ChannelAccount.__table__.select()
                .with_only_columns(ChannelAccount.id)
                .where(ChannelAccount.platform == "telegram", ChannelAccount.user_id == ADMIN_USER)
            )
            assert account is not None
            _, token = await web_sessions.create_login(session, account_id=account, now=datetime.now(UTC))
    finally:
        await engine.dispose()
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(base, cookie_jar=jar) as browser:
        async with browser.get(f"/login/{token}") as page:
            assert page.status == 200, page.status
            found = CSRF.search(await page.text())
        assert found is not None
        # not on to "/" (the campaigns' figures): the page measured is another
        login = browser.post(f"/login/{token}", data={"csrf": found.group(1)}, allow_redirects=False)
        async with login as answer:
            assert answer.status == 303, answer.status
            assert answer.headers["Location"] == "/", answer.headers["Location"]
        cookie = {c.key: c.value for c in jar}.get("donorbot_session")
    assert cookie, "no session cookie"
    return cookie


async def hammer(
    browsers: list[tuple[str, str]], path: str, *, requests: int, needle: str, seconds: float
) -> tuple[list[float], int, float]:
    """`requests` GETs of `path` by the browsers (server, session cookie), at once (each waits for its
    answer before the next); no new one after `seconds`. (latencies in s, errors, wall time)."""
    latencies: list[float] = []
    errors = 0
    left = requests
    deadline = time.monotonic() + seconds

    async def browser(base: str, cookie: str) -> None:
        nonlocal left, errors
        async with aiohttp.ClientSession(base, cookies={"donorbot_session": cookie}) as http:
            while left > 0 and time.monotonic() < deadline:
                left -= 1
                started = time.perf_counter()
                async with http.get(path) as answer:
                    body = await answer.text()
                latencies.append(time.perf_counter() - started)
                if answer.status != 200 or needle not in body:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(browser(base, cookie) for base, cookie in browsers))
    return latencies, errors, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used (user + system, all its threads), from /proc: the server's cost of
    a page, whatever else the machine is doing meanwhile."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def desk(url: str, roster_id: int, every: float, stop: asyncio.Event, done: list[int]) -> None:
    """A check-in desk at the roster's drive day while it is read: one sign-up still "active" checked in
    every `every` seconds, by a process of its own as the chat's desk would be, so the roster the browsers
    read changes under them. The sign-ups it checked in go into `done` (`put_back` undoes them, once the
    roster has been compared with the database)."""
    engine = create_engine(url)
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            if stop.is_set():
                break
            async with engine.begin() as db:
                found = await db.scalar(
                    select(Signup.id)
                    .where(
                        Signup.drive_day_id == roster_id,
                        Signup.status == "active",
                        Signup.checked_in_at.is_(None),
                        Signup.id.not_in(done or [0]),
                    )
                    .limit(1)
                )
                if found is None:
                    break
                await db.execute(
                    update(Signup)
                    .where(Signup.id == found)
                    .values(status="checked_in", checked_in_at=datetime.now(UTC))
                )
            done.append(found)
    finally:
        await engine.dispose()


async def put_back(url: str, done: list[int]) -> None:
    """The desk's check-ins undone, so that a kept file is the same for the next run."""
    if not done:
        return
    engine = create_engine(url)
    try:
        async with engine.begin() as db:
            await db.execute(
                update(Signup).where(Signup.id.in_(done)).values(status="active", checked_in_at=None)
            )
    finally:
        await engine.dispose()


async def roster_is_current(url: str, base: str, cookie: str, roster_id: int) -> bool:
    """Whether the roster a browser gets now counts the sign-ups and check-ins the database holds (as
    `models.rosters` reads them, for the admin's scope: the whole area)."""
    settings = settings_for(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as db:
            now = datetime.now(UTC)
            found = await rosters.load(db, roster_id, scope=Scope.area(), now=now, tz=settings.tz)
    finally:
        await engine.dispose()
    assert isinstance(found, rosters.Roster), found
    async with (
        aiohttp.ClientSession(base, cookies={"donorbot_session": cookie}) as http,
        http.get(f"/roster/{roster_id}") as answer,
    ):
        page = await answer.text()
    return Catalogs().get("vi")("ros_totals", booked=len(found.rows), came=found.checked_in) in page


async def measure(
    url: str, campaign_id: int, roster_id: int, args: argparse.Namespace, servers: int
) -> dict[str, float]:
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            url,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(servers)
    ]
    out: dict[str, float] = {}
    try:
        bases = []
        for child in children:
            assert child.stdout is not None
            bases.append(f"http://127.0.0.1:{json.loads(await child.stdout.readline())['port']}")
        # browser i talks to server i mod N, as nginx's round robin spreads its clients
        browsers = [
            (bases[i % len(bases)], await log_in(url, bases[i % len(bases)])) for i in range(args.clients)
        ]
        log(f"logged in; {args.clients} browsers, {args.requests} requests per page, {servers} server(s)")
        total_requests, total_seconds = 0, 0.0
        for name, path, needle in (
            ("campaign", f"/campaign/{campaign_id}", CAMPAIGN_NAME),
            ("roster", f"/roster/{roster_id}", "Nhà văn hoá 1"),
        ):
            # one warm-up request per browser: the caches a running server has
            await hammer(browsers, path, requests=args.clients, needle=needle, seconds=args.seconds)
            stop, checked_in = asyncio.Event(), list[int]()
            checking_in = (
                asyncio.create_task(desk(url, roster_id, args.checkin_every, stop, checked_in))
                if name == "roster" and args.checkin_every > 0
                else None
            )
            cpu = sum(cpu_seconds(child.pid) for child in children)
            times, errors, wall = await hammer(
                browsers, path, requests=args.requests, needle=needle, seconds=args.seconds
            )
            used = sum(cpu_seconds(child.pid) for child in children) - cpu
            if checking_in is not None:
                stop.set()
                await checking_in
                out["roster_checkins"] = len(checked_in)
                try:  # before the check-ins are undone: the page must show them
                    if not await roster_is_current(url, *browsers[0], roster_id):
                        errors += 1  # a roster older than the database: what the desk did is not shown
                finally:
                    await put_back(url, checked_in)
            out[f"{name}_server_cpu_ms"] = used * 1000 / max(len(times), 1)
            ms = [t * 1000 for t in times]
            out[f"{name}_p50_ms"] = statistics.median(ms)
            out[f"{name}_p95_ms"] = percentile(ms, 0.95)
            out[f"{name}_req_per_s"] = len(times) / wall
            out[f"{name}_errors"] = errors
            total_requests += len(times)
            total_seconds += wall
            log(f"  {path}: {len(times)} requests in {wall:.1f} s, p50 {out[f'{name}_p50_ms']:.0f} ms,"
                f" p95 {out[f'{name}_p95_ms']:.0f} ms, max {max(ms):.0f} ms, {errors} errors,"
                f" {out[f'{name}_server_cpu_ms']:.1f} ms of server CPU each")  # fmt: skip
        out["req_per_s"] = total_requests / total_seconds
    finally:
        peaks = []
        for child in children:
            assert child.stdin is not None
            assert child.stdout is not None
            child.stdin.close()
            last = await child.stdout.readline()
            await child.wait()
            if last:
                peaks.append(json.loads(last)["server_rss_mb"])
    if peaks:
        out["server_rss_mb"] = max(peaks)
    return out


# --- the run ----------------------------------------------------------------------------------------------


def machine_ms() -> float:
    """The best of three runs of a fixed pure-Python loop, in ms: how fast this machine is right now. A
    shared virtual machine's speed moves by half from one hour to the next (on the day of these figures a
    ten-million-step loop took 0.68 to 1.17 s), so a page's figures are comparable only beside it."""
    best = math.inf
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for n in range(2_000_000):
            total += n
        best = min(best, time.perf_counter() - started)
    return best * 1000


async def run(args: argparse.Namespace, folder: Path) -> int:
    dsn = None
    if args.database_url:
        url, dsn = await throwaway.create(args.database_url, "donorbot_webbench")
        backend = "postgresql"
    else:
        path = args.keep or folder / "web-bench.sqlite3"
        url, backend = f"sqlite+aiosqlite:///{path}", "sqlite"
    result: dict[str, float] = {}
    try:
        settings = settings_for(url)
        ids_file = Path(f"{args.keep}.json")
        reuse = args.keep is not None and not args.database_url and await asyncio.to_thread(ids_file.exists)
        started = time.perf_counter()
        if reuse:
            log(f"reusing {args.keep}")
            campaign_id, roster_id, args.donors = json.loads(await asyncio.to_thread(ids_file.read_text))
        else:
            log(f"building {args.donors:,} donors on {backend} ...")
            campaign_id, roster_id, rows = await build(url, args.donors, settings)
            result["build_s"] = time.perf_counter() - started
            result["rows"] = rows
            log(f"  {rows:,} rows in {result['build_s']:.0f} s")
            if args.keep is not None and not args.database_url:
                kept = json.dumps([campaign_id, roster_id, args.donors])
                await asyncio.to_thread(ids_file.write_text, kept)
        result["machine_ms"] = machine_ms()
        for servers in args.servers:  # on the same database: one build for each count of servers
            figures = await measure(url, campaign_id, roster_id, args, servers)
            prefix = f"servers{servers}_" if len(args.servers) > 1 else ""
            result.update({prefix + key: value for key, value in figures.items()})
    finally:
        if dsn is not None:
            await throwaway.drop(dsn, url)
    errors = int(sum(value for key, value in result.items() if key.endswith("errors")))
    line = " ".join(
        f"{key}={value:.0f}"
        if key in ("rows", "build_s") or key.endswith(("server_rss_mb", "errors", "checkins"))
        else f"{key}={value:.1f}"
        for key, value in result.items()
    )
    print(f"web backend={backend} donors={args.donors} clients={args.clients} {line}")
    return 0 if errors == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="the issue's size: 1,000,000 donors")
    parser.add_argument("--donors", type=int, help="donors to generate (default 100,000; --full 1,000,000)")
    parser.add_argument(
        "--requests", type=int, default=200, help="GETs per page (after 1 warm-up per client)"
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--servers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1],
        help="page servers (processes; PostgreSQL), the browsers spread over them; 1,2 measures both",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="stop a page's phase after this long")
    parser.add_argument(
        "--checkin-every",
        type=float,
        default=1.0,
        help="while the roster is read, a desk checks one of its sign-ups in this often (s; 0: none)",
    )
    parser.add_argument("--database-url", help="a PostgreSQL server (a throwaway database is made on it)")
    parser.add_argument("--keep", type=Path, help="SQLite file to write and keep (reused if present)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.donors = args.donors or (1_000_000 if args.full else 100_000)
    if args.serve:
        asyncio.run(serve(args.serve))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
