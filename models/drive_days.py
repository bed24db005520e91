"""Drive days ("buổi hiến máu": a campaign's blood day at one place) as people see them, and their campaigns.

Read-only views with their sign-up counts, the campaign lists and totals, and the few pieces every writer
of drive days shares: the row lock that serialises sign-ups and changes, the sign-up counts a change is
checked against, and the donors a change must be told to. Never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Campaign, Donation, DriveDay, Signup

CANCELLED = "cancelled"
ACTIVE = "active"
SIGNUP_STATUSES = (ACTIVE, "checked_in", "donated", "deferred", CANCELLED)


class DriveError(Exception):
    """An organiser's change cannot be made: unknown id, end before start, capacity below sign-ups."""


@dataclass(frozen=True)
class DriveDayView:
    """What a donor or organiser sees of a session, with its sign-up counts (no personal data)."""

    id: int
    campaign_name: str
    day: date
    start_time: time
    end_time: time
    place_name: str
    address: str | None
    ward: str | None
    map_url: str | None
    capacity: int
    taken: int
    free: int
    audience: str
    round: int
    status: str = "scheduled"
    slot_minutes: int = 30
    key: str = ""
    campaign_id: int = 0


def taken_counts() -> Select[tuple[int, int]]:
    return (
        select(Signup.drive_day_id, func.count(Signup.id).label("taken"))
        .where(Signup.status != CANCELLED)
        .group_by(Signup.drive_day_id)
    )


def views_query() -> Select[tuple[DriveDay, str, int]]:
    taken = taken_counts().subquery()
    return (
        select(DriveDay, Campaign.name, func.coalesce(taken.c.taken, 0))
        .join(Campaign, Campaign.id == DriveDay.campaign_id)
        .outerjoin(taken, taken.c.drive_day_id == DriveDay.id)
    )


def view_of(row: DriveDay, campaign_name: str, taken: int) -> DriveDayView:
    return DriveDayView(
        id=row.id,
        campaign_name=campaign_name,
        day=row.day,
        start_time=row.start_time,
        end_time=row.end_time,
        place_name=row.place_name,
        address=row.address,
        ward=row.ward,
        map_url=row.map_url,
        capacity=row.capacity,
        taken=int(taken),
        free=max(row.capacity - int(taken), 0),
        audience=row.audience,
        round=row.round,
        status=row.status,
        slot_minutes=row.slot_minutes,
        key=row.key,
        campaign_id=row.campaign_id,
    )


def not_ended(now: datetime, tz: tzinfo) -> ColumnElement[bool]:
    """Sessions that have not ended at `now`: a later day, or today with the closing hour still to come
    (dates and hours are wall-clock times in the configured zone `tz`)."""
    local = now.astimezone(tz)
    return or_(
        DriveDay.day > local.date(),
        and_(DriveDay.day == local.date(), DriveDay.end_time > local.time().replace(tzinfo=None)),
    )


async def upcoming_drive_days(
    session: AsyncSession,
    *,
    now: datetime,
    tz: tzinfo,
    ward: str | None,
    audiences: Collection[str] | None = None,
    limit: int = 10,
) -> list[DriveDayView]:
    """Scheduled sessions that have not ended at `now` (local time in `tz`): the donor's own ward first
    (nearest), then by date and hour.

    `audiences` None lists every session (organisers); otherwise only those for these audiences ("open"
    and the donor's sectors, `domain.organisations.audiences_for`), so a sector-only blood day is not
    offered to everyone.
    """
    query = views_query().where(DriveDay.status == "scheduled", not_ended(now, tz))
    if audiences is not None:
        query = query.where(DriveDay.audience.in_(sorted(set(audiences))))
    if ward is not None:
        query = query.order_by(case((DriveDay.ward == ward, 0), else_=1))
    query = query.order_by(DriveDay.day, DriveDay.start_time, DriveDay.id)
    rows = (await session.execute(query.limit(limit))).all()
    return [view_of(row, name, taken) for row, name, taken in rows]


async def around(
    session: AsyncSession, *, now: datetime, tz: tzinfo, since: date, upcoming: int, recent: int
) -> tuple[list[DriveDayView], list[DriveDayView]]:
    """Every campaign's sessions, cancelled ones too, for organisers: those not ended at `now` (soonest
    first, at most `upcoming`), and those ended on or after `since` (latest first, at most `recent`)."""
    ahead = not_ended(now, tz)
    soon = views_query().where(ahead).order_by(DriveDay.day, DriveDay.start_time, DriveDay.id)
    past = (
        views_query()
        .where(~ahead, DriveDay.day >= since)
        .order_by(DriveDay.day.desc(), DriveDay.start_time.desc(), DriveDay.id.desc())
    )
    found = []
    for query, limit in ((soon, upcoming), (past, recent)):
        rows = (await session.execute(query.limit(limit))).all()
        found.append([view_of(row, name, taken) for row, name, taken in rows])
    return found[0], found[1]


async def drive_day_view(session: AsyncSession, drive_day_id: int) -> DriveDayView | None:
    """One session as shown to people, whatever its status or date (the caller checks both)."""
    row = (await session.execute(views_query().where(DriveDay.id == drive_day_id))).first()
    return None if row is None else view_of(*row)


async def campaign_drive_days(session: AsyncSession, campaign_id: int) -> list[DriveDayView]:
    """Every session of a campaign, past and cancelled ones included, by date and hour (organiser lists)."""
    rows = (
        await session.execute(
            views_query()
            .where(DriveDay.campaign_id == campaign_id)
            .order_by(DriveDay.day, DriveDay.start_time, DriveDay.id)
        )
    ).all()
    return [view_of(row, name, taken) for row, name, taken in rows]


@dataclass(frozen=True)
class CampaignTotals:
    """A campaign's numbers over all its sessions; they include donors who erased their data since."""

    signups: int  # not cancelled
    donations: int  # recorded at its sessions
    volume_ml: int
    deferred: int


async def campaign_totals(session: AsyncSession, campaign_id: int) -> CampaignTotals:
    """Sign-ups, donations (and their volume) and deferrals of the campaign's sessions."""
    sessions = select(DriveDay.id).where(DriveDay.campaign_id == campaign_id)
    donations, volume = (
        await session.execute(
            select(func.count(Donation.id), func.coalesce(func.sum(Donation.volume_ml), 0)).where(
                Donation.drive_day_id.in_(sessions), Donation.self_reported.is_(False)
            )
        )
    ).one()
    statuses = dict(
        (
            await session.execute(
                select(Signup.status, func.count(Signup.id))
                .where(Signup.drive_day_id.in_(sessions))
                .group_by(Signup.status)
            )
        )
        .tuples()
        .all()
    )
    return CampaignTotals(
        signups=sum(n for status, n in statuses.items() if status != CANCELLED),
        donations=int(donations),
        volume_ml=int(volume),
        deferred=int(statuses.get("deferred", 0)),
    )


async def list_campaigns(session: AsyncSession) -> list[Campaign]:
    """Every campaign, newest year first."""
    return list((await session.scalars(select(Campaign).order_by(Campaign.year.desc(), Campaign.id))).all())


async def campaign_by_id(session: AsyncSession, campaign_id: int) -> Campaign | None:
    return await session.get(Campaign, campaign_id)


async def campaign_by_key(session: AsyncSession, key: str) -> Campaign | None:
    campaign: Campaign | None = await session.scalar(select(Campaign).where(Campaign.key == key))
    return campaign


async def lock_drive_day(session: AsyncSession, drive_day_id: int) -> DriveDay | None:
    """Loads the session row for writing; on PostgreSQL `FOR UPDATE` makes concurrent sign-ups queue.

    Counting and inserting happen after the lock, so two donors cannot both take the last place. SQLite
    ignores `FOR UPDATE`; there every transaction is `BEGIN IMMEDIATE` (models.db), which serialises
    writers the same way. `populate_existing` re-reads a row this session may already hold.
    """
    row: DriveDay | None = await session.scalar(
        select(DriveDay)
        .where(DriveDay.id == drive_day_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return row


async def taken_count(session: AsyncSession, drive_day_id: int) -> int:
    """The drive day's places taken: its sign-ups but the cancelled ones (what a new capacity must hold)."""
    count = await session.scalar(
        select(func.count(Signup.id)).where(Signup.drive_day_id == drive_day_id, Signup.status != CANCELLED)
    )
    return int(count or 0)


async def active_donor_ids(session: AsyncSession, drive_day_id: int) -> list[int]:
    """The donors with an active sign-up (anonymous sign-ups of erased donors have none to tell)."""
    return [
        donor_id
        for donor_id in (
            await session.scalars(
                select(Signup.donor_id)
                .where(Signup.drive_day_id == drive_day_id, Signup.status == ACTIVE)
                .order_by(Signup.donor_id)
            )
        ).all()
        if donor_id is not None
    ]


def apply_values(row: object, values: Mapping[str, object]) -> list[str]:
    """Sets the values that differ and returns their names (empty: nothing to write)."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed
