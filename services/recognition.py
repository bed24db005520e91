"""Congratulating a donor when a donation takes their count to a milestone (domain/milestones.py).

Whoever records a donation — the check-in desk (`services.checkin.record_result`), the donor's own
"last donation" in /hoso — counts before and after (`models.honours.total_count`) and calls `settle`:
one push per milestone crossed, keyed `milestone:{donor}:{n}` so it is queued once ever, due
`CONGRATULATION_DELAY` later (as the thank-you) so that a result corrected to "deferred" meanwhile
withdraws it before the donor sees it. A correction after it went does not send it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs
from domain.milestones import newly_reached, next_milestone
from models import honours, outbox
from models.tables import Donor
from services.quiet import quiet_shift

__all__ = ["CONGRATULATION_DELAY", "settle"]

CONGRATULATION_DELAY: Final = timedelta(minutes=10)
"""As the thank-you's delay: a mis-tap corrected at the desk never congratulates anyone."""


async def settle(
    session: AsyncSession,
    *,
    settings: Settings,
    catalogs: Catalogs,
    donor_id: int,
    before: int,
    now: datetime,
) -> int:
    """After a donation was recorded, corrected or removed: congratulates the milestones the count
    (now) crossed since `before`, or withdraws those waiting that it no longer reaches. Returns how
    many pushes were queued."""
    milestones = settings.recognition.milestones
    after = await honours.total_count(session, donor_id)
    if after < before:
        await honours.withdraw_lost(
            session, donor_id=donor_id, before=before, after=after, milestones=milestones
        )
        return 0
    crossed = newly_reached(before, after, milestones)
    donor = await session.get(Donor, donor_id) if crossed else None
    if donor is None:
        return 0
    t = catalogs.get(donor.language)
    queued = 0
    for n in crossed:
        upcoming = next_milestone(n, milestones)
        text = t("milestone_reached", name=donor.full_name, milestone=n)
        if upcoming is not None:
            text += "\n\n" + t("milestone_reached_next", milestone=upcoming)
        queued += await outbox.enqueue_for_donor(
            session,
            donor_id=donor_id,
            key=honours.milestone_key(donor_id, n),
            kind="milestone",
            text=text,
            due_at=quiet_shift(now + CONGRATULATION_DELAY, settings),
        )
    return queued
