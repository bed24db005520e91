"""Commands every journey shares: /help, /huy, language, and the answer to text outside a dialogue."""

from __future__ import annotations

from handlers.context import Context


async def help_(ctx: Context, _args: str = "") -> None:
    """Lists what the bot can do (and, for organisers, their commands)."""
    ctx.say("help", hotline=ctx.settings.bot.hotline)
    if ctx.account is not None and ctx.account.organiser is not None:
        ctx.say("help_organiser")


async def cancel(ctx: Context, _args: str = "") -> None:
    """Leaves any dialogue and forgets its unconfirmed answers."""
    if ctx.state.flow is None:
        ctx.say("cancel_nothing")
        return
    ctx.state.clear()  # the chosen language stays for the next try
    ctx.say("cancelled")


async def language(ctx: Context, _args: str = "") -> None:
    """Offers the languages."""
    ctx.say(
        "ask_language",
        choices=[ctx.language_choices("setlang")],
    )


async def on_language_button(ctx: Context, lang: str) -> None:
    if lang not in ctx.catalogs.languages():
        ctx.say("error_button_expired")
        return
    if ctx.donor is not None:
        ctx.donor.language = lang
        ctx.donor.updated_at = ctx.now()
    else:
        ctx.state.language = lang
    ctx.say("language_set")
