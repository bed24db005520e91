"""A campaign's plan file (TOML, `donorbot drive import`): read and validated into typed values. Pure.

The file is checked here, before anything touches the database, so every mistake is reported with its key
path and nothing is half imported. `check_drive_day` holds the rules a session's values obey, shared by the
plan file, `donorbot drive add` and /taodot, so every way in refuses the same mistakes; writing a parsed
plan is `models.plan_import`'s job.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path

from domain import limits
from domain.figures import Tag, Targets, parse_tags
from domain.organisations import SECTORS, is_audience
from domain.text import clean_input, fold

MAX_ROUND = 20
MAX_CAPACITY = 100_000  # donors in one session
MAX_SLOT_MINUTES = 24 * 60
MAX_UNITS = 1_000_000  # units (donations) in one target or quota
MAX_HEADCOUNT = 10_000_000


class PlanError(ValueError):
    """A campaign plan file cannot be used; the message starts with the key path (`sessions[2].start`)."""


@dataclass(frozen=True)
class DriveDayPlan:
    """One `[[sessions]]` entry of a plan file: a blood day at one place."""

    key: str
    day: date
    start_time: time
    end_time: time
    place_name: str
    capacity: int
    round: int = 1
    address: str | None = None
    ward: str | None = None
    map_url: str | None = None
    slot_minutes: int = 30
    audience: str = "open"


@dataclass(frozen=True)
class QuotaEntry:
    """One `[[quotas]]` entry: units asked of a ward (as `[area] wards` spells it) or an organisation,
    and its headcount for the "≥ 20 % of the staff donated" figure."""

    kind: str  # "ward" | "organisation"
    name: str
    units: int | None = None
    headcount: int | None = None


TargetValues = Targets
"""The targets of a campaign or a year (every one optional; one donation is one unit), as a plan sets them
and the figures measure against them: one type for both."""


@dataclass(frozen=True)
class YearPlan:
    """A year plan file: `[year]` with the year's targets, and `[[quotas]]` for the year."""

    year: int
    targets: TargetValues
    quotas: tuple[QuotaEntry, ...] = ()


@dataclass(frozen=True)
class CampaignPlan:
    """The `[campaign]` table of a plan file and its sessions."""

    key: str
    name: str
    year: int
    sessions: tuple[DriveDayPlan, ...]
    organising_unit: str | None = None
    slogan: str | None = None
    description: str | None = None
    target_units: int | None = None
    target_repeat_share: float | None = None
    target_350_share: float | None = None
    target_reserve_donors: int | None = None
    target_emergency_ready: int | None = None
    poster_path: str | None = None
    tags: tuple[Tag, ...] = ()
    quotas: tuple[QuotaEntry, ...] = ()
    first_day: date | None = None  # asked by /taochiendich; a plan file leaves them out
    last_day: date | None = None

    @property
    def targets(self) -> TargetValues:
        return TargetValues(
            units=self.target_units,
            repeat_share=self.target_repeat_share,
            share_350=self.target_350_share,
            reserve_donors=self.target_reserve_donors,
            emergency_ready=self.target_emergency_ready,
        )


_KEY = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{limits.KEY - 1}}}")
_AUDIENCE_PROBLEM = 'must be "open" or a sector: ' + ", ".join(f'"{name}"' for name in SECTORS)
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")
_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Text as the chat keeps it, on one line: no control, bidi or zero-width characters, runs of
    spaces and line breaks made one space, trimmed (a place's name typed in a file, a shell or the chat)."""
    return _SPACES.sub(" ", clean_input(text)).strip()


_CAMPAIGN_KEYS = {
    "key",
    "name",
    "year",
    "organising_unit",
    "slogan",
    "description",
    "target_units",
    "target_repeat_share",
    "target_350_share",
    "target_reserve_donors",
    "target_emergency_ready",
    "tags",
    "poster",
}
_TARGET_KEYS = {
    "target_units",
    "target_repeat_share",
    "target_350_share",
    "target_reserve_donors",
    "target_emergency_ready",
}
_YEAR_KEYS = {"year", *_TARGET_KEYS}
_QUOTA_KEYS = {"ward", "organisation", "units", "headcount"}
_SESSION_KEYS = {
    "key",
    "round",
    "date",
    "start",
    "end",
    "place",
    "address",
    "ward",
    "map_url",
    "capacity",
    "slot_minutes",
    "audience",
}


class _Table:
    """Typed reads from one TOML table; every problem is reported as `<where>.<key>: <problem>`."""

    def __init__(self, raw: object, where: str, allowed: set[str]) -> None:
        if not isinstance(raw, dict):
            raise PlanError(f"{where}: must be a table")
        for name in raw:
            if name not in allowed:
                raise PlanError(f"{where}.{name}: unknown key (check the spelling)")
        self.raw: dict[str, object] = raw
        self.where = where

    def fail(self, name: str, problem: str) -> PlanError:
        return PlanError(f"{self.where}.{name}: {problem}")

    def _get(self, name: str, required: bool) -> object:
        value = self.raw.get(name)
        if value is None and required:
            raise self.fail(name, "missing")
        return value

    def text(self, name: str, *, max_len: int, required: bool = False, multiline: bool = False) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(name, "must be text in quotes")
        # as the chat does: no control, bidi or zero-width characters
        cleaned = clean_input(value).strip() if multiline else one_line(value)
        if not cleaned:
            if required:
                raise self.fail(name, "must not be empty")
            return None
        if len(cleaned) > max_len:
            raise self.fail(name, f"is too long ({len(cleaned)} characters, at most {max_len})")
        return cleaned

    def required_text(self, name: str, *, max_len: int) -> str:
        value = self.text(name, max_len=max_len, required=True)
        assert value is not None
        return value

    def key(self, name: str) -> str:
        value = self.required_text(name, max_len=limits.KEY)
        if not _KEY.fullmatch(value):
            raise self.fail(name, "must be lower-case letters, digits and dashes, like r1-tam-luu")
        return value

    def integer(self, name: str, *, minimum: int, maximum: int, required: bool = False) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, "must be a whole number")
        if not minimum <= value <= maximum:
            raise self.fail(name, f"must be between {minimum} and {maximum}")
        return value

    def share(self, name: str) -> float | None:
        value = self._get(name, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, "must be a number between 0 and 1")
        if not 0 <= value <= 1:
            raise self.fail(name, "must be between 0 and 1 (0.6 means 60 %)")
        return float(value)

    def strings(self, name: str) -> tuple[str, ...]:
        value = self._get(name, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(name, 'must be a list of texts in quotes, like ["chu-nhat-do", "7-4"]')
        return tuple(value)

    def targets(self) -> TargetValues:
        return TargetValues(
            units=self.integer("target_units", minimum=1, maximum=MAX_UNITS),
            repeat_share=self.share("target_repeat_share"),
            share_350=self.share("target_350_share"),
            reserve_donors=self.integer("target_reserve_donors", minimum=0, maximum=MAX_HEADCOUNT),
            emergency_ready=self.integer("target_emergency_ready", minimum=0, maximum=MAX_HEADCOUNT),
        )

    def day(self, name: str) -> date:
        value = self._get(name, True)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail(name, "must be a date YYYY-MM-DD")

    def hhmm(self, name: str) -> time:
        value = self._get(name, True)
        if isinstance(value, time) and value.second == 0 and value.microsecond == 0:
            return value
        if isinstance(value, str):
            parsed = parse_hhmm(value)
            if parsed is not None:
                return parsed
        raise self.fail(name, "must be HH:MM")


def parse_hhmm(text: str) -> time | None:
    """A time of day written "07:00" or "7:00", or None."""
    match = _HHMM.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def check_drive_day(plan: DriveDayPlan) -> tuple[str, str] | None:
    """The first thing wrong with a session's values, as (key, problem), or None.

    Shared by the plan file and `donorbot drive add`, so both refuse the same mistakes.
    """
    if not _KEY.fullmatch(plan.key):
        return "key", "must be lower-case letters, digits and dashes, like r1-tam-luu"
    if plan.end_time <= plan.start_time:
        return "end", f"must be after start ({plan.start_time:%H:%M})"
    if plan.capacity < 1:
        return "capacity", "must be at least 1"
    if plan.slot_minutes < 1:
        return "slot_minutes", "must be at least 1"
    if not plan.place_name.strip() or len(plan.place_name) > limits.PLACE:
        return "place", f"must be 1 to {limits.PLACE} characters"
    if not is_audience(plan.audience):
        return "audience", _AUDIENCE_PROBLEM
    for name, value, limit in (
        ("address", plan.address, limits.ADDRESS),
        ("ward", plan.ward, limits.WARD),
        ("map_url", plan.map_url, limits.URL),
    ):
        if value is not None and len(value) > limit:
            return name, f"is too long (at most {limit} characters)"
    return None


MIN_YEAR, MAX_YEAR = 2000, 2100


def check_targets(targets: TargetValues) -> tuple[str, str] | None:
    """The first target out of range, as (plan key, problem), or None: the ranges a plan file's
    `target_*` keys obey, shared by /taochiendich."""
    for name, value, low, high in (
        ("target_units", targets.units, 1, MAX_UNITS),
        ("target_reserve_donors", targets.reserve_donors, 0, MAX_HEADCOUNT),
        ("target_emergency_ready", targets.emergency_ready, 0, MAX_HEADCOUNT),
    ):
        if value is not None and not low <= value <= high:
            return name, f"must be between {low} and {high}"
    for name, share in (
        ("target_repeat_share", targets.repeat_share),
        ("target_350_share", targets.share_350),
    ):
        if share is not None and not 0 <= share <= 1:
            return name, "must be between 0 and 1 (0.6 means 60 %)"
    return None


def check_quota(entry: QuotaEntry) -> tuple[str, str] | None:
    """What is wrong with one quota's numbers, as (plan key, problem), or None (as `[[quotas]]` reads)."""
    if entry.units is None and entry.headcount is None:
        return "units", "missing (a quota needs units, headcount or both)"
    if entry.units is not None and not 0 <= entry.units <= MAX_UNITS:
        return "units", f"must be between 0 and {MAX_UNITS}"
    if entry.headcount is not None and not 1 <= entry.headcount <= MAX_HEADCOUNT:
        return "headcount", f"must be between 1 and {MAX_HEADCOUNT}"
    return None


def check_campaign(plan: CampaignPlan) -> tuple[str, str] | None:
    """The first thing wrong with a campaign's own values (not its sessions), as (key, problem), or None.

    What a plan file's `[campaign]` table obeys, for a campaign made without a file (/taochiendich)."""
    if not _KEY.fullmatch(plan.key):
        return "key", "must be lower-case letters, digits and dashes, like r1-tam-luu"
    if not plan.name.strip() or len(plan.name) > limits.CAMPAIGN_NAME:
        return "name", f"must be 1 to {limits.CAMPAIGN_NAME} characters"
    if not MIN_YEAR <= plan.year <= MAX_YEAR:
        return "year", f"must be between {MIN_YEAR} and {MAX_YEAR}"
    for name, value, limit in (
        ("organising_unit", plan.organising_unit, limits.ORGANISING_UNIT),
        ("slogan", plan.slogan, limits.SLOGAN),
    ):
        if value is not None and len(value) > limit:
            return name, f"is too long (at most {limit} characters)"
    if plan.first_day is not None and plan.last_day is not None and plan.last_day < plan.first_day:
        return "last_day", f"must not be before the first day ({plan.first_day.isoformat()})"
    if plan.first_day is not None and plan.first_day.year != plan.year:
        return "first_day", f"must be in the campaign's year ({plan.year})"
    if (problem := check_targets(plan.targets)) is not None:
        return problem
    for number, quota in enumerate(plan.quotas, start=1):
        if (problem := check_quota(quota)) is not None:
            return f"quotas[{number}].{problem[0]}", problem[1]
    return None


def _read_drive_day(raw: object, where: str) -> DriveDayPlan:
    table = _Table(raw, where, _SESSION_KEYS)
    start = table.hhmm("start")
    end = table.hhmm("end")
    if end <= start:
        raise table.fail("end", f"must be after start ({start:%H:%M})")
    audience = table.text("audience", max_len=limits.AUDIENCE) or "open"
    if not is_audience(audience):
        raise table.fail("audience", _AUDIENCE_PROBLEM)
    plan = DriveDayPlan(
        key=table.key("key"),
        round=table.integer("round", minimum=1, maximum=MAX_ROUND) or 1,
        day=table.day("date"),
        start_time=start,
        end_time=end,
        place_name=table.required_text("place", max_len=limits.PLACE),
        address=table.text("address", max_len=limits.ADDRESS),
        ward=table.text("ward", max_len=limits.WARD),
        map_url=table.text("map_url", max_len=limits.URL),
        capacity=table.integer("capacity", minimum=1, maximum=MAX_CAPACITY, required=True) or 0,
        slot_minutes=table.integer("slot_minutes", minimum=5, maximum=MAX_SLOT_MINUTES) or 30,
        audience=audience,
    )
    problem = check_drive_day(plan)
    if problem is not None:
        raise table.fail(*problem)
    return plan


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise PlanError("file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"not valid TOML: {exc}") from None


def ward_in(text: str, wards: Sequence[str]) -> str | None:
    """The ward of `wards` that `text` names, with or without diacritics ("tam luu" → "Tam Lưu"), or None."""
    wanted = fold(text)
    return next((ward for ward in wards if fold(ward) == wanted), None)


def _read_quotas(
    raw: object, wards: Sequence[str] | None, problems: list[PlanError]
) -> tuple[QuotaEntry, ...]:
    """`[[quotas]]` entries, each with exactly one of `ward` (one of `wards`) and `organisation`; each bad
    entry's first problem goes to `problems` (the entry left out)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(PlanError("quotas: must be [[quotas]] entries"))
        return ()
    entries: list[QuotaEntry] = []
    seen: set[tuple[str, str]] = set()
    for number, item in enumerate(raw, start=1):
        try:
            entries.append(_read_quota(item, number, wards, seen))
        except PlanError as exc:
            problems.append(exc)
    return tuple(entries)


def _read_quota(
    item: object, number: int, wards: Sequence[str] | None, seen: set[tuple[str, str]]
) -> QuotaEntry:
    table = _Table(item, f"quotas[{number}]", _QUOTA_KEYS)
    ward = table.text("ward", max_len=limits.WARD)
    organisation = table.text("organisation", max_len=limits.ORGANISATION)
    if (ward is None) == (organisation is None):
        raise table.fail("ward", "give either ward or organisation (one of them)")
    if ward is not None and wards is not None:
        known = ward_in(ward, wards)
        if known is None:
            raise table.fail("ward", f"{ward!r} is not in config.toml [area] wards ({', '.join(wards)})")
        ward = known
    kind, name = ("ward", ward) if ward is not None else ("organisation", organisation or "")
    if (kind, fold(name)) in seen:
        raise table.fail(kind, f"{name!r} has a quota in an earlier entry")
    seen.add((kind, fold(name)))
    entry = QuotaEntry(
        kind=kind,
        name=name,
        units=table.integer("units", minimum=0, maximum=MAX_UNITS),
        headcount=table.integer("headcount", minimum=1, maximum=MAX_HEADCOUNT),
    )
    if entry.units is None and entry.headcount is None:
        raise table.fail("units", "missing (a quota needs units, headcount or both)")
    return entry


def load_year_plan(path: Path, *, wards: Sequence[str] | None = None) -> YearPlan:
    """Reads and validates a year plan file: `[year]` (year and targets) and optional `[[quotas]]`
    (see examples/kinh-mon-2026-year.toml). Ward quotas must name one of `wards` when given."""
    raw = _read_toml(path)
    for name in raw:
        if name not in ("year", "quotas"):
            raise PlanError(f"{name}: unknown key (expected [year] and [[quotas]])")
    if "year" not in raw:
        raise PlanError("year: missing ([year] table)")
    table = _Table(raw["year"], "year", _YEAR_KEYS)
    year = table.integer("year", minimum=2000, maximum=2100, required=True) or 0
    targets = table.targets()
    problems: list[PlanError] = []
    quotas = _read_quotas(raw.get("quotas"), wards, problems)
    if problems:
        raise problems[0]
    return YearPlan(year=year, targets=targets, quotas=quotas)


def load_plan(path: Path, *, wards: Sequence[str] | None = None) -> CampaignPlan:
    """Reads and validates a campaign plan file (see examples/kinh-mon-2020.toml for the keys).

    Every problem names its key path, sessions and quotas numbered from 1 in file order, so an organiser
    can find the line: `sessions[2].start: must be HH:MM`. Ward quotas must name one of `wards` when given.
    The first problem is raised (`check_plan_text` gives them all).
    """
    plan, problems = _read_plan(_read_toml(path), wards)
    if problems:
        raise problems[0]
    assert plan is not None
    return plan


@dataclass(frozen=True)
class PlanProblem:
    """One thing wrong in a plan file: its line (of the entry or the key, when found) and the problem as
    `load_plan` words it."""

    line: int | None
    text: str


@dataclass(frozen=True)
class PlanReport:
    """A plan file's text checked: the plan when it has no problem, else every problem found (each bad
    session, quota or table once, in file order)."""

    plan: CampaignPlan | None
    problems: tuple[PlanProblem, ...]


_WHERE = re.compile(r"^(campaign|sessions|quotas)(?:\[(\d+)\])?(?:\.([a-z_0-9]+))?:")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def _line_of(lines: Sequence[str], problem: str) -> int | None:
    """The line (from 1) where the problem's key path is: the key's own line within its entry, else the
    entry's header; None when the path names no entry."""
    found = _WHERE.match(problem)
    if found is None:
        return None
    table, number, key = found.group(1), int(found.group(2) or 1), found.group(3)
    header = re.compile(rf"^\s*\[\[?\s*{table}\s*\]\]?\s*(#.*)?$")
    starts = [i for i, line in enumerate(lines) if header.match(line)]
    if len(starts) < number:
        return None
    start = starts[number - 1]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    if key is not None:
        named = re.compile(rf"^\s*{key}\s*=")
        at = next((i for i in range(start + 1, end) if named.match(lines[i])), None)
        if at is not None:
            return at + 1
    return start + 1


def check_plan_text(text: str, *, wards: Sequence[str] | None = None) -> PlanReport:
    """A plan file's text read and checked as `load_plan` does, every problem reported with its line."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_LINE.search(str(exc))
        return PlanReport(None, (PlanProblem(int(at.group(1)) if at else None, f"not valid TOML: {exc}"),))
    plan, problems = _read_plan(raw, wards)
    lines = text.splitlines()
    return PlanReport(
        None if problems else plan, tuple(PlanProblem(_line_of(lines, str(p)), str(p)) for p in problems)
    )


def _read_plan(
    raw: dict[str, object], wards: Sequence[str] | None
) -> tuple[CampaignPlan | None, list[PlanError]]:
    """The plan and every problem found (the first as `load_plan` always raised it)."""
    problems: list[PlanError] = []
    for name in raw:
        if name not in ("campaign", "sessions", "quotas"):
            problems.append(
                PlanError(f"{name}: unknown key (expected [campaign], [[sessions]] and [[quotas]])")
            )
    table: _Table | None = None
    if "campaign" not in raw:
        problems.append(PlanError("campaign: missing ([campaign] table)"))
    else:
        try:
            table = _Table(raw["campaign"], "campaign", _CAMPAIGN_KEYS)
        except PlanError as exc:
            problems.append(exc)
    raw_drive_days = raw.get("sessions")
    sessions: list[DriveDayPlan] = []
    if not isinstance(raw_drive_days, list) or not raw_drive_days:
        problems.append(PlanError("sessions: needs at least one [[sessions]] entry"))
    else:
        seen: set[str] = set()
        for number, entry in enumerate(raw_drive_days, start=1):
            where = f"sessions[{number}]"
            try:
                plan = _read_drive_day(entry, where)
                if plan.key in seen:
                    raise PlanError(f"{where}.key: {plan.key!r} is used by an earlier session")
            except PlanError as exc:
                problems.append(exc)
                continue
            seen.add(plan.key)
            sessions.append(plan)
    campaign: CampaignPlan | None = None
    if table is not None:
        try:
            campaign = _read_campaign(table, tuple(sessions))
        except PlanError as exc:
            problems.append(exc)
    quotas = _read_quotas(raw.get("quotas"), wards, problems)
    if campaign is None or problems:
        return None, problems
    return replace(campaign, quotas=quotas), problems


def _read_campaign(table: _Table, sessions: tuple[DriveDayPlan, ...]) -> CampaignPlan:
    try:
        tags = parse_tags(table.strings("tags"))
    except ValueError as exc:
        raise table.fail("tags", str(exc)) from None
    targets = table.targets()
    return CampaignPlan(
        key=table.key("key"),
        name=table.required_text("name", max_len=limits.CAMPAIGN_NAME),
        year=table.integer("year", minimum=2000, maximum=2100, required=True) or 0,
        organising_unit=table.text("organising_unit", max_len=limits.ORGANISING_UNIT),
        slogan=table.text("slogan", max_len=limits.SLOGAN),
        description=table.text("description", max_len=limits.DESCRIPTION, multiline=True),
        target_units=targets.units,
        target_repeat_share=targets.repeat_share,
        target_350_share=targets.share_350,
        target_reserve_donors=targets.reserve_donors,
        target_emergency_ready=targets.emergency_ready,
        poster_path=table.text("poster", max_len=limits.PATH),
        sessions=sessions,
        tags=tags,
    )


def unknown_session_wards(plan: CampaignPlan, wards: Sequence[str]) -> tuple[CampaignPlan, tuple[int, ...]]:
    """The plan with its sessions' wards spelled as `wards` does (typed with or without diacritics), and
    the numbers (from 1) of the sessions whose ward is not one of them (kept as typed: no donor's own
    ward, so nobody sees that session first)."""
    entries: list[DriveDayPlan] = []
    unknown: list[int] = []
    for number, entry in enumerate(plan.sessions, start=1):
        if entry.ward:
            known = ward_in(entry.ward, wards)
            if known is None:
                unknown.append(number)
            entry = replace(entry, ward=known or entry.ward)
        entries.append(entry)
    return replace(plan, sessions=tuple(entries)), tuple(unknown)
