"""Clubs and their members: made, listed, joined by code, led, and counted for the reports. Never commits.

A join code is looked up as typed (`domain.clubs.typed_code`); one that matches no club is counted for the
chat that sent it (`club_join_failures`): `MAX_FAILURES` within an hour lock that chat out for `LOCK_HOURS`
after the last one, a right code included, so codes cannot be found by trying. Joining twice is no error
(the unique (club_id, donor_id) keeps one row). Every organiser's change is audited with ids and counts;
a donor joining or leaving is their own act, audited under their chat (ids only).

Who may see a club's member list is decided in one place, :func:`can_see_members`, so that the general
role table, when it comes, changes one function.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, delete, func, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain import clubs as rules
from domain.clubs import ClubLine
from domain.compatibility import GROUPS
from domain.figures import Scope, ScopeKind
from domain.text import fold
from models import audit, code_failures
from models.tables import ChannelAccount, Club, ClubJoinFailure, ClubMember, Donation, Donor, Organiser


class Joined(StrEnum):
    JOINED = "joined"
    ALREADY = "already"
    UNKNOWN = "unknown"
    LOCKED = "locked"


@dataclass(frozen=True)
class JoinResult:
    """What sending a code did: the outcome, the club it named, and until when the chat is locked (set for
    LOCKED, and for the wrong code that locked it)."""

    outcome: Joined
    club: Club | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Listed:
    club: Club
    members: int
    leaders: int


# ---------------------------------------------------------------------------------------- clubs


async def _free_key(session: AsyncSession, wanted: str) -> str:
    key, n = wanted, 1
    while await session.scalar(select(Club.id).where(Club.key == key)) is not None:
        n += 1
        key = f"{wanted}-{n}"
    return key


async def _free_code(session: AsyncSession) -> str:
    while True:
        code = rules.new_code()
        if await session.scalar(select(Club.id).where(Club.join_code == code)) is None:
            return code


async def create(
    session: AsyncSession,
    *,
    name: str,
    kind: str,
    ward: str | None,
    key: str | None,
    actor: str,
    now: datetime,
) -> Club:
    """A new club with a fresh join code. `key` None: made from the name (a number added when taken);
    a given key that is taken is the caller's to refuse first (`by_key`)."""
    if kind not in rules.KINDS:
        raise ValueError(f"unknown club kind {kind!r}")
    club = Club(
        key=key or await _free_key(session, rules.key_from_name(name)),
        name=name,
        kind=kind,
        ward=ward,
        join_code=await _free_code(session),
        created_by=actor,
        created_at=now,
    )
    session.add(club)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="club.create",
        target=f"club:{club.id}",
        details={"kind": kind, "ward": ward},
        now=now,
    )
    return club


async def by_key(session: AsyncSession, key: str) -> Club | None:
    club: Club | None = await session.scalar(select(Club).where(Club.key == key.strip().lower()))
    return club


async def new_code(session: AsyncSession, club: Club, *, actor: str, now: datetime) -> str:
    """Replaces the club's join code (the old one stops working at once); returns the new one."""
    club.join_code = await _free_code(session)
    await session.flush()
    await audit.record(session, actor=actor, action="club.new_code", target=f"club:{club.id}", now=now)
    return club.join_code


def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    """The clubs of a report's scope: the area's all, a ward's those of the ward."""
    return [Club.ward == scope.name] if scope.kind is ScopeKind.WARD else []


def covers(scope: Scope, club: Club, actor: str | None = None) -> bool:
    """Whether a club is within an organiser's scope (see `listed`): the area's every club, a ward's the
    clubs of that ward, an organisation's the clubs its organiser created, a club leader's (`club:<key>`)
    that club; a desk's (one drive day) none."""
    if scope.kind is ScopeKind.AREA:
        return True
    if scope.kind is ScopeKind.WARD:
        return club.ward is not None and fold(club.ward) == fold(scope.name or "")
    if scope.kind is ScopeKind.ORGANISATION:
        return club.created_by == actor
    if scope.kind is ScopeKind.CLUB:
        return scope.name is not None and club.key.casefold() == scope.name.casefold()
    return False


async def listed(
    session: AsyncSession, *, scope: Scope | None = None, actor: str | None = None
) -> list[Listed]:
    """Clubs with their member and leader counts (one grouped query), by name."""
    members = func.count(ClubMember.id)
    leaders = func.count(ClubMember.id).filter(ClubMember.role == "leader")
    statement = (
        select(Club, members, leaders)
        .outerjoin(ClubMember, ClubMember.club_id == Club.id)
        .group_by(Club.id)
        .order_by(Club.name, Club.id)
    )
    rows = (await session.execute(statement)).tuples().all()
    return [
        Listed(club, int(m), int(lead))
        for club, m, lead in rows
        if scope is None or covers(scope, club, actor)
    ]


# ---------------------------------------------------------------------------------------- members


async def add_members(
    session: AsyncSession,
    club_id: int,
    donor_ids: Iterable[int],
    source: str,
    now: datetime,
    *,
    role: str = "member",
) -> int:
    """Adds donors to a club (for the chat, the organiser's commands and a member list's import); those
    already in it are left as they are. Returns how many were added. Not audited here: the caller
    audits its action once (an import: how many rows)."""
    if source not in rules.SOURCES or role not in rules.ROLES:
        raise ValueError(f"bad source or role: {source!r}, {role!r}")
    ids = sorted(set(donor_ids))
    if not ids:
        return 0
    rows = [
        {"club_id": club_id, "donor_id": d, "role": role, "joined_at": now, "source": source} for d in ids
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for start in range(0, len(rows), 500):
        statement = insert(ClubMember).values(rows[start : start + 500])
        statement = statement.on_conflict_do_nothing(index_elements=["club_id", "donor_id"])
        result = await session.execute(statement.execution_options(synchronize_session=False))
        added += int(getattr(result, "rowcount", 0) or 0)
    return added


async def membership(session: AsyncSession, club_id: int, donor_id: int) -> ClubMember | None:
    row: ClubMember | None = await session.scalar(
        select(ClubMember).where(ClubMember.club_id == club_id, ClubMember.donor_id == donor_id)
    )
    return row


async def set_role(
    session: AsyncSession, club: Club, donor_id: int, role: str, *, actor: str, now: datetime
) -> bool:
    """Makes a member a leader (or a member again); False when the donor is not a member."""
    if role not in rules.ROLES:
        raise ValueError(f"unknown club role {role!r}")
    row = await membership(session, club.id, donor_id)
    if row is None:
        return False
    row.role = role
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="club.leader" if role == "leader" else "club.member",
        target=f"club:{club.id}",
        details={"donor": donor_id},
        now=now,
    )
    return True


async def remove_member(
    session: AsyncSession, club: Club, donor_id: int, *, actor: str, now: datetime
) -> bool:
    """Takes a donor out of a club (an organiser's act, or the donor leaving); False when not a member."""
    result = await session.execute(
        delete(ClubMember)
        .where(ClubMember.club_id == club.id, ClubMember.donor_id == donor_id)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return False
    await audit.record(
        session,
        actor=actor,
        action="club.remove_member",
        target=f"club:{club.id}",
        details={"donor": donor_id},
        now=now,
    )
    return True


async def members_of(session: AsyncSession, club_id: int) -> list[tuple[Donor, ClubMember]]:
    """A club's members with their rows, leaders first, then by name."""
    rows = await session.execute(
        select(Donor, ClubMember)
        .join(ClubMember, ClubMember.donor_id == Donor.id)
        .where(ClubMember.club_id == club_id)
        .order_by(ClubMember.role, Donor.full_name, Donor.id)  # "leader" < "member": leaders first
    )
    return list(rows.tuples().all())


async def clubs_of(session: AsyncSession, donor_id: int) -> list[tuple[Club, ClubMember]]:
    """The clubs a donor is in (for /clbcuatoi and /mydata), by name."""
    rows = await session.execute(
        select(Club, ClubMember)
        .join(ClubMember, ClubMember.club_id == Club.id)
        .where(ClubMember.donor_id == donor_id)
        .order_by(Club.name, Club.id)
    )
    return list(rows.tuples().all())


async def led_by(session: AsyncSession, donor_id: int) -> list[Club]:
    """The clubs a donor leads."""
    rows = await session.scalars(
        select(Club)
        .join(ClubMember, ClubMember.club_id == Club.id)
        .where(ClubMember.donor_id == donor_id, ClubMember.role == "leader")
        .order_by(Club.name, Club.id)
    )
    return list(rows)


async def can_see_members(session: AsyncSession, account: ChannelAccount | None, club: Club) -> bool:
    """Whether this chat account may see the club's member list (names and phones): an organiser whose
    scope covers the club, or a leader of this club. Nobody else — other members included.

    The one check for it: the general role table, when it comes, replaces this function's body."""
    if account is None:
        return False
    organiser = await session.scalar(select(Organiser).where(Organiser.account_id == account.id))
    if organiser is not None:
        scope = Scope.area() if organiser.role == "admin" else Scope.parse(organiser.scope)
        if covers(scope, club, audit.actor_for(account.platform, account.user_id)):
            return True
    if account.donor_id is None:
        return False
    row = await membership(session, club.id, account.donor_id)
    return row is not None and row.role == "leader"


# ---------------------------------------------------------------------------------------- join codes


async def locked_until(
    session: AsyncSession, *, platform: str, user_id: str, now: datetime
) -> datetime | None:
    """Until when this chat may not send codes, or None (`models.code_failures.locked_until`)."""
    return await code_failures.locked_until(
        session, ClubJoinFailure, platform=platform, user_id=user_id, now=now
    )


async def club_for_code(
    session: AsyncSession, *, code: str, platform: str, user_id: str, now: datetime
) -> JoinResult:
    """The club a code names (outcome JOINED means "found"), or UNKNOWN (counted) or LOCKED."""
    if (until := await locked_until(session, platform=platform, user_id=user_id, now=now)) is not None:
        return JoinResult(Joined.LOCKED, locked_until=until)
    club = await session.scalar(select(Club).where(Club.join_code == code)) if code.isascii() else None
    if club is None:
        session.add(ClubJoinFailure(platform=platform, user_id=user_id, at=now))
        await session.flush()
        until = await locked_until(session, platform=platform, user_id=user_id, now=now)
        if until is not None:  # this wrong code locked the chat: someone may be guessing
            await audit.record(
                session, actor=audit.actor_for(platform, user_id), action="club.locked", now=now
            )
        return JoinResult(Joined.UNKNOWN, locked_until=until)
    return JoinResult(Joined.JOINED, club)


async def join(
    session: AsyncSession, *, code: str, donor_id: int, platform: str, user_id: str, now: datetime
) -> JoinResult:
    """A registered donor sends a club's code: joined, already a member, a wrong code, or locked out."""
    found = await club_for_code(session, code=code, platform=platform, user_id=user_id, now=now)
    if found.club is None:
        return found
    club = found.club
    if await membership(session, club.id, donor_id) is not None:
        return JoinResult(Joined.ALREADY, club)
    await add_members(session, club.id, [donor_id], source="chat", now=now)
    await audit.record(
        session,
        actor=audit.actor_for(platform, user_id),
        action="club.join",
        target=f"club:{club.id}",
        now=now,
    )
    return JoinResult(Joined.JOINED, club)


async def forget_failures(
    session: AsyncSession,
    *,
    platform: str | None = None,
    user_id: str | None = None,
    before: datetime | None = None,
) -> int:
    """Deletes the wrong codes counted for a chat, or those older than `before` (`code_failures.forget`)."""
    return await code_failures.forget(
        session, ClubJoinFailure, platform=platform, user_id=user_id, before=before
    )


async def failures_of(session: AsyncSession, chats: list[tuple[str, str]]) -> list[datetime]:
    """When wrong codes were sent from these chats, for /mydata (`code_failures.failures_of`)."""
    return await code_failures.failures_of(session, ClubJoinFailure, chats)


RETENTION = timedelta(hours=rules.FAILURE_WINDOW_HOURS + rules.LOCK_HOURS)


# ---------------------------------------------------------------------------------------- figures


async def figures(session: AsyncSession, *, scope: Scope, year: int) -> list[ClubLine]:
    """Each club's figures for a report: members, the year's donations by members, reserve members by
    blood group. The area's clubs, or a ward's in a ward scope (an organisation scope has none).
    Three grouped queries whatever the number of clubs."""
    if scope.kind is ScopeKind.ORGANISATION:
        return []
    where = _in_scope(scope)
    clubs = list(await session.scalars(select(Club).where(*where).order_by(Club.name, Club.id)))
    if not clubs:
        return []
    members: dict[int, int] = {}
    for club_id, n in (
        await session.execute(
            select(ClubMember.club_id, func.count())
            .join(Club, Club.id == ClubMember.club_id)
            .where(*where)
            .group_by(ClubMember.club_id)
        )
    ).tuples():
        members[club_id] = int(n)
    donations: dict[int, int] = {}
    for club_id, n in (
        await session.execute(
            select(ClubMember.club_id, func.count(Donation.id))
            .join(Club, Club.id == ClubMember.club_id)
            .join(Donation, Donation.donor_id == ClubMember.donor_id)
            .where(*where, Donation.donated_on.between(date(year, 1, 1), date(year, 12, 31)))
            .group_by(ClubMember.club_id)
        )
    ).tuples():
        donations[club_id] = int(n)
    reserve: dict[int, dict[str, int]] = {}
    for club_id, abo, rh, n in (
        await session.execute(
            select(ClubMember.club_id, Donor.blood_abo, Donor.blood_rh, func.count())
            .join(Club, Club.id == ClubMember.club_id)
            .join(Donor, Donor.id == ClubMember.donor_id)
            .where(*where, Donor.is_reserve == true())
            .group_by(ClubMember.club_id, Donor.blood_abo, Donor.blood_rh)
        )
    ).tuples():
        code = f"{abo}{rh}" if abo and rh else "?"
        groups = reserve.setdefault(club_id, {})
        groups[code] = groups.get(code, 0) + int(n)
    order = [*GROUPS, "?"]
    return [
        ClubLine(
            key=c.key,
            name=c.name,
            kind=c.kind,
            ward=c.ward,
            members=int(members.get(c.id, 0)),
            donations=int(donations.get(c.id, 0)),
            reserve_by_group=tuple((g, reserve[c.id][g]) for g in order if g in reserve.get(c.id, {})),
        )
        for c in clubs
    ]
