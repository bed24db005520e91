"""/hiemmau: the reserve donors with Rh-negative blood, for organisers who must find one fast.

Rh-negative blood is rare in Vietnam (about 0.1 % of people), so organisers need to know who the reserve
donors with it are, by ward. The list has names and phones: organisers only, checked on every use
(the registry's capability `rare_donors`), and only the donors within the organiser's scope
(`Scope.covers`: their ward's, or their organisation's).
"""

from __future__ import annotations

from domain.phone import display_phone
from handlers.context import Context
from handlers.flow import scope_of
from models import callout_matching


async def show(ctx: Context, _args: str = "") -> None:
    """/hiemmau: reserve donors with Rh-negative blood within the organiser's scope (the registry checks
    the role's capability first)."""
    scope = await scope_of(ctx)
    if scope is None:
        ctx.say("organiser_only")
        return
    people = [  # about 0.1 % of the reserve: filtered here rather than in a second statement
        p
        for p in await callout_matching.rare_donors(ctx.session)
        if scope.covers(ward=p.ward, organisation=p.organisation)
    ]
    lines = "\n".join(
        " · ".join(
            part
            for part in (f"• {p.full_name}", f"{p.blood_abo or '?'}−", p.ward, display_phone(p.phone))
            if part
        )
        for p in people
    )
    ctx.say("rare_list", count=len(people), lines=lines or ctx.t("callout_nobody_yet"))
