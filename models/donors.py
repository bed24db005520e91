"""Donors' profiles: registering one, finding one by phone, their donations and the last donation they
reported themselves. Never commits: the caller's unit of work does.

A donor's chat accounts are `models.accounts`; what /mydata shows is `models.donor_export`; /xoa is
`models.erasure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import accounts, callouts
from models.tables import Donation, Donor


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
    earlier_donations: int | None = None  # before the bot, the last one included (models/honours.py)


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
        earlier_donations=new.earlier_donations,
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
    await accounts.link(session, donor=donor, platform=platform, user_id=user_id, chat_id=chat_id, now=now)
    return donor


async def donations_of(session: AsyncSession, donor_id: int) -> list[Donation]:
    return list(
        (
            await session.scalars(
                select(Donation).where(Donation.donor_id == donor_id).order_by(Donation.donated_on)
            )
        ).all()
    )


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
