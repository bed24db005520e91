"""The organiser's tally of a call-out: its text and buttons, and its in-place update through the outbox.

The tally shows counts only; the names and phones of who accepted are shown to organisers on request
(never queued). Each distinct state is queued once (the key names it), so refreshing twice costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.i18n import Catalogs, Translator
from models import callouts, outbox
from models.tables import Callout

Rows = list[list[tuple[str, str]]]  # button rows of (label, button data)


def tally_view(
    t: Translator, settings: Settings, callout: Callout, counts: Mapping[str, int]
) -> tuple[str, Rows]:
    """The organiser's tally: the text and its buttons (refresh, who accepted, extend, close)."""
    text = t(
        "callout_tally",
        id=callout.id,
        matched=callout.matched if callout.matched is not None else "?",
        status=t(f"callout_status_{callout.status}"),
        accepted=counts.get("accepted", 0),
        units=callout.units_needed,
        messaged=counts.get("messaged", 0),
        declined=counts.get("declined", 0),
        no_answer=counts.get("no_answer", 0),
        waves=callout.waves_sent,
        deadline=callout.deadline.astimezone(settings.tz).strftime("%H:%M %d/%m"),
    )
    accepted_list = (t("button_accepted_list"), f"cov:list:{callout.id}")
    if callout.status not in ("open", "filled"):  # a filled one can still be extended or closed
        return text, [[accepted_list]]
    return text, [
        [(t("button_refresh"), f"cov:refresh:{callout.id}"), accepted_list],
        [
            (t("button_extend_2h"), f"cov:extend:{callout.id}"),
            (t("button_close_callout"), f"cov:close:{callout.id}"),
        ],
    ]


async def push_tally(
    session: AsyncSession, callout: Callout, *, catalogs: Catalogs, settings: Settings, now: datetime
) -> bool:
    """Queues an in-place update of the organiser's tally message (one per distinct state)."""
    if callout.tally_message_id is None or callout.created_by_account_id is None:
        return False
    counts = await callouts.tally(session, callout.id)
    text, rows = tally_view(catalogs.get(settings.bot.default_language), settings, callout, counts)
    state = "-".join(str(counts.get(k, 0)) for k in ("messaged", "accepted", "declined"))
    return await outbox.enqueue(
        session,
        key=f"tally:{callout.id}:{state}:{callout.status}:{callout.waves_sent}",
        account_id=callout.created_by_account_id,
        kind="notice",
        text=text,
        about_donor_id=None,  # counts only: the names are shown on request, never queued
        choices=rows,
        due_at=now,
        edit_message_id=callout.tally_message_id,
    )
