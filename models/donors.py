"""Queries about donors, their chat accounts and donations. Never commits: the caller's unit of work does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import callouts, links, outbox
from models.tables import (
    Approval,
    Callout,
    CalloutRecipient,
    ChannelAccount,
    Conversation,
    Donation,
    Donor,
    DriveSession,
    LinkFailure,
    LinkNotice,
    Organiser,
    Outbox,
    Signup,
)


async def account_for(session: AsyncSession, *, platform: str, user_id: str) -> ChannelAccount | None:
    account: ChannelAccount | None = await session.scalar(
        select(ChannelAccount)
        .where(ChannelAccount.platform == platform, ChannelAccount.user_id == user_id)
        .options(selectinload(ChannelAccount.donor), selectinload(ChannelAccount.organiser))
    )
    return account


async def account_row(session: AsyncSession, *, platform: str, user_id: str) -> ChannelAccount | None:
    """The account row alone (no donor or role loaded), for writes."""
    row: ChannelAccount | None = await session.scalar(
        select(ChannelAccount).where(ChannelAccount.platform == platform, ChannelAccount.user_id == user_id)
    )
    return row


async def ensure_account(
    session: AsyncSession, *, platform: str, user_id: str, chat_id: str, now: datetime
) -> int:
    """The id of this chat's account row; one without a donor is created for someone not registered
    (as for an organiser), so a reply that could not go out can wait in the outbox for them."""
    account = await account_row(session, platform=platform, user_id=user_id)
    if account is None:
        account = ChannelAccount(platform=platform, user_id=user_id, chat_id=chat_id, created_at=now)
        session.add(account)
        await session.flush()
    return account.id


async def donor_id_of(session: AsyncSession, account_id: int) -> int | None:
    """The donor a chat account is linked to, if any."""
    donor_id: int | None = await session.scalar(
        select(ChannelAccount.donor_id).where(ChannelAccount.id == account_id)
    )
    return donor_id


async def forget_bare_accounts(session: AsyncSession, *, before: datetime) -> int:
    """Deletes chat accounts made only to queue a reply for someone not registered, once nothing waits.

    Such a row holds a platform id of a person who never consented to be stored; an account that is an
    organiser's, or that a profile's owner removed (the refusal must hold), stays.
    """
    waiting = select(Outbox.id).where(
        Outbox.account_id == ChannelAccount.id, Outbox.status.in_(("pending", "sending"))
    )
    organiser = select(Organiser.id).where(Organiser.account_id == ChannelAccount.id)
    result = await session.execute(
        delete(ChannelAccount)
        .where(
            ChannelAccount.donor_id.is_(None),
            ChannelAccount.unlinked_from.is_(None),
            ChannelAccount.created_at < before,
            ~waiting.exists(),
            ~organiser.exists(),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def donor_by_phone(session: AsyncSession, phone: str) -> Donor | None:
    donor: Donor | None = await session.scalar(select(Donor).where(Donor.phone == phone))
    return donor


class PhoneTaken(Exception):
    """Another donor already has this phone number."""


@dataclass(frozen=True)
class NewDonor:
    """Everything the registration dialogue collected, validated, ready to be written at Confirm."""

    full_name: str
    phone: str
    date_of_birth: date
    sex: str
    blood_abo: str | None
    blood_rh: str | None
    weight_kg: float | None
    ward: str | None
    organisation: str | None
    is_reserve: bool
    language: str
    last_donation_on: date | None
    organisation_type: str | None = None  # domain.organisations.OrganisationType values


async def register(
    session: AsyncSession,
    new: NewDonor,
    *,
    platform: str,
    user_id: str,
    chat_id: str,
    now: datetime,
) -> Donor:
    """Creates the donor, links this chat to it and records a self-reported last donation."""
    donor = Donor(
        full_name=new.full_name,
        phone=new.phone,
        date_of_birth=new.date_of_birth,
        sex=new.sex,
        blood_abo=new.blood_abo,
        blood_rh=new.blood_rh,
        weight_kg=new.weight_kg,
        ward=new.ward,
        organisation=new.organisation,
        organisation_type=new.organisation_type,
        is_reserve=new.is_reserve,
        language=new.language,
        consent_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(donor)
    if new.last_donation_on is not None:
        donor.donations.append(Donation(donated_on=new.last_donation_on, self_reported=True, created_at=now))
    try:
        await session.flush()
    except IntegrityError as exc:
        if "phone" in str(exc.orig):  # uq_donors_phone: registered from another chat a moment ago
            raise PhoneTaken(new.phone) from exc
        raise
    await callouts.refresh_last_donation(session, donor.id)
    await link(session, donor=donor, platform=platform, user_id=user_id, chat_id=chat_id, now=now)
    return donor


async def link(
    session: AsyncSession,
    *,
    donor: Donor,
    platform: str,
    user_id: str,
    chat_id: str,
    now: datetime,
) -> ChannelAccount:
    """Points this platform user at `donor`, reusing an account row that exists (an organiser's)."""
    account = await account_row(session, platform=platform, user_id=user_id)
    if account is None:
        account = ChannelAccount(platform=platform, user_id=user_id, chat_id=chat_id, created_at=now)
        session.add(account)
    account.donor_id = donor.id
    account.chat_id = chat_id
    account.unreachable_at = None
    account.linked_at = now
    await session.flush()
    return account


async def unlink(session: AsyncSession, *, donor_id: int, account_id: int, by_account_id: int) -> bool:
    """Takes one chat account off a donor's profile (an older chat of it said the link was not theirs).

    Its pushes still waiting are cancelled, so nothing more about the donor reaches that chat, and the
    chat may not link itself to this profile again while `by_account_id` stays on it (`may_link`).
    Returns False when the account is not linked to this donor (any more).
    """
    account = await session.get(ChannelAccount, account_id)
    if account is None or account.donor_id != donor_id:
        return False
    account.donor_id = None
    account.unlinked_from = donor_id
    account.unlinked_by = by_account_id
    await outbox.cancel_waiting_for_account(session, account_id, reason="unlinked")
    await session.flush()
    return True


async def may_link(session: AsyncSession, *, donor_id: int, platform: str, user_id: str) -> bool:
    """False when a chat of the profile took this chat off it and is still on the profile itself.

    A removal only holds while the chat that made it is trusted: if it was taken off the profile in
    turn (it was the intruder), the chats it removed may come back.
    """
    account = await account_row(session, platform=platform, user_id=user_id)
    if account is None or account.unlinked_from != donor_id:
        return True
    if account.unlinked_by is None:
        return False
    remover = await session.get(ChannelAccount, account.unlinked_by)
    return remover is None or remover.donor_id != donor_id


def linked_since(account: ChannelAccount) -> datetime:
    """When the chat joined its profile (accounts linked before this was recorded: their creation)."""
    return account.linked_at or account.created_at


def seniority(account: ChannelAccount) -> tuple[datetime, int]:
    """Orders a profile's chats by when they joined it (the row id breaks a tie)."""
    return (linked_since(account), account.id)


async def older_accounts(session: AsyncSession, account: ChannelAccount) -> list[ChannelAccount]:
    """The other chats of the account's donor that were on the profile before it, oldest first."""
    if account.donor_id is None:
        return []
    mine = seniority(account)
    return sorted(
        (other for other in await accounts_of(session, account.donor_id) if seniority(other) < mine),
        key=seniority,
    )


async def donations_of(session: AsyncSession, donor_id: int) -> list[Donation]:
    return list(
        (
            await session.scalars(
                select(Donation).where(Donation.donor_id == donor_id).order_by(Donation.donated_on)
            )
        ).all()
    )


async def accounts_of(session: AsyncSession, donor_id: int) -> list[ChannelAccount]:
    return list(
        (await session.scalars(select(ChannelAccount).where(ChannelAccount.donor_id == donor_id))).all()
    )


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export(session: AsyncSession, donor: Donor) -> dict[str, Any]:
    """Everything stored about one donor, for /mydata (the person's own data, in their own chat).

    One section per table that holds something of theirs: a row keyed by the donor, by one of their chat
    accounts or by their phone (`tests/e2e/test_mydata.py` walks the tables' foreign keys and checks that
    every value of every such row is here).
    """
    donations = await donations_of(session, donor.id)
    accounts = await accounts_of(session, donor.id)
    account_ids = [a.id for a in accounts]
    return {
        "full_name": donor.full_name,
        "phone": donor.phone,
        "date_of_birth": donor.date_of_birth.isoformat(),
        "sex": donor.sex,
        "blood_group": {"abo": donor.blood_abo, "rh": donor.blood_rh},
        "weight_kg": donor.weight_kg,
        "ward": donor.ward,
        "organisation": donor.organisation,
        "organisation_type": donor.organisation_type,
        "reserve_donor": donor.is_reserve,
        "language": donor.language,
        "consent_at": donor.consent_at.isoformat(),
        "eligible_from": donor.eligible_from.isoformat() if donor.eligible_from else None,
        "eligible_from_saved_at": _at(donor.eligible_from_opt_in_at),
        "last_donation": {
            "date": donor.last_donation_on.isoformat() if donor.last_donation_on else None,
            "kind": donor.last_donation_kind,
        },
        "created_at": donor.created_at.isoformat(),
        "updated_at": donor.updated_at.isoformat(),
        "donations": [
            {
                "date": d.donated_on.isoformat(),
                "volume_ml": d.volume_ml,
                "kind": d.kind,
                "place": d.place,
                "self_reported": d.self_reported,
                "recorded_at": d.created_at.isoformat(),
            }
            for d in donations
        ],
        "chat_accounts": [
            {
                "platform": a.platform,
                "user_id": a.user_id,
                "chat_id": a.chat_id,
                "linked_at": linked_since(a).isoformat(),
                "created_at": a.created_at.isoformat(),
                "unreachable_since": _at(a.unreachable_at),
            }
            for a in accounts
        ],
        "organiser_roles": [
            {"role": o.role, "unit": o.unit, "since": o.created_at.isoformat()}
            for o in await _rows(session, Organiser, Organiser.account_id.in_(account_ids))
        ],
        "dialogues_in_progress": [
            {
                "flow": c.flow,
                "step": c.step,
                "answers_so_far": c.data,
                "language": c.language,
                "updated_at": c.updated_at.isoformat(),
            }
            for c in await _conversations_of(session, accounts)
        ],
        "chats_linked_later": [
            {"at": n.created_at.isoformat(), "told_chats": len(n.recipients or [])}
            for n in await links.notices_of(session, donor.id)
        ],
        "wrong_birth_dates": [
            {"phone": f.phone or None, "at": f.at.isoformat()}
            for f in await _link_failures_of(session, donor.phone, accounts)
        ],
        "approvals": [
            {
                "action": a.action,
                "status": a.status,
                "asked_at": a.created_at.isoformat(),
                "decided_at": _at(a.decided_at),
            }
            for a in await links.approvals_of(session, donor.id)
        ],
        "reminders_enabled": donor.reminders_enabled,
        "away_until": donor.away_until.isoformat() if donor.away_until else None,
        "signups": [
            {
                "session_day": day.isoformat(),
                "place": place,
                "slot": signup.slot_start.strftime("%H:%M"),
                "status": signup.status,
                "code": signup.code,
                "checked_in_at": _at(signup.checked_in_at),
                "result_volume_ml": signup.result_volume_ml,
                "deferral_reason": signup.deferral_reason,
                "feeling": signup.feeling,
                "feeling_at": _at(signup.feeling_at),
                "created_at": signup.created_at.isoformat(),
                "updated_at": signup.updated_at.isoformat(),
            }
            for signup, day, place in await _signups_of(session, donor.id)
        ],
        "emergency_callouts": [
            {
                "callout": recipient.callout_id,
                "groups": callout.groups,
                "place": callout.place,
                "deadline": callout.deadline.isoformat(),
                "wave": recipient.wave,
                "answer": recipient.status,
                "messaged_at": recipient.messaged_at.isoformat(),
                "answered_at": _at(recipient.answered_at),
            }
            for recipient, callout in await _callouts_of(session, donor.id)
        ],
        "callouts_created": [
            {
                "callout": c.id,
                "groups": c.groups,
                "component": c.component,
                "units": c.units_needed,
                "place": c.place,
                "address": c.address,
                "contact": c.contact,
                "deadline": c.deadline.isoformat(),
                "wards": c.wards,
                "status": c.status,
                "matched": c.matched,
                "waves_sent": c.waves_sent,
                "next_wave_at": _at(c.next_wave_at),
                "tally_message": {"chat": c.tally_chat_id, "message": c.tally_message_id},
                "created_at": c.created_at.isoformat(),
                "filled_at": _at(c.filled_at),
                "closed_at": _at(c.closed_at),
            }
            for c in await _rows(session, Callout, Callout.created_by_account_id.in_(account_ids))
        ],
        "messages": [
            {
                "kind": m.kind,
                "status": m.status,
                "text": (m.payload or {}).get("text"),
                "queued_at": m.created_at.isoformat(),
                "due_at": m.due_at.isoformat(),
                "expires_at": _at(m.expires_at),
                "sent_at": _at(m.sent_at),
                "attempts": m.attempts,
                "last_error": m.last_error,
                "to_me": m.account_id in account_ids,
            }
            for m in await _rows(
                session,
                Outbox,
                or_(Outbox.about_donor_id == donor.id, Outbox.account_id.in_(account_ids)),
                order=Outbox.id,
            )
        ],
    }


async def _rows(session: AsyncSession, model: Any, condition: Any, *, order: Any = None) -> list[Any]:
    statement = select(model).where(condition).order_by(order if order is not None else model.id)
    return list((await session.scalars(statement)).all())


async def _conversations_of(session: AsyncSession, accounts: list[ChannelAccount]) -> list[Conversation]:
    if not accounts:
        return []
    chats = or_(
        *(and_(Conversation.platform == a.platform, Conversation.chat_id == a.chat_id) for a in accounts)
    )
    return list((await session.scalars(select(Conversation).where(chats))).all())


async def _link_failures_of(
    session: AsyncSession, phone: str, accounts: list[ChannelAccount]
) -> list[LinkFailure]:
    """Wrong birth dates typed for this profile's phone, and those typed from its chats (any phone)."""
    mine = [and_(LinkFailure.platform == a.platform, LinkFailure.user_id == a.user_id) for a in accounts]
    condition = or_(LinkFailure.phone == phone, *mine)
    return list((await session.scalars(select(LinkFailure).where(condition).order_by(LinkFailure.at))).all())


async def _callouts_of(session: AsyncSession, donor_id: int) -> list[tuple[CalloutRecipient, Callout]]:
    rows = await session.execute(
        select(CalloutRecipient, Callout)
        .join(Callout, Callout.id == CalloutRecipient.callout_id)
        .where(CalloutRecipient.donor_id == donor_id)
        .order_by(CalloutRecipient.messaged_at)
    )
    return [(r, c) for r, c in rows.tuples()]


async def _signups_of(session: AsyncSession, donor_id: int) -> list[tuple[Signup, date, str]]:
    rows = await session.execute(
        select(Signup, DriveSession.day, DriveSession.place_name)
        .join(DriveSession, DriveSession.id == Signup.session_id)
        .where(Signup.donor_id == donor_id)
        .order_by(DriveSession.day)
    )
    return [(s, d, p) for s, d, p in rows.tuples()]


HISTORY: Final = ("checked_in", "donated", "deferred")
"""Sign-up statuses that are a campaign's history: kept as anonymous counts when the donor is erased."""


async def erase(session: AsyncSession, donor: Donor, *, today: date) -> None:
    """Deletes the donor and everything that names them; keeps what campaigns and call-outs counted.

    Deleted: the donor, their self-reported donations, sign-ups still to come (their place is free again)
    and cancelled ones, chat accounts, dialogues, link notices, approvals, wrong birth dates typed for
    their phone and every push about them. Kept without anyone's identity (`donor_id` NULL): donations
    recorded at a drive (date, volume, kind, place, session), sign-ups that are history (checked in,
    with a result, or of a day already past; code, check-in time, deferral reason and feeling cleared)
    and call-out answers (`donor_id` and `account_id` NULL, answer time cleared) — so a campaign's
    donation count and a closed call-out's "1/2" stay as they were. `today` is the local date.

    An account that also holds an organiser role stays (the role is not the donor's personal data), but
    it no longer points at the donor.
    """
    history = or_(
        Signup.status.in_(HISTORY),
        and_(
            Signup.status == "active",
            select(DriveSession.day).where(DriveSession.id == Signup.session_id).scalar_subquery() < today,
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
            or_(Donation.self_reported.is_(True), Donation.session_id.is_(None)),
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
        is_organiser = await session.scalar(
            select(func.count()).select_from(Organiser).where(Organiser.account_id == account.id)
        )
        if is_organiser:
            account.donor_id = None
        else:
            await session.delete(account)
    # Pushes to the donor or naming them (an organiser's notice of a health report), whoever they were for.
    await session.execute(delete(Outbox).where(Outbox.about_donor_id == donor.id))
    await session.execute(delete(LinkNotice).where(LinkNotice.donor_id == donor.id))
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
        (LinkNotice, LinkNotice.donor_id),
        (Approval, Approval.donor_id),
    ):
        total += int(
            await session.scalar(select(func.count()).select_from(model).where(column == donor_id)) or 0
        )
    return total


async def set_reported_last_donation(
    session: AsyncSession, donor: Donor, when: date | None, *, now: datetime
) -> None:
    """Replaces the donor's self-reported last donation (recorded donations are never touched)."""
    await session.execute(
        delete(Donation).where(Donation.donor_id == donor.id, Donation.self_reported.is_(True))
    )
    if when is not None:
        session.add(Donation(donor_id=donor.id, donated_on=when, self_reported=True, created_at=now))
    await session.flush()
    await callouts.refresh_last_donation(session, donor.id)
