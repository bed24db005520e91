"""A profile's other chats hear about every new link, and can undo one that was not the owner's.

A chat links itself to an existing profile with the phone number and the date of birth (registration's
link check). Anyone who knows both could do that and then read the profile, so each chat already
linked gets a push with one button that takes the new chat off the profile again.
"""

from __future__ import annotations

from domain.ids import parse_id
from handlers.context import Context
from handlers.organiser import actor
from models import audit, donors, outbox
from models.tables import ChannelAccount, Donor

PREFIX = "unlink"


async def tell_other_chats(ctx: Context, donor: Donor, new_account: ChannelAccount) -> int:
    """Queues the notice to every other chat of the donor, in the donor's language; returns how many."""
    t = ctx.catalogs.get(donor.language)
    queued = 0
    for account in await donors.accounts_of(ctx.session, donor.id):
        if account.id == new_account.id or account.unreachable_at is not None:
            continue
        queued += await outbox.enqueue(
            ctx.session,
            key=f"notice:link:{new_account.id}:{account.id}",
            account_id=account.id,
            kind="notice",
            text=t("link_notice", name=donor.full_name),
            choices=[[(t("link_notice_not_me"), f"{PREFIX}:{new_account.id}")]],
            due_at=ctx.now(),
        )
    ctx.pushed |= queued > 0
    return queued


async def on_unlink(ctx: Context, payload: str) -> None:
    """`unlink:{account_id}`: the owner takes that chat off their profile (never their own chat)."""
    donor, account_id = ctx.donor, parse_id(payload)
    if donor is None or ctx.account is None or account_id is None or account_id == ctx.account.id:
        ctx.say("error_button_expired")
        return
    if not await donors.unlink(ctx.session, donor_id=donor.id, account_id=account_id):
        ctx.say("unlink_already")
        return
    await audit.record(
        ctx.session,
        actor=actor(ctx),
        action="donor.unlink",
        target=f"donor:{donor.id}",
        details={"account": account_id},
        now=ctx.now(),
    )
    ctx.say("unlink_done", hotline=ctx.settings.bot.hotline)


__all__ = ["PREFIX", "on_unlink", "tell_other_chats"]
