"""What /mydata shows: everything stored about one donor, gathered from every table that holds
something of theirs. Read only.

Kept apart from the profile queries because it must follow the schema (a new table keyed by the donor
needs a section here; `tests/e2e/test_mydata.py` fails until it has one), not the dialogues.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import clubs, invites, links, web_sessions
from models.accounts import accounts_of, linked_since
from models.donors import donations_of
from models.tables import (
    Callout,
    CalloutRecipient,
    ChannelAccount,
    Conversation,
    Donor,
    DriveDay,
    LinkFailure,
    Organiser,
    Outbox,
    Signup,
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
        "blood_group": {
            "abo": donor.blood_abo,
            "rh": donor.blood_rh,
            "confirmed_by_lab_on": donor.blood_confirmed_on.isoformat() if donor.blood_confirmed_on else None,
        },
        "weight_kg": donor.weight_kg,
        "ward": donor.ward,
        "organisation": donor.organisation,
        "organisation_type": donor.organisation_type,
        "reserve_donor": donor.is_reserve,
        "language": donor.language,
        "consent_at": donor.consent_at.isoformat(),
        "consent_source": donor.consent_source,
        "consent_taken_by": donor.consent_taken_by,
        "consent_form_on": donor.consent_form_on.isoformat() if donor.consent_form_on else None,
        "eligible_from": donor.eligible_from.isoformat() if donor.eligible_from else None,
        "eligible_from_saved_at": _at(donor.eligible_from_opt_in_at),
        "last_donation": {
            "date": donor.last_donation_on.isoformat() if donor.last_donation_on else None,
            "kind": donor.last_donation_kind,
        },
        "donations_before_the_bot": {
            "count": donor.earlier_donations,
            "checked_by_organisers_at": _at(donor.earlier_checked_at),
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
            {"role": o.role, "unit": o.unit, "scope": o.scope, "since": o.created_at.isoformat()}
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
        "clubs": [
            {
                "club": club.name,
                "kind": club.kind,
                "role": row.role,
                "joined_at": row.joined_at.isoformat(),
                "source": row.source,
            }
            for club, row in await clubs.clubs_of(session, donor.id)
        ],
        "wrong_club_codes": [
            {"at": at.isoformat()}
            for at in await clubs.failures_of(session, [(a.platform, a.user_id) for a in accounts])
        ],
        "wrong_invite_codes": [
            {"at": at.isoformat()}
            for at in await invites.failures_of(session, [(a.platform, a.user_id) for a in accounts])
        ],
        "web_page": await web_sessions.of_accounts(session, account_ids),
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
        select(Signup, DriveDay.day, DriveDay.place_name)
        .join(DriveDay, DriveDay.id == Signup.drive_day_id)
        .where(Signup.donor_id == donor_id)
        .order_by(DriveDay.day)
    )
    return [(s, d, p) for s, d, p in rows.tuples()]
