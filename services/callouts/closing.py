"""Ending a call-out early, or moving its deadline: from the tally's buttons and `donorbot callout close`.

Closing tells everyone the call-out still counted on: the donors who accepted (they may be on their
way) and those asked who have not answered, if their message went out; messages not sent yet are
simply dropped. Both actions are audited under the caller's actor.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs
from models import audit, callouts, outbox
from models.tables import Callout
from services.callouts.need import group_list
from services.callouts.tally import push_tally

EXTENSION: Final = timedelta(hours=2)  # the tally's "extend by 2 hours" button


async def close_callout(
    session: AsyncSession,
    callout: Callout,
    *,
    actor: str,
    catalogs: Catalogs,
    settings: Settings,
    now: datetime,
    update_tally: bool = False,
) -> int | None:
    """Ends an open or filled call-out early and tells the donors it still counted on; None if it was
    not running, else how many were told. For the chat and `donorbot callout close` alike.

    Told: who accepted (they may be on their way), and who was asked and has not answered yet, if their
    message went out. Messages not sent yet are cancelled, and their donors hear nothing at all.
    `update_tally` also queues the edit of the organiser's tally, for a closer who is not looking at it
    (the terminal); in the chat the tally pressed is shown again as the reply.
    """
    told = await _close(session, callout, catalogs=catalogs, now=now)
    if update_tally:
        await push_tally(session, callout, catalogs=catalogs, settings=settings, now=now)
    await audit.record(session, actor=actor, action="callout.close", target=f"callout:{callout.id}", now=now)
    return told


async def _close(session: AsyncSession, callout: Callout, *, catalogs: Catalogs, now: datetime) -> int | None:
    counting = await callouts.still_counting_on(session, callout.id)
    delivered = await outbox.statuses(session, key_prefix=f"callout:{callout.id}:")
    if not await callouts.close(session, callout.id, now=now):
        return None
    await outbox.cancel(session, key_prefix=f"callout:{callout.id}:")
    told = 0
    for asked in counting:
        reached = delivered.get(f"callout:{callout.id}:{asked.donor_id}") in ("sent", "sending")
        if asked.status == "messaged" and not reached:
            continue
        t = catalogs.get(asked.language)
        told += await outbox.enqueue(
            session,
            key=f"callout-closed:{callout.id}:{asked.donor_id}",
            account_id=asked.account_id,
            kind="callout",  # someone on the way to the hospital must hear it first
            text=t(
                "callout_closed_accepted" if asked.status == "accepted" else "callout_closed_asked",
                groups=group_list(callout.groups),
                place=callout.place,
            ),
            about_donor_id=asked.donor_id,
            due_at=now,
        )
    return told


async def extend(session: AsyncSession, callout: Callout, *, actor: str, now: datetime) -> None:
    """Moves the deadline of an open or filled call-out :data:`EXTENSION` later."""
    await callouts.extend(session, callout.id, deadline=callout.deadline + EXTENSION)
    await audit.record(session, actor=actor, action="callout.extend", target=f"callout:{callout.id}", now=now)
