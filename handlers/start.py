"""/start: plain, or with a deep link argument from a poster (drive_<id>) or a check-in QR code."""

from __future__ import annotations

from handlers import drives, organiser, registration
from handlers.context import Context


async def start(ctx: Context, args: str) -> None:
    if args.startswith("checkin_"):
        await organiser.check_in(ctx, args.removeprefix("checkin_"))
    elif args.startswith("drive_") and ctx.donor is not None:
        ctx.state.clear()
        await drives.show_session(ctx, args.removeprefix("drive_"))  # a bad id reads "not available"
    else:
        await registration.start(ctx, args)
