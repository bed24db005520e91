"""Telling signed-up donors that their session was cancelled or changed — through the outbox.

Used by the organiser chat tools and by `donorbot drive edit|cancel`, so every path tells donors the
same way. The idempotency key carries the new state of the session, so repeating the same change
sends nothing twice while a later, different change is announced again; an earlier notice still
waiting is withdrawn, so the donor hears only what holds now. A change notice carries the calendar
file again, for the new day, hours or place (the same event, a later revision).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import Catalogs
from models import drive_days, outbox, signups
from models.outbox import File
from models.tables import Donor
from services import tickets


async def drive_day_changed(
    session: AsyncSession,
    *,
    catalogs: Catalogs,
    drive_day_id: int,
    donor_ids: Iterable[int],
    tz: ZoneInfo,
    now: datetime,
) -> int:
    """Queues one notice per donor (per chat account); returns how many rows were new."""
    view = await drive_days.drive_day_view(session, drive_day_id)
    if view is None:
        return 0
    cancelled = view.status != "scheduled"
    # What is still queued about the session describes it as it was: forgotten, and planned again from
    # the session as it is now if it still applies (none for a cancelled one).
    await outbox.forget_waiting(session, key_prefix=f"reminder:{drive_day_id}:")
    if view.ward is not None:
        await outbox.forget_waiting_in_batch(
            session, batch=f"ward:{view.campaign_id}:{view.round}", ward=view.ward
        )
    state = f"{view.day}|{view.start_time}|{view.end_time}|{view.place_name}|{view.address}"
    version = "cancel" if cancelled else hashlib.sha256(state.encode()).hexdigest()[:12]
    queued = 0
    for donor_id in sorted(set(donor_ids)):
        donor = await session.get(Donor, donor_id)
        if donor is None:
            continue
        # An earlier notice of this session still waiting says what is no longer true: this one replaces it.
        await outbox.withdraw(
            session,
            key_prefix=f"notice:{drive_day_id}:",
            about=donor_id,
            keep_prefix=f"notice:{drive_day_id}:{version}:",
        )
        t = catalogs.get(donor.language)
        file: File | None = None
        if cancelled:
            text = t("drive_notice_cancelled", day=t.day(view.day), place=view.place_name)
        else:
            signup = await signups.active_signup(session, drive_day_id=drive_day_id, donor_id=donor_id)
            if signup is not None:
                file = tickets.signup_ics(t, view, signup, tz=tz, now=now)
            slot = signup.slot_start if signup is not None else view.start_time
            text = t(
                "drive_notice_changed",
                day=t.day(view.day),
                start=view.start_time.strftime("%H:%M"),
                end=view.end_time.strftime("%H:%M"),
                place=t("place_and_address", place=view.place_name, address=view.address)
                if view.address
                else view.place_name,
                slot=slot.strftime("%H:%M"),
            )
        queued += await outbox.enqueue_for_donor(
            session,
            donor_id=donor_id,
            key=f"notice:{drive_day_id}:{version}:{donor_id}",
            kind="notice",
            text=text,
            due_at=now,
            file=file,
        )
    return queued
