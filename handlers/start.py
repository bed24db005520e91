"""/start: plain, or with a deep link argument from a poster (drive_<id>) or a check-in QR code."""

from __future__ import annotations

from domain.ids import parse_id
from handlers import checkin, drives, my_signups, registration
from handlers.context import Context


async def start(ctx: Context, args: str) -> None:
    if args.startswith("checkin_"):
        code = args.removeprefix("checkin_")
        # A donor who scans their own QR sees the booking; an organiser checks the donor in.
        if await ctx.is_organiser() or not await my_signups.show_own_signup(ctx, code):
            await checkin.check_in(ctx, code)
    elif args.startswith("drive_") and ctx.donor is not None:
        ctx.state.clear()
        # a bad id reads "not available"
        await drives.show_drive_day(ctx, parse_id(args.removeprefix("drive_")))
    else:
        await registration.start(ctx, args)
