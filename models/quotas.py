"""Targets of a year, quotas of wards and organisations, and named-campaign tags. Never commits.

Written by `donorbot target|quota` and the plan import (`models.plan_import`), read by `models.figures`.
Every change is audited with ids, numbers and names of wards or organisations only (no person's data).
A quota belongs to a campaign or to a year (exactly one); there is one per (owner, kind, name), names
compared folded (with or without diacritics), so "Truong THPT Kinh Mon" updates "Trường THPT Kinh Môn".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.figures import QuotaPlan, Tag, Targets
from domain.plan_file import QuotaEntry, TargetValues
from domain.text import fold
from models import audit
from models.tables import Campaign, CampaignTag, Quota, YearTarget

_TARGET_COLUMNS = {
    "units": "target_units",
    "repeat_share": "target_repeat_share",
    "share_350": "target_350_share",
    "reserve_donors": "target_reserve_donors",
    "emergency_ready": "target_emergency_ready",
}


def _targets_of(row: YearTarget | Campaign | None) -> Targets:
    if row is None:
        return Targets()
    return Targets(**{name: getattr(row, column) for name, column in _TARGET_COLUMNS.items()})


def _owner(campaign_id: int | None, year: int | None) -> str:
    if (campaign_id is None) == (year is None):
        raise ValueError("a quota belongs to a campaign or to a year, exactly one")
    return f"campaign:{campaign_id}" if campaign_id is not None else f"year:{year}"


async def year_targets(session: AsyncSession, year: int) -> Targets:
    return _targets_of(await session.get(YearTarget, year))


async def set_targets(
    session: AsyncSession,
    *,
    values: TargetValues,
    replace: bool,
    actor: str,
    now: datetime,
    year: int | None = None,
    campaign: Campaign | None = None,
) -> list[str]:
    """Sets a year's or a campaign's targets; `replace` clears those not given (a plan file is the whole
    truth), else only the given ones change (`donorbot target set --units 1200`). The names that changed."""
    row: YearTarget | Campaign | None = campaign
    if row is None:
        if year is None:
            raise ValueError("targets of a year or of a campaign")
        row = await session.get(YearTarget, year, with_for_update=True)
        if row is None:
            row = YearTarget(year=year, updated_at=now)
            session.add(row)
    changed: list[str] = []
    for name, column in _TARGET_COLUMNS.items():
        value = getattr(values, name)
        if (value is not None or replace) and getattr(row, column) != value:
            setattr(row, column, value)
            changed.append(name)
    if changed:
        row.updated_at = now
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="targets.set",
            target=f"year:{year}" if campaign is None else f"campaign:{campaign.key}",
            details={name: getattr(values, name) for name in changed},
            now=now,
        )
    return changed


async def campaign_targets(session: AsyncSession, campaign_ids: Sequence[int]) -> Targets:
    """One campaign's targets; of several (a named campaign's), the counts added up and the shares kept
    only when every campaign that has one agrees."""
    rows = (await session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids)))).all()
    if len(rows) == 1:
        return _targets_of(rows[0])

    def total(column: str) -> int | None:
        found = [getattr(r, column) for r in rows if getattr(r, column) is not None]
        return sum(found) if found else None

    def agreed(column: str) -> float | None:
        found = {getattr(r, column) for r in rows if getattr(r, column) is not None}
        return found.pop() if len(found) == 1 else None

    return Targets(
        units=total("target_units"),
        repeat_share=agreed("target_repeat_share"),
        share_350=agreed("target_350_share"),
        reserve_donors=total("target_reserve_donors"),
        emergency_ready=total("target_emergency_ready"),
    )


async def _quota_rows(session: AsyncSession, *, campaign_id: int | None, year: int | None) -> list[Quota]:
    _owner(campaign_id, year)
    owner = Quota.campaign_id == campaign_id if campaign_id is not None else Quota.year == year
    return list(
        (await session.scalars(select(Quota).where(owner).order_by(Quota.kind.desc(), Quota.id))).all()
    )


async def quotas(
    session: AsyncSession, *, campaign_ids: Sequence[int] = (), year: int | None = None
) -> list[QuotaPlan]:
    """The quotas of a year, or of campaigns (several campaigns' quotas of one name are added up)."""
    if year is not None:
        rows = await _quota_rows(session, campaign_id=None, year=year)
    else:
        rows = list(
            (
                await session.scalars(
                    select(Quota)
                    .where(Quota.campaign_id.in_(campaign_ids))
                    .order_by(Quota.kind.desc(), Quota.id)
                )
            ).all()
        )
    merged: dict[tuple[str, str], QuotaPlan] = {}
    for row in rows:
        key = (row.kind, fold(row.name))
        was = merged.get(key)
        if was is None:
            merged[key] = QuotaPlan(row.kind, row.name, row.units, row.headcount)
        else:
            merged[key] = QuotaPlan(
                row.kind,
                was.name,
                None if was.units is None and row.units is None else (was.units or 0) + (row.units or 0),
                was.headcount if was.headcount is not None else row.headcount,
            )
    return list(merged.values())


async def set_quota(
    session: AsyncSession,
    entry: QuotaEntry,
    *,
    actor: str,
    now: datetime,
    campaign_id: int | None = None,
    year: int | None = None,
    keep_unset: bool = False,
) -> bool:
    """Creates or updates one quota (by owner, kind and folded name); whether anything changed.

    `keep_unset`: a value not given (None) keeps the stored one (`quota set --headcount` alone)."""
    owner = _owner(campaign_id, year)
    rows = await _quota_rows(session, campaign_id=campaign_id, year=year)
    row = next((r for r in rows if r.kind == entry.kind and fold(r.name) == fold(entry.name)), None)
    units, headcount = entry.units, entry.headcount
    if row is None:
        row = Quota(campaign_id=campaign_id, year=year, kind=entry.kind, name=entry.name, updated_at=now)
        session.add(row)
    elif keep_unset:
        units = row.units if units is None else units
        headcount = row.headcount if headcount is None else headcount
    if row.id is not None and (row.name, row.units, row.headcount) == (entry.name, units, headcount):
        return False
    row.name, row.units, row.headcount, row.updated_at = entry.name, units, headcount, now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="quota.set",
        target=owner,
        details={"kind": entry.kind, "name": entry.name, "units": units, "headcount": headcount},
        now=now,
    )
    return True


async def remove_quota(
    session: AsyncSession,
    *,
    kind: str,
    name: str,
    actor: str,
    now: datetime,
    campaign_id: int | None = None,
    year: int | None = None,
) -> bool:
    owner = _owner(campaign_id, year)
    rows = await _quota_rows(session, campaign_id=campaign_id, year=year)
    row = next((r for r in rows if r.kind == kind and fold(r.name) == fold(name)), None)
    if row is None:
        return False
    await session.execute(delete(Quota).where(Quota.id == row.id))
    await audit.record(
        session,
        actor=actor,
        action="quota.remove",
        target=owner,
        details={"kind": kind, "name": row.name},
        now=now,
    )
    return True


async def tags_of(
    session: AsyncSession, campaign_ids: Sequence[int] | None = None
) -> dict[int, tuple[Tag, ...]]:
    """Each campaign's tags (of all campaigns when `campaign_ids` is None), in `Tag` order."""
    statement = select(CampaignTag.campaign_id, CampaignTag.tag)
    if campaign_ids is not None:
        statement = statement.where(CampaignTag.campaign_id.in_(campaign_ids))
    found: dict[int, set[Tag]] = {}
    for campaign_id, tag in (await session.execute(statement)).tuples():
        found.setdefault(campaign_id, set()).add(Tag(tag))
    return {cid: tuple(t for t in Tag if t in tags) for cid, tags in found.items()}


async def campaigns_tagged(session: AsyncSession, tag: Tag, *, year: int | None = None) -> list[int]:
    """Ids of the campaigns with this tag (of one year when given)."""
    statement = select(CampaignTag.campaign_id).where(CampaignTag.tag == tag.value)
    if year is not None:
        statement = statement.join(Campaign, Campaign.id == CampaignTag.campaign_id).where(
            Campaign.year == year
        )
    return sorted((await session.scalars(statement)).all())


async def set_tags(
    session: AsyncSession, campaign: Campaign, tags: Sequence[Tag], *, actor: str, now: datetime
) -> bool:
    """Makes the campaign's tags exactly `tags`; whether they changed."""
    have = set((await tags_of(session, [campaign.id])).get(campaign.id, ()))
    want = set(tags)
    if have == want:
        return False
    await session.execute(
        delete(CampaignTag).where(
            CampaignTag.campaign_id == campaign.id, CampaignTag.tag.in_([t.value for t in have - want])
        )
    )
    session.add_all(CampaignTag(campaign_id=campaign.id, tag=t.value) for t in Tag if t in want - have)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="campaign.tags",
        target=f"campaign:{campaign.key}",
        details={"tags": [t.value for t in Tag if t in want]},
        now=now,
    )
    return True
