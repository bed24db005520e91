"""/xoa: erasing a donor, and counting what still names them. Never commits: the caller's unit of work does.

Kept apart from the profile queries because it must follow the schema: every table that names a donor is
either emptied of them here or keeps an anonymous count (`models.tables` says which).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import clubs, invites, links, web_sessions
from models.accounts import accounts_of
from models.tables import (
    Approval,
    CalloutRecipient,
    ChannelAccount,
    ClubMember,
    Conversation,
    Donation,
    Donor,
    DriveDay,
    LinkNotice,
    Organiser,
    Outbox,
    Signup,
)

HISTORY: Final = ("checked_in", "donated", "deferred")
"""Sign-up statuses that are a campaign's history: kept as anonymous counts when the donor is erased."""


async def erase(session: AsyncSession, donor: Donor, *, today: date) -> None:
    """Deletes the donor and everything that names them; keeps what campaigns and call-outs counted.

    Deleted: the donor, their self-reported donations, sign-ups still to come (their place is free again)
    and cancelled ones, chat accounts, dialogues, link notices, approvals, wrong birth dates typed for
    their phone, wrong invite and club codes sent from their chats, club memberships and every push
    about them. Kept without
    anyone's identity (`donor_id` NULL): donations recorded at a drive (date, volume, kind, place,
    session), sign-ups that are history (checked in, with a result, or of a day already past; code,
    check-in time, deferral reason and feeling cleared) and call-out answers (`donor_id` and
    `account_id` NULL, answer time cleared) — so a campaign's donation count and a closed call-out's
    "1/2" stay as they were. `today` is the local date.

    An account that also holds an organiser role stays (the role is not the donor's personal data), but
    it no longer points at the donor.
    """
    history = or_(
        Signup.status.in_(HISTORY),
        and_(
            Signup.status == "active",
            select(DriveDay.day).where(DriveDay.id == Signup.drive_day_id).scalar_subquery() < today,
        ),
    )
    await session.execute(
        delete(Signup)
        .where(Signup.donor_id == donor.id, ~history)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Signup)
        .where(Signup.donor_id == donor.id)
        .values(
            donor_id=None,
            code=None,
            checked_in_at=None,
            deferral_reason=None,
            feeling=None,
            feeling_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(Donation)
        .where(
            Donation.donor_id == donor.id,
            or_(Donation.self_reported.is_(True), Donation.drive_day_id.is_(None)),
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Donation)
        .where(Donation.donor_id == donor.id)
        .values(donor_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(CalloutRecipient)
        .where(CalloutRecipient.donor_id == donor.id)
        .values(donor_id=None, account_id=None, answered_at=None)
        .execution_options(synchronize_session=False)
    )
    # The rows above changed behind the ORM's back: reload the donor's donations (none are left), so
    # deleting the donor does not cascade to a stale list of them.
    session.expire(donor, ["donations"])
    accounts = await accounts_of(session, donor.id)
    for account in accounts:
        await session.execute(
            delete(Conversation).where(
                Conversation.platform == account.platform, Conversation.chat_id == account.chat_id
            )
        )
        await invites.forget_failures(session, platform=account.platform, user_id=account.user_id)
        await clubs.forget_failures(session, platform=account.platform, user_id=account.user_id)
        await web_sessions.forget(session, account_id=account.id)  # the web page's links and sessions
        is_organiser = await session.scalar(
            select(func.count()).select_from(Organiser).where(Organiser.account_id == account.id)
        )
        if is_organiser:
            account.donor_id = None
        else:
            await session.delete(account)
    # Pushes to the donor or naming them (an organiser's notice of a health report), whoever they were for.
    await session.execute(
        delete(Outbox).where(or_(Outbox.about_donor_id == donor.id, Outbox.to_donor_id == donor.id))
    )
    await session.execute(delete(LinkNotice).where(LinkNotice.donor_id == donor.id))
    await session.execute(delete(ClubMember).where(ClubMember.donor_id == donor.id))  # their clubs
    await session.execute(delete(Approval).where(Approval.donor_id == donor.id))
    await links.forget_failures(session, phone=donor.phone)
    await session.execute(  # the id may be reused: chats the owner removed are free again
        update(ChannelAccount)
        .where(ChannelAccount.unlinked_from == donor.id)
        .values(unlinked_from=None, unlinked_by=None)
    )
    await session.delete(donor)
    await session.flush()


async def count_rows_for(session: AsyncSession, donor_id: int) -> int:
    """How many rows still mention a donor (0 after erasure); used by tests and `/xoa` checks."""
    total = 0
    for model, column in (
        (Donor, Donor.id),
        (Donation, Donation.donor_id),
        (ChannelAccount, ChannelAccount.donor_id),
        (ChannelAccount, ChannelAccount.unlinked_from),
        (Signup, Signup.donor_id),
        (Outbox, Outbox.about_donor_id),
        (Outbox, Outbox.to_donor_id),
        (LinkNotice, LinkNotice.donor_id),
        (Approval, Approval.donor_id),
    ):
        total += int(
            await session.scalar(select(func.count()).select_from(model).where(column == donor_id)) or 0
        )
    return total
