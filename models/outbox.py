"""The outbox: pushes (reminders, call-outs, announcements, thank-yous) written by jobs, sent by the
delivery loop (`scheduler.delivery`, through `models.outbox_claims`). This module is what the writers
use: queueing, withdrawing, forgetting, counting. Never commits: the caller's unit of work does.

Besides pushes, the outbox carries replies a turn could not deliver (kind `reply`, see
`bot.channels.replies`): they may hold a file (a calendar file, a QR code) and a reply keyboard, all
in the JSON payload.

A row's life: `pending` → (claimed) `sending` → `sent` | `failed` | back to `pending` (retry later);
`pending` → `cancelled` (by key prefix, when the account becomes unreachable, or when a claim finds it
past its `expires_at`: last_error "expired") or `failed` (a push to a person none of whose chats can be
reached: last_error "no reachable chat"); a pending row whose reason was undone is withdrawn
(deleted, see `withdraw`). The unique `key` makes planning idempotent: enqueueing the
same key twice inserts nothing the second time, on both backends and under concurrency
(INSERT ... ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain import limits
from models import routing
from models.db import dialect, rowcount
from models.tables import ChannelAccount, Donor, Outbox

PRIORITY: Final[dict[str, int]] = {
    "reply": 0,  # an answer the person is waiting for, that could not go out in its turn
    "callout": 0,
    "notice": 1,
    "thanks": 1,
    "milestone": 1,  # a congratulation (services/recognition.py), due with the thank-you
    "followup": 1,
    "reminder": 2,
    "nudge": 3,
    "announcement": 5,
}
"""Default priority per kind; lower is sent sooner, so an announcement never delays a call-out."""

KINDS: Final = frozenset(PRIORITY)
STATUSES: Final = ("pending", "sending", "sent", "failed", "cancelled")
KEY_MAX: Final = 160
ERROR_MAX: Final = limits.ERROR

Choices = Sequence[Sequence[tuple[str, str]]]
"""Button rows of (label, value) pairs."""


@dataclass(frozen=True)
class File:
    """A file sent with the text as its caption (an image is shown as a photo)."""

    filename: str
    content: bytes
    mime_type: str
    is_image: bool = False
    # What stands for the file where the channel cannot send it (Zalo takes photos by URL only, and no
    # other files): a check-in QR code's code, a calendar file's "add to calendar" link and its time.
    alt: str | None = None


def payload_of(
    text: str,
    choices: Choices = (),
    *,
    edit_message_id: str | None = None,
    file: File | None = None,
    contact_button: str | None = None,
    remove_keyboard: bool = False,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "text": text,
        "choices": [[{"label": label, "value": value} for label, value in row] for row in choices],
    }
    if edit_message_id is not None:
        payload["edit"] = edit_message_id  # replace that message (a live tally) instead of a new one
    if file is not None:  # base64 in the JSON: a reply's .ics or QR code is a few kB
        payload["file"] = {
            "name": file.filename,
            "mime": file.mime_type,
            "image": file.is_image,
            "data": base64.b64encode(file.content).decode("ascii"),
        }
        if file.alt is not None:
            payload["file"]["alt"] = file.alt
    if contact_button is not None:
        payload["contact_button"] = contact_button  # a "share my phone number" reply keyboard
    if remove_keyboard:
        payload["remove_keyboard"] = True
    return payload


def file_of(payload: dict[str, Any]) -> File | None:
    """The file stored in a payload, if any."""
    stored = payload.get("file")
    if not stored:
        return None
    return File(
        filename=str(stored["name"]),
        content=base64.b64decode(stored["data"]),
        mime_type=str(stored["mime"]),
        is_image=bool(stored.get("image")),
        alt=None if stored.get("alt") is None else str(stored["alt"]),
    )


def choices_of(payload: dict[str, Any]) -> list[list[tuple[str, str]]]:
    """The (label, value) rows stored in a payload."""
    return [[(str(b["label"]), str(b["value"])) for b in row] for row in payload.get("choices") or []]


def clip_error(text: str) -> str:
    """An error as stored in `last_error`: at most `ERROR_MAX` characters."""
    return text[:ERROR_MAX]


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    account_id: int,
    kind: str,
    text: str,
    about_donor_id: int | None,
    choices: Choices = (),
    due_at: datetime,
    priority: int | None = None,
    batch: str | None = None,
    expires_at: datetime | None = None,
    edit_message_id: str | None = None,
    file: File | None = None,
    contact_button: str | None = None,
    remove_keyboard: bool = False,
    to_donor_id: int | None = None,
) -> bool:
    """Plans one push to one chat account; False (and nothing changes) if `key` was planned before.

    `about_donor_id` is the donor the text is about or addressed to (None for texts about no one, such as
    an announcement or a call-out tally of counts): erasing that donor deletes the row, whoever it was
    for. It has no default so that every new kind of push has to answer the question.
    A push still waiting at `expires_at` is never sent: the next claim cancels it ("expired").
    `to_donor_id` makes it a push to that person on whichever of their chats (`enqueue_for_donor`).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"outbox key must be 1..{KEY_MAX} characters")
    if due_at.tzinfo is None or (expires_at is not None and expires_at.tzinfo is None):
        raise ValueError("due_at and expires_at must be aware datetimes")
    values: dict[str, Any] = {
        "key": key,
        "account_id": account_id,
        "kind": kind,
        "priority": PRIORITY[kind] if priority is None else priority,
        "payload": payload_of(
            text,
            choices,
            edit_message_id=edit_message_id,
            file=file,
            contact_button=contact_button,
            remove_keyboard=remove_keyboard,
        ),
        "due_at": due_at,
        "status": "pending",
        "attempts": 0,
        "batch": batch,
        "expires_at": expires_at,
        "about_donor_id": about_donor_id,
        "to_donor_id": to_donor_id,
    }
    insert = postgresql.insert if dialect(session) == "postgresql" else sqlite.insert
    statement = insert(Outbox).values(**values).on_conflict_do_nothing(index_elements=[Outbox.key])
    result = await session.execute(statement)
    return rowcount(result) == 1


def routed_key(key: str, donor_id: int) -> str:
    """The key of a push to a person (`enqueue_for_donor`): `{key}:p{donor_id}`. Prefixes such as
    `reminder:17:` still find it, and it is the person's even when `key` does not name them (as the
    account id at the end of the keys of one row per chat made every key one chat's)."""
    return f"{key}:p{donor_id}"


async def enqueue_for_donor(
    session: AsyncSession,
    *,
    donor_id: int,
    key: str,
    kind: str,
    text: str,
    choices: Choices = (),
    due_at: datetime,
    priority: int | None = None,
    batch: str | None = None,
    expires_at: datetime | None = None,
    file: File | None = None,
) -> int:
    """One row for the person (key `{key}:p{donor_id}`), whichever of their chats it reaches; returns
    how many new (0 or 1: 0 also when the donor has no reachable chat).

    The chat is chosen when the delivery loop claims the row (`models.outbox_claims.route`, by
    `delivery.prefer_channel`), and another chat of theirs gets it when that one turns out blocked;
    `account_id` holds the chat used last until then. Someone on Telegram and Zalo gets each push once.

    Pushes queued before this (one row per chat, key `{key}:{account_id}`) count as planned: the key is
    looked up under those names too, so an upgrade does not send a reminder again.
    """
    donor_accounts = (
        await session.scalars(select(ChannelAccount).where(ChannelAccount.donor_id == donor_id))
    ).all()
    chosen = routing.choose(donor_accounts)
    if chosen is None:
        return 0
    legacy = [f"{key}:{account.id}" for account in donor_accounts]
    if await session.scalar(select(Outbox.id).where(Outbox.key.in_(legacy)).limit(1)) is not None:
        return 0
    return int(
        await enqueue(
            session,
            key=routed_key(key, donor_id),
            account_id=chosen.id,
            kind=kind,
            text=text,
            about_donor_id=donor_id,
            choices=choices,
            due_at=due_at,
            priority=priority,
            batch=batch,
            expires_at=expires_at,
            file=file,
            to_donor_id=donor_id,
        )
    )


async def waiting_until(session: AsyncSession, *, account_id: int, kind: str) -> datetime | None:
    """The latest `due_at` of the account's rows of `kind` not yet sent (pending, or being sent), or
    None when none wait. A row due then too is claimed after them (same due time, later id)."""
    latest: datetime | None = await session.scalar(
        select(func.max(Outbox.due_at)).where(
            Outbox.account_id == account_id,
            Outbox.kind == kind,
            Outbox.status.in_(("pending", "sending")),
        )
    )
    return latest


async def cancel_waiting_for_account(session: AsyncSession, account_id: int, *, reason: str) -> int:
    """Cancels every row of the account still waiting (rows being sent finish); returns how many.

    Pushes to a person (`to_donor_id`) are left: their chat is chosen among the person's chats when they
    are sent, and an account taken off the profile is no longer one of them.
    """
    result = await session.execute(
        update(Outbox)
        .where(Outbox.account_id == account_id, Outbox.status == "pending", Outbox.to_donor_id.is_(None))
        .values(status="cancelled", last_error=clip_error(reason))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def cancel(session: AsyncSession, *, key_prefix: str) -> int:
    """Cancels the pending rows whose key starts with `key_prefix` (e.g. `reminder:17:`); returns how many."""
    if not key_prefix:
        raise ValueError("an empty prefix would cancel everything")
    result = await session.execute(
        update(Outbox)
        .where(Outbox.status == "pending", Outbox.key.startswith(key_prefix, autoescape=True))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def forget_waiting(session: AsyncSession, *, key_prefix: str) -> int:
    """Deletes the rows still waiting (`pending`) whose key starts with `key_prefix`; returns how many.

    For pushes that no longer say what is true (a reminder with the old time, an invitation to a day
    that was cancelled): unlike `cancel`, the key is free again, so the planner queues the push anew from
    what is true at its next run, or not at all when it no longer applies. Rows being sent finish.
    """
    return await withdraw(session, key_prefix=key_prefix)


async def forget_waiting_in_batch(session: AsyncSession, *, batch: str, ward: str) -> int:
    """Deletes the waiting rows of `batch` to donors of `ward` (a ward invitation's batch is its campaign
    round: `ward:{campaign}:{round}`, one invitation per donor for the round's next day in their ward)."""
    donors_of_ward = (
        select(ChannelAccount.id).join(Donor, Donor.id == ChannelAccount.donor_id).where(Donor.ward == ward)
    )
    to_ward = or_(
        Outbox.account_id.in_(donors_of_ward),
        Outbox.to_donor_id.in_(select(Donor.id).where(Donor.ward == ward)),
    )
    result = await session.execute(
        delete(Outbox)
        .where(Outbox.status == "pending", Outbox.batch == batch, to_ward)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def withdraw(
    session: AsyncSession,
    *,
    key_prefix: str,
    about: int | Select[tuple[int]] | None = None,
    keep_prefix: str | None = None,
) -> int:
    """Deletes the pushes still waiting whose key starts with `key_prefix`: their reason was undone (a
    result corrected, a sign-up cancelled or moved, a session cancelled or changed). Returns how many.

    `about` keeps it to the rows about one donor (an id) or about the donors a query selects;
    `keep_prefix` spares the rows whose key starts with it (the notice that replaces the others).
    Deleted rather than cancelled, so that the key is free: a planner that finds the reason again (the
    donor books again, the session's new time) queues the push anew, with today's text. Rows being sent
    are in flight and finish.
    """
    if not key_prefix:
        raise ValueError("an empty prefix would withdraw everything")
    statement = delete(Outbox).where(
        Outbox.status == "pending", Outbox.key.startswith(key_prefix, autoescape=True)
    )
    if isinstance(about, int):
        statement = statement.where(Outbox.about_donor_id == about)
    elif about is not None:
        statement = statement.where(Outbox.about_donor_id.in_(about))
    if keep_prefix:
        statement = statement.where(~Outbox.key.startswith(keep_prefix, autoescape=True))
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return rowcount(result)


async def cancel_for_account(session: AsyncSession, account_id: int, *, key_prefixes: Collection[str]) -> int:
    """Cancels the account's pending rows whose key starts with one of `key_prefixes` ("reminder:", ...),
    and the pushes to its person (`to_donor_id`) whichever chat they are queued for.

    For the pushes whose keys put the donor id last (`ward:{campaign}:{round}:{donor}:{account}`), where a
    prefix alone cannot pick one person's rows. Returns how many were cancelled.
    """
    prefixes = [p for p in key_prefixes if p]
    if not prefixes:
        raise ValueError("give at least one non-empty key prefix")
    result = await session.execute(
        update(Outbox)
        .where(
            or_(
                Outbox.account_id == account_id,
                Outbox.to_donor_id.in_(
                    select(ChannelAccount.donor_id).where(
                        ChannelAccount.id == account_id, ChannelAccount.donor_id.is_not(None)
                    )
                ),
            ),
            Outbox.status == "pending",
            or_(*(Outbox.key.startswith(p, autoescape=True) for p in prefixes)),
        )
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def statuses(session: AsyncSession, *, key_prefix: str) -> dict[str, str]:
    """The status of every row whose key starts with `key_prefix`, by key (did a push go out?)."""
    rows = await session.execute(
        select(Outbox.key, Outbox.status).where(Outbox.key.startswith(key_prefix, autoescape=True))
    )
    return dict(rows.tuples().all())


async def progress(session: AsyncSession, batch: str) -> dict[str, int]:
    """How many rows of a batch are in each status (every status present, zeros included)."""
    counts = dict.fromkeys(STATUSES, 0)
    rows = await session.execute(
        select(Outbox.status, func.count()).where(Outbox.batch == batch).group_by(Outbox.status)
    )
    for status, count in rows.tuples():
        counts[status] = int(count)
    return counts


async def forget_texts(session: AsyncSession, *, before: datetime) -> int:
    """Blanks the texts of finished pushes created before `before`.

    A sent notice may hold a donor's name and phone (organiser notices, call-out tallies); once delivered
    it is not needed, and keeping it would outlive the donor's /xoa. Keys and outcomes stay for audit.
    """
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.status.in_(("sent", "failed", "cancelled")),
            Outbox.created_at < before,
        )
        .values(payload={"text": ""})
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def replace_waiting(session: AsyncSession, *, key: str, text: str, choices: Choices = ()) -> bool:
    """Gives a row not yet sent a newer text (a tally due at the end of its interval shows the latest
    counts); False when there is no such row waiting."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.key == key, Outbox.status == "pending")
        .values(payload=payload_of(text, choices))
    )
    return rowcount(result) == 1


async def backlog_by_kind(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    """Rows that should have gone out by `now` and have not: pending and due, or being sent; by kind.

    A reminder planned for tomorrow is not backlog. Counted from the claim index (status first)."""
    rows = await session.execute(
        select(Outbox.kind, func.count())
        .where(or_(Outbox.status == "sending", (Outbox.status == "pending") & (Outbox.due_at <= now)))
        .group_by(Outbox.kind)
    )
    return {kind: int(count) for kind, count in rows.tuples()}
