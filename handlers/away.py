"""/vangmat: a reserve donor says they are away, so no call-out asks them until the day they name.

Call-out matching leaves out donors whose `away_until` is on or after the call-out's day
(models/callout_criteria.py); /vangmat 0 resumes call-outs at once. Only the donor sets it.
"""

from __future__ import annotations

from domain.dates import parse_ahead, parse_date, parse_day_month
from handlers.context import Context
from handlers.fields import unreadable_date

RESUME = ("0", "het", "hết", "off", "xong")  # the words that end the absence


async def pause_callouts(ctx: Context, args: str) -> None:
    """/vangmat DATE pauses call-outs until that day; /vangmat 0 resumes them."""
    donor = ctx.donor
    if donor is None:
        ctx.say("not_registered")
        return
    text = args.strip()
    if not text:
        if donor.away_until and donor.away_until >= ctx.today():
            ctx.say("away_status", date=ctx.t.date(donor.away_until))
        else:
            ctx.say("away_usage")
        return
    if text in RESUME:
        donor.away_until = None
        ctx.say("away_cleared")
        return
    today = ctx.today()
    # A day about the future: "25/12" is the next 25 December, "1/1/27" is 2027, "1 tuần" from today.
    until = parse_date(text) or parse_day_month(text, today=today) or parse_ahead(text, today=today)
    if until is None:
        bad = unreadable_date(text, today=today, error="away_usage")
        ctx.say_text(ctx.t(bad.error or "away_usage", **bad.params))
        if bad.error != "away_usage":
            ctx.say("away_usage")
        return
    if until < today:
        ctx.say("away_past", date=ctx.t.date(until), today=ctx.t.date(today))
        return
    donor.away_until = until
    ctx.say("away_set", date=ctx.t.date(until))
