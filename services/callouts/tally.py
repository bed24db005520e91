"""The organiser's tally of a call-out: its text and buttons, and its in-place update through the outbox.

The tally shows counts only; the names and phones of who accepted are shown to organisers on request
(never queued). Each distinct state is queued once (the key names it), so refreshing twice costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.channels import capabilities
from core.config import Settings
from core.i18n import Catalogs, Translator
from models import callouts, outbox
from models.tables import Callout, ChannelAccount

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
    """Queues an update of the organiser's tally: in place (one per distinct state) where a message can be
    edited; elsewhere a new message at the end of the current `tally_every_seconds` interval, carrying
    the counts as they are by then (so at most one per interval, never one per answer)."""
    if callout.created_by_account_id is None:
        return False
    organiser = await session.get(ChannelAccount, callout.created_by_account_id)
    edits = organiser is not None and capabilities(organiser.platform).edits
    if edits and callout.tally_message_id is None:
        return False
    counts = await callouts.tally(session, callout.id)
    text, rows = tally_view(catalogs.get(settings.bot.default_language), settings, callout, counts)
    if not edits:
        every = settings.callouts.tally_every_seconds
        interval = int(now.timestamp()) // every + 1
        key = f"tally:{callout.id}:every:{interval}"
        if await outbox.replace_waiting(session, key=key, text=text, choices=rows):
            return True
        return await outbox.enqueue(
            session,
            key=key,
            account_id=callout.created_by_account_id,
            kind="notice",
            text=text,
            about_donor_id=None,
            choices=rows,
            due_at=datetime.fromtimestamp(interval * every, tz=UTC),
        )
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
