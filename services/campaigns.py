"""A campaign made or changed by an organiser, in the chat (/taochiendich) or on the web page: one reading
of each value and one write path. Never commits.

Each `read_*` takes what was typed and gives the value or a `Problem` (a catalog key of
`campaigns.toml` and its parameters); "skip" words are the caller's business (the chat has a button,
the web an empty field). The ranges are the plan file's (`domain.plan_file.check_targets`,
`check_quota`). `create` writes the campaign and its quotas with a free key (`models.campaigns`); `edit`
changes its targets and ward quotas and audits `campaign.edit` with the old and new figures (ids and
numbers only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Translator
from domain import limits, plan_file
from domain.dates import parse_date
from domain.figures import Targets
from domain.ids import parse_int
from domain.plan_file import CampaignPlan, QuotaEntry, check_quota, check_targets, one_line, ward_in
from models import audit, campaigns, quotas
from models.tables import Campaign

_PERCENT = re.compile(r"^(\d{1,3}(?:[.,]\d{1,2})?)\s*%?$")
_QUOTA_LINE = re.compile(r"^(.+?)\s*(?:[:=\-–]|\s)\s*([\d][\d.,\s]*)$")  # "Tam Lưu: 120", "Tam Lưu 120"
MAX_QUOTA_LINES = 100


@dataclass(frozen=True)
class Problem:
    """Why a typed value is refused: a catalog key and its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


def shown(t: Translator, problem: Problem) -> dict[str, object]:
    """The problem's parameters as its message shows them (dates and maxima in the reader's language)."""
    return {
        name: t.date(value)
        if isinstance(value, date)
        else t.number(value)
        if name == "max" and isinstance(value, int)
        else value
        for name, value in problem.params.items()
    }


def number(text: str | None, maximum: int) -> int | None:
    """ "1200", "1.200", "1 200" → 1200 (thousands separators of either language), or None."""
    if text is None:
        return None
    return parse_int(re.sub(r"[.,\s]", "", text), minimum=0, maximum=maximum * 10)


def read_name(text: str | None) -> str | Problem:
    name = one_line(text) if text else ""
    if not 3 <= len(name) <= limits.CAMPAIGN_NAME or name.startswith("/"):
        return Problem("cmp_error_name", {"limit": limits.CAMPAIGN_NAME})
    return name


def read_day(text: str | None, *, today: date) -> date | Problem:
    day = parse_date(text, today=today) if text else None
    if day is None or not plan_file.MIN_YEAR <= day.year <= plan_file.MAX_YEAR:
        return Problem("cmp_error_date")
    return day


def read_last_day(text: str | None, *, first: date, today: date) -> date | Problem:
    day = read_day(text, today=today)
    if isinstance(day, Problem):
        return day
    if day < first:
        return Problem("cmp_error_end_before_start", {"first": first})
    if day < today:
        return Problem("cmp_error_over")
    return day


def read_text(text: str | None, *, limit: int, error: str) -> str | Problem:
    """An organising unit or a slogan, on one line."""
    cleaned = one_line(text or "")
    if not 2 <= len(cleaned) <= limit or cleaned.startswith("/"):
        return Problem(error, {"limit": limit})
    return cleaned


def read_count(text: str | None, *, target: str, error: str, maximum: int) -> int | Problem:
    """A whole number checked against the plan file's range of `target` (a `Targets` field)."""
    value = number(text, maximum)
    if value is None or check_targets(Targets(**{target: value})) is not None:
        return Problem(error, {"max": maximum})
    return value


def read_share(text: str | None, *, target: str) -> float | Problem:
    """A percentage ("60", "60 %", "62,5%") kept as a share 0..1, within the plan file's range."""
    found = _PERCENT.match((text or "").strip())
    if found is None:
        return Problem("cmp_error_share")
    share = float(found.group(1).replace(",", ".")) / 100
    targets = Targets(repeat_share=share) if target == "repeat_share" else Targets(share_350=share)
    if check_targets(targets) is not None:
        return Problem("cmp_error_share_over")
    return round(share, 4)


def example(wards: Sequence[str]) -> str:
    return f"{wards[0]}: 120" if wards else "Tam Lưu: 120"


def read_quotas(text: str | None, wards: Sequence[str]) -> list[tuple[str, int]] | Problem:
    """Lines "Tam Lưu: 120", one ward of `[area] wards` each (with or without diacritics)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines or len(lines) > MAX_QUOTA_LINES:
        return Problem("cmp_error_quota_line", {"line": "", "example": example(wards)})
    found: list[tuple[str, int]] = []
    for line in lines:
        match = _QUOTA_LINE.match(line)
        units = number(match.group(2), plan_file.MAX_UNITS) if match else None
        if match is None or units is None:
            return Problem("cmp_error_quota_line", {"line": line[:60], "example": example(wards)})
        ward = ward_in(one_line(match.group(1)), wards)
        if ward is None:
            return Problem("cmp_error_quota_ward", {"ward": match.group(1)[:40], "wards": ", ".join(wards)})
        if any(ward == w for w, _ in found):
            return Problem("cmp_error_quota_twice", {"ward": ward})
        if check_quota(QuotaEntry("ward", ward, units=units)) is not None:
            return Problem("cmp_error_quota_line", {"line": line[:60], "example": example(wards)})
        found.append((ward, units))
    return found


@dataclass(frozen=True)
class CampaignValues:
    """What an organiser gives for a new campaign (None: not given)."""

    name: str
    first_day: date
    last_day: date
    unit: str | None = None
    slogan: str | None = None
    units: int | None = None
    repeat: float | None = None
    share_350: float | None = None
    reserve: int | None = None
    quotas: tuple[tuple[str, int], ...] = ()


def plan_of(values: CampaignValues, *, key: str = "x") -> CampaignPlan:
    """The values as the plan file's campaign (no sessions)."""
    return CampaignPlan(
        key=key,
        name=values.name,
        year=values.first_day.year,
        sessions=(),
        organising_unit=values.unit,
        slogan=values.slogan,
        target_units=values.units,
        target_repeat_share=values.repeat,
        target_350_share=values.share_350,
        target_reserve_donors=values.reserve,
        quotas=tuple(QuotaEntry("ward", ward, units=units) for ward, units in values.quotas),
        first_day=values.first_day,
        last_day=values.last_day,
    )


async def create(session: AsyncSession, values: CampaignValues, *, actor: str, now: datetime) -> Campaign:
    """The campaign and its ward quotas, with a free key (audit `campaign.create`)."""
    key = await campaigns.free_campaign_key(session, values.name, values.first_day.year)
    return await campaigns.create_campaign(session, plan_of(values, key=key), actor=actor, now=now)


@dataclass(frozen=True)
class Figures:
    """A campaign's targets and ward quotas as an organiser edits them."""

    units: int | None
    repeat: float | None
    share_350: float | None
    reserve: int | None
    quotas: tuple[tuple[str, int], ...]


async def figures(session: AsyncSession, campaign: Campaign) -> Figures:
    """The campaign's targets and ward quotas (with units) as they are."""
    wards = [
        (q.name, q.units)
        for q in await quotas.quotas(session, campaign_ids=[campaign.id])
        if q.kind == "ward" and q.units is not None
    ]
    return Figures(
        units=campaign.target_units,
        repeat=campaign.target_repeat_share,
        share_350=campaign.target_350_share,
        reserve=campaign.target_reserve_donors,
        quotas=tuple(wards),
    )


async def edit(
    session: AsyncSession, campaign: Campaign, wanted: Figures, *, actor: str, now: datetime
) -> bool:
    """Makes the campaign's targets and ward quotas `wanted` (None: no target; a ward left out: its quota
    removed; organisation quotas and the emergency-ready target are kept). Audits `campaign.edit` with
    each changed target as [old, new] and each changed ward quota as [ward, old, new]; whether anything
    changed."""
    before = await figures(session, campaign)
    targets = Targets(
        units=wanted.units,
        repeat_share=wanted.repeat,
        share_350=wanted.share_350,
        reserve_donors=wanted.reserve,
        emergency_ready=campaign.target_emergency_ready,
    )
    problem = check_targets(targets)
    if problem is not None:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    changes: dict[str, object] = {}
    for name, old, new in (
        ("units", before.units, wanted.units),
        ("repeat_share", before.repeat, wanted.repeat),
        ("share_350", before.share_350, wanted.share_350),
        ("reserve_donors", before.reserve, wanted.reserve),
    ):
        if old != new:
            changes[name] = [old, new]
    await quotas.set_targets(session, values=targets, replace=True, actor=actor, now=now, campaign=campaign)
    old_quotas, new_quotas = dict(before.quotas), dict(wanted.quotas)
    quota_changes: list[list[object]] = []
    for ward in sorted(set(old_quotas) | set(new_quotas)):
        old, new = old_quotas.get(ward), new_quotas.get(ward)
        if old == new:
            continue
        quota_changes.append([ward, old, new])
        if new is None:
            await quotas.remove_quota(
                session, kind="ward", name=ward, actor=actor, now=now, campaign_id=campaign.id
            )
        else:
            entry = QuotaEntry("ward", ward, units=new)
            await quotas.set_quota(
                session, entry, actor=actor, now=now, campaign_id=campaign.id, keep_unset=True
            )
    if quota_changes:
        changes["ward_quotas"] = quota_changes
    if not changes:
        return False
    await audit.record(
        session,
        actor=actor,
        action="campaign.edit",
        target=f"campaign:{campaign.key}",
        details=changes,
        now=now,
    )
    return True
