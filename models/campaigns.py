"""Campaigns made without a plan file (/taochiendich): a free key, the campaign row and its ward quotas.
Never commits.

The values obey the plan file's rules (`domain.plan_file.check_campaign`); quotas are written by
`models.quotas.set_quota`, as the plan import writes them. Audited as `campaign.create` with the key, the
year and counts only.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import limits
from domain.plan_file import CampaignPlan, check_campaign
from domain.text import fold
from models import audit, quotas
from models.drive_days import DriveError
from models.tables import Campaign

RECENT = 8  # campaigns offered by /taodot, newest first
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_SLUG = limits.KEY - 8  # room for "-2026" and "-99"


def key_base(name: str, year: int) -> str:
    """ "Hành trình đỏ Kinh Môn" of 2026 → "hanh-trinh-do-kinh-mon-2026" (ASCII, as a plan file's key)."""
    slug = _NOT_KEY.sub("-", fold(name))[:_SLUG].strip("-")
    return f"{slug}-{year}" if slug else f"chien-dich-{year}"


async def free_campaign_key(session: AsyncSession, name: str, year: int) -> str:
    """A campaign key no campaign has yet: the name's slug and the year, then "-2", "-3"…"""
    base = key_base(name, year)
    taken = set((await session.scalars(select(Campaign.key).where(Campaign.key.startswith(base)))).all())
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def recent_campaigns(session: AsyncSession, limit: int = RECENT) -> list[Campaign]:
    """The campaigns /taodot offers: the newest year first, the newest made first within a year."""
    statement = select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc()).limit(limit)
    return list((await session.scalars(statement)).all())


async def create_campaign(
    session: AsyncSession, plan: CampaignPlan, *, actor: str, now: datetime
) -> Campaign:
    """Creates the campaign of `plan` (its key must be free) with its targets and quotas; audited.

    `plan.sessions` are not written: sessions are added one by one (/taodot, `donorbot drive add`)."""
    problem = check_campaign(plan)
    if problem is not None:
        raise DriveError(f"{problem[0]}: {problem[1]}")
    if await session.scalar(select(Campaign.id).where(Campaign.key == plan.key)) is not None:
        raise DriveError(f"key: a campaign with key {plan.key!r} exists")
    campaign = Campaign(
        key=plan.key,
        name=plan.name,
        year=plan.year,
        first_day=plan.first_day,
        last_day=plan.last_day,
        organising_unit=plan.organising_unit,
        slogan=plan.slogan,
        target_units=plan.target_units,
        target_repeat_share=plan.target_repeat_share,
        target_350_share=plan.target_350_share,
        target_reserve_donors=plan.target_reserve_donors,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    for quota in plan.quotas:
        await quotas.set_quota(session, quota, campaign_id=campaign.id, actor=actor, now=now)
    await audit.record(
        session,
        actor=actor,
        action="campaign.create",
        target=f"campaign:{plan.key}",
        details={"year": plan.year, "quotas": len(plan.quotas)},
        now=now,
    )
    return campaign
