"""Writing a parsed campaign plan (`domain.plan_file`): the campaign, its drive days, tags and quotas, and
a year plan's targets and quotas. Never commits.

Idempotent, by the campaign's and each drive day's `key`: importing the same file again changes nothing,
and an edited file changes only what it changed, moving sign-ups with changed hours and reporting the
donors whose drive day moved, so the caller can tell them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.plan_file import CampaignPlan, YearPlan
from models import audit, quotas
from models.drive_day_changes import plan_values, reslot, withdraw_drive_day_pushes
from models.drive_days import DriveError, active_donor_ids, apply_values, campaign_by_key, taken_count
from models.tables import Campaign, DriveDay


@dataclass(frozen=True)
class ImportResult:
    """Rows of the campaign and its sessions that an import created, changed or left as they were.

    `affected_donor_ids` are donors with an active sign-up in a session whose date, hours or place the
    import changed, and `affected_drive_days` those sessions with their donors: the caller tells them
    (`services.notices.drive_day_changed`).
    """

    created: int
    updated: int
    unchanged: int
    affected_donor_ids: tuple[int, ...] = field(default=())
    affected_drive_days: tuple[tuple[int, tuple[int, ...]], ...] = field(default=())
    tags_changed: bool = False
    quotas_changed: int = 0  # `[[quotas]]` entries created or changed


def _campaign_values(plan: CampaignPlan) -> dict[str, object]:
    return {
        "name": plan.name,
        "year": plan.year,
        "organising_unit": plan.organising_unit,
        "slogan": plan.slogan,
        "description": plan.description,
        "target_units": plan.target_units,
        "target_repeat_share": plan.target_repeat_share,
        "target_350_share": plan.target_350_share,
        "target_reserve_donors": plan.target_reserve_donors,
        "target_emergency_ready": plan.target_emergency_ready,
        "poster_path": plan.poster_path,
    }


async def import_plan(
    session: AsyncSession, plan: CampaignPlan, *, actor: str, now: datetime
) -> ImportResult:
    """Creates or updates the campaign (by `key`) and its sessions (by session `key`); idempotent.

    Sessions missing from the file are left alone (an organiser may have added them with the CLI), and
    a session's status is never touched: cancelling is `cancel_drive_day`'s job. When the file changes a
    session's hours, sign-ups move with them (`domain.slots.moved_slot`); a capacity below the sign-ups
    already taken is refused, so an import never overbooks.
    """
    created = updated = unchanged = 0
    affected: dict[int, tuple[int, ...]] = {}
    campaign = await campaign_by_key(session, plan.key)
    if campaign is None:
        campaign = Campaign(key=plan.key, created_at=now, updated_at=now, **_campaign_values(plan))
        session.add(campaign)
        await session.flush()
        created += 1
    elif apply_values(campaign, _campaign_values(plan)):
        campaign.updated_at = now
        updated += 1
    else:
        unchanged += 1
    rows = (
        await session.scalars(
            select(DriveDay)
            .where(DriveDay.campaign_id == campaign.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    existing = {row.key: row for row in rows}
    for entry in plan.sessions:
        row = existing.get(entry.key)
        if row is None:
            session.add(
                DriveDay(
                    campaign_id=campaign.id,
                    key=entry.key,
                    status="scheduled",
                    created_at=now,
                    updated_at=now,
                    **plan_values(entry),
                )
            )
            created += 1
            continue
        values = plan_values(entry)
        if all(getattr(row, name) == value for name, value in values.items()):
            unchanged += 1
            continue
        taken = await taken_count(session, row.id)
        if entry.capacity < taken:
            raise DriveError(
                f"session {entry.key}: capacity {entry.capacity} is below the {taken} sign-ups already taken"
            )
        moved = (row.day, row.start_time, row.end_time, row.place_name) != (
            entry.day,
            entry.start_time,
            entry.end_time,
            entry.place_name,
        )
        if moved and (donor_ids := tuple(await active_donor_ids(session, row.id))):
            affected[row.id] = donor_ids
        if (row.day, row.start_time, row.end_time, row.place_name, row.address, row.ward) != (
            entry.day,
            entry.start_time,
            entry.end_time,
            entry.place_name,
            entry.address,
            entry.ward,
        ):
            await withdraw_drive_day_pushes(session, row)
        await reslot(
            session, row, start=entry.start_time, end=entry.end_time, slot_minutes=entry.slot_minutes
        )
        apply_values(row, values)
        row.updated_at = now
        updated += 1
    await session.flush()
    # Tags are the file's (none listed: none); quotas not in the file are left alone, like sessions.
    tagged = await quotas.set_tags(session, campaign, plan.tags, actor=actor, now=now)
    quotas_changed = 0
    for quota in plan.quotas:
        if await quotas.set_quota(session, quota, campaign_id=campaign.id, actor=actor, now=now):
            quotas_changed += 1
    await audit.record(
        session,
        actor=actor,
        action="drive.import",
        target=f"campaign:{plan.key}",
        details={"created": created, "updated": updated, "unchanged": unchanged},
        now=now,
    )
    everyone = tuple(sorted({donor for donors in affected.values() for donor in donors}))
    return ImportResult(
        created, updated, unchanged, everyone, tuple(sorted(affected.items())), tagged, quotas_changed
    )


async def import_year_plan(session: AsyncSession, plan: YearPlan, *, actor: str, now: datetime) -> int:
    """Sets a year's targets (the file's: a target left out is cleared) and its quotas (those not in the
    file are left alone); how many rows changed. Idempotent."""
    changed = (
        1
        if await quotas.set_targets(
            session, year=plan.year, values=plan.targets, replace=True, actor=actor, now=now
        )
        else 0
    )
    for quota in plan.quotas:
        if await quotas.set_quota(session, quota, year=plan.year, actor=actor, now=now):
            changed += 1
    return changed
