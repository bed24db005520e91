"""Commands every journey shares: /help, /huy, language, and the answer to text outside a dialogue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from core import buttons
from domain import commands
from domain.roles import Grant
from handlers.context import Context


def command_lines(ctx: Context, *, organiser: bool, grant: Grant | None = None) -> str:
    """ "/lichhien – Lịch các buổi hiến máu sắp tới" per menu command (everyone's, or the organisers' —
    those `grant` may use, when given), named in the person's language."""
    return "\n".join(
        f"/{spec.name(ctx.lang)} – {ctx.t(f'cmd_{spec.key}')}"
        for spec in commands.COMMANDS
        if spec.menu
        and spec.organiser == organiser
        and (grant is None or spec.capability is None or grant.may(spec.capability))
    )


async def help_(ctx: Context, _args: str = "") -> None:
    """Lists what the bot can do (and, for organisers, the commands their role may use: domain.roles)."""
    ctx.say("help", commands=command_lines(ctx, organiser=False), hotline=ctx.settings.bot.hotline)
    grant = await ctx.grant() if ctx.account is not None and ctx.account.organiser is not None else None
    if grant is not None and (lines := command_lines(ctx, organiser=True, grant=grant)):
        ctx.say("help_organiser", commands=lines, drives=commands.name("lichhien", ctx.lang))


def say_cancelled(ctx: Context, restart: str | None) -> None:
    """ "Stopped", and the command that starts the same dialogue again (in the person's language)."""
    if restart is None:
        ctx.say("cancelled_plain")
    else:
        ctx.say("cancelled", command=commands.name(restart, ctx.lang))


def cancel_command(restart: Mapping[str, str]) -> Callable[[Context, str], Awaitable[None]]:
    """/huy: `restart` names, per dialogue, the command that starts it again."""

    async def cancel(ctx: Context, _args: str = "") -> None:
        """Leaves any dialogue and forgets its unconfirmed answers."""
        flow = ctx.state.flow
        if flow is None:
            ctx.say("cancel_nothing")
            return
        ctx.state.clear()  # the chosen language stays for the next try
        say_cancelled(ctx, restart.get(flow))

    return cancel


async def language(ctx: Context, _args: str = "") -> None:
    """Offers the languages."""
    ctx.say(
        "ask_language",
        choices=[ctx.language_choices(buttons.SetLanguage)],
    )


async def on_language_button(ctx: Context, pressed: buttons.SetLanguage) -> None:
    lang = pressed.lang
    if ctx.donor is not None:
        ctx.donor.language = lang
        ctx.donor.updated_at = ctx.now()
    else:
        ctx.state.language = lang
    ctx.say("language_set")
