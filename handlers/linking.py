"""Guards a profile's chats: new links, wrong birth dates, and sensitive actions from a new chat.

A chat joins an existing profile with the phone number and the birth date (registration). Both are
known to family and printed on papers, so that proof is weak, and the bot leans on time and on the
chats already on the profile (docs/ARCHITECTURE.md, "Threat model"):
- every older chat hears of a new link at once, with a "Not me" button bound to that notice: only a
  chat that got the notice can take the new chat off, never the other way round;
- wrong birth dates are counted per phone and per chat across dialogues, lock linking for a while and
  are told to the profile's chats;
- for `new_chat_days` after its link a chat needs an older chat's approval to erase the profile,
  change its phone or read everything stored (/mydata).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core import buttons
from handlers.context import Context
from models import accounts, audit, links, outbox
from models.tables import ChannelAccount, Donor


def _lock(ctx: Context) -> timedelta:
    return timedelta(hours=ctx.settings.registration.link_lock_hours)


async def tell_other_chats(ctx: Context, donor: Donor, new_account: ChannelAccount) -> int:
    """Queues the notice to every other chat of the donor, in the donor's language; returns how many."""
    t = ctx.catalogs.get(donor.language)
    others = [
        account
        for account in await accounts.accounts_of(ctx.session, donor.id)
        if account.id != new_account.id and account.unreachable_at is None
    ]
    if not others:
        return 0
    notice = await links.add_notice(
        ctx.session,
        donor_id=donor.id,
        account_id=new_account.id,
        recipients=[account.id for account in others],
        now=ctx.now(),
    )
    queued = 0
    for account in others:
        queued += await outbox.enqueue(
            ctx.session,
            key=f"notice:link:{notice.id}:{account.id}",
            account_id=account.id,
            kind="notice",
            text=t("link_notice", name=donor.full_name, platform=t(f"platform_{new_account.platform}")),
            about_donor_id=donor.id,
            choices=[[(t("link_notice_not_me"), buttons.Unlink(notice.id).pack())]],
            due_at=ctx.now(),
        )
    ctx.pushed |= queued > 0
    return queued


async def on_unlink(ctx: Context, pressed: buttons.Unlink) -> None:
    """`unlink:{notice}`: a chat that got that link notice takes the chat it named off the profile."""
    donor, account = ctx.donor, ctx.account
    notice = await links.notice(ctx.session, pressed.notice_id)
    if (
        donor is None
        or account is None
        or notice is None
        or notice.donor_id != donor.id
        or account.id not in notice.recipients
        or account.id == notice.account_id
    ):
        ctx.say("error_button_expired")
        return
    if not await remove_chat(ctx, donor, notice.account_id):
        ctx.say("unlink_already")
        return
    ctx.say("unlink_done", hotline=ctx.settings.bot.hotline)


async def remove_chat(ctx: Context, donor: Donor, account_id: int) -> bool:
    """Takes `account_id` off the donor's profile on behalf of this (older) chat; audited."""
    assert ctx.account is not None
    if not await accounts.unlink(
        ctx.session, donor_id=donor.id, account_id=account_id, by_account_id=ctx.account.id
    ):
        return False
    # Pushes still waiting about that chat — "a new chat joined", its requests for approval — are moot now.
    for notice in await links.notices_of(ctx.session, donor.id):
        if notice.account_id == account_id:
            await outbox.withdraw(ctx.session, key_prefix=f"notice:link:{notice.id}:")
    for request in await links.approvals_of(ctx.session, donor.id):
        if request.account_id == account_id:
            await outbox.withdraw(ctx.session, key_prefix=f"notice:approval:{request.id}:")
    await audit.record(
        ctx.session,
        actor=ctx.actor,
        action="donor.unlink",
        target=f"donor:{donor.id}",
        details={"account": account_id},
        now=ctx.now(),
    )
    return True


# --- wrong birth dates -------------------------------------------------------------------------


async def locked_until(ctx: Context, phone: str | None) -> datetime | None:
    """When this chat may try again to link to `phone`'s profile (None: it may now)."""
    return await links.locked_until(
        ctx.session,
        phone=phone,
        platform=ctx.incoming.platform,
        user_id=ctx.incoming.user_id,
        now=ctx.now(),
        max_failures=ctx.settings.registration.link_max_failures,
        lock=_lock(ctx),
    )


async def try_link(ctx: Context, existing: Donor, birth: str) -> bool:
    """Links this chat to `existing` when `birth` (ISO date) is its birth date; True when linked.

    Says nothing when it fails, so the dialogue reads the same whether or not the phone is registered; a
    wrong birth date is counted (once per date per dialogue) and told to the profile's chats. A chat that
    is refused or locked out is not linked, whatever it types.
    """
    inc = ctx.incoming
    if not await accounts.may_link(
        ctx.session, donor_id=existing.id, platform=inc.platform, user_id=inc.user_id
    ):
        return False
    if await locked_until(ctx, existing.phone) is not None:
        return False
    if existing.date_of_birth == date.fromisoformat(birth):
        account = await accounts.link(
            ctx.session,
            donor=existing,
            platform=inc.platform,
            user_id=inc.user_id,
            chat_id=inc.chat_id,
            now=ctx.now(),
        )
        await tell_other_chats(ctx, existing, account)
        existing.language = ctx.lang
        ctx.say("linked", name=existing.full_name)
        ctx.state.clear()
        ctx.state.language = None
        return True
    tried = ctx.state.data.setdefault("link_tried", [])
    guess = f"{existing.id}:{birth}"
    if guess not in tried:
        tried.append(guess)
        await record_failure(ctx, existing.phone, about=existing)
    return False


async def record_failure(ctx: Context, phone: str, *, about: Donor | None) -> None:
    """Counts one failed proof from this chat; the profile's chats hear of it (nothing about who)."""
    failure_id = await links.record_failure(
        ctx.session, phone=phone, platform=ctx.incoming.platform, user_id=ctx.incoming.user_id, now=ctx.now()
    )
    if about is None:
        return
    t = ctx.catalogs.get(about.language)
    ctx.pushed |= (
        await outbox.enqueue_for_donor(
            ctx.session,
            donor_id=about.id,
            key=f"notice:linkfail:{failure_id}",
            kind="notice",
            text=t(
                "link_failure_notice",
                failures=ctx.settings.registration.link_max_failures,
                hours=ctx.settings.registration.link_lock_hours,
            ),
            due_at=ctx.now(),
        )
        > 0
    )


# --- approvals from an older chat --------------------------------------------------------------


async def guard(ctx: Context, action: str) -> bool:
    """True when this chat may `action` ("erase", "phone", "mydata") now.

    A chat linked less than `new_chat_days` ago, on a profile that had chats before it, needs one of those
    to approve: the request goes to them and the person is told; the approval holds for a day.
    """
    account, donor = ctx.account, ctx.donor
    if account is None or donor is None:
        return True
    days = ctx.settings.registration.new_chat_days
    since = accounts.linked_since(account)
    if days == 0 or since <= ctx.now() - timedelta(days=days):
        return True
    older = await accounts.older_accounts(ctx.session, account)
    if not older:
        return True  # the chat that made the profile
    if await links.approved(ctx.session, account_id=account.id, action=action, now=ctx.now()):
        return True
    request, new = await links.request_approval(
        ctx.session, donor_id=donor.id, account_id=account.id, action=action, now=ctx.now()
    )
    if new:
        t = ctx.catalogs.get(donor.language)
        for other in older:
            if other.unreachable_at is not None:
                continue
            ctx.pushed |= await outbox.enqueue(
                ctx.session,
                key=f"notice:approval:{request.id}:{other.id}",
                account_id=other.id,
                kind="notice",
                text=t(
                    "approval_request",
                    action=t(f"approval_action_{action}"),
                    linked=t.date(since.astimezone(ctx.settings.tz).date()),
                ),
                about_donor_id=donor.id,
                choices=[
                    [
                        (t("button_approval_yes"), buttons.Approval(request.id, "yes").pack()),
                        (t("button_approval_no"), buttons.Approval(request.id, "no").pack()),
                    ]
                ],
                due_at=ctx.now(),
            )
    ctx.say(
        "approval_needed" if new else "approval_waiting",
        action=ctx.t(f"approval_action_{action}"),
        date=ctx.t.date((since + timedelta(days=days)).astimezone(ctx.settings.tz).date()),
    )
    return False


async def on_approval(ctx: Context, pressed: buttons.Approval) -> None:
    """`appr:{id}:yes|no` from an older chat: allows the new chat's request, or refuses it and removes it."""
    donor, account, answer = ctx.donor, ctx.account, pressed.answer
    request = await links.approval(ctx.session, pressed.approval_id)
    requester = await ctx.session.get(ChannelAccount, request.account_id) if request is not None else None
    if (
        donor is None
        or account is None
        or request is None
        or request.donor_id != donor.id
        or account.id == request.account_id
    ):
        ctx.say("error_button_expired")
        return
    if request.status != "pending":
        ctx.say("approval_already")
        return
    if (
        requester is None
        or requester.donor_id != donor.id
        or accounts.seniority(account) >= accounts.seniority(requester)
        or request.created_at <= ctx.now() - links.APPROVAL_VALID
    ):
        ctx.say("error_button_expired")
        return
    request.status = "allowed" if answer == "yes" else "refused"
    request.decided_by, request.decided_at = account.id, ctx.now()
    # Decided: the same request still waiting for the profile's other chats is withdrawn.
    await outbox.withdraw(ctx.session, key_prefix=f"notice:approval:{request.id}:")
    await audit.record(
        ctx.session,
        actor=ctx.actor,
        action=f"donor.approval.{request.status}",
        target=f"donor:{donor.id}",
        details={"account": requester.id, "action": request.action},
        now=ctx.now(),
    )
    if answer == "no":
        await remove_chat(ctx, donor, requester.id)
        ctx.say("approval_refused", hotline=ctx.settings.bot.hotline)
        return
    t = ctx.catalogs.get(donor.language)
    ctx.pushed |= await outbox.enqueue(
        ctx.session,
        key=f"notice:approved:{request.id}",
        account_id=requester.id,
        kind="notice",
        text=t("approval_granted", action=t(f"approval_action_{request.action}")),
        about_donor_id=donor.id,
        due_at=ctx.now(),
    )
    ctx.say("approval_allowed", action=ctx.t(f"approval_action_{request.action}"))


async def tell_phone_changed(ctx: Context, donor: Donor) -> None:
    """The profile's other chats hear that its phone number changed (the number itself is not shown)."""
    assert ctx.account is not None
    t = ctx.catalogs.get(donor.language)
    for other in await accounts.accounts_of(ctx.session, donor.id):
        if other.id == ctx.account.id or other.unreachable_at is not None:
            continue
        ctx.pushed |= await outbox.enqueue(
            ctx.session,
            key=f"notice:phone:{donor.id}:{int(ctx.now().timestamp())}:{other.id}",
            account_id=other.id,
            kind="notice",
            text=t("phone_changed_notice", hotline=ctx.settings.bot.hotline),
            about_donor_id=donor.id,
            due_at=ctx.now(),
        )


__all__ = [
    "guard",
    "locked_until",
    "on_approval",
    "on_unlink",
    "record_failure",
    "remove_chat",
    "tell_other_chats",
    "tell_phone_changed",
    "try_link",
]
