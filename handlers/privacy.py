"""/mydata shows and exports everything stored about the person; /xoa (/delete) erases it."""

from __future__ import annotations

import json

from handlers import linking
from handlers.context import Context
from handlers.messages import Attachment, InputKind
from handlers.profile import show as show_profile
from models import conversations, donor_export, erasure

ERASE = "erase"


async def my_data(ctx: Context, _args: str = "") -> None:
    """Sends the profile text and a JSON file with every stored value."""
    donor = ctx.donor
    if donor is None:
        ctx.say("mydata_nothing")
        return
    if not await linking.guard(ctx, "mydata"):
        return
    exported = await donor_export.export(ctx.session, donor)
    payload = json.dumps(exported, ensure_ascii=False, indent=2).encode("utf-8")
    await show_profile(ctx)
    ctx.say(
        "mydata_file",
        attachment=Attachment("donorbot-du-lieu-cua-toi.json", payload, "application/json"),
    )


async def start_erase(ctx: Context, _args: str = "") -> None:
    """Asks for confirmation before erasing."""
    if ctx.donor is None:
        ctx.state.clear()
        await conversations.forget(ctx.session, platform=ctx.incoming.platform, chat_id=ctx.incoming.chat_id)
        ctx.say("erase_nothing")
        return
    if not await linking.guard(ctx, "erase"):
        return
    ctx.state.go(ERASE, "confirm")
    ask_erase(ctx)


def ask_erase(ctx: Context) -> None:
    ctx.say(
        "ask_erase",
        choices=[
            [
                ctx.choice("button_erase_yes", "erase:yes"),
                ctx.choice("button_erase_no", "erase:no"),
            ]
        ],
    )


class EraseFlow:
    name = ERASE

    async def on_input(self, ctx: Context) -> None:
        """Erases everything on "yes"; "no" keeps it all."""
        inc = ctx.incoming
        if inc.kind is not InputKind.CHOICE or inc.choice not in ("erase:yes", "erase:no"):
            expired = inc.kind is InputKind.CHOICE
            ctx.say("error_button_expired" if expired else "error_erase_buttons")
            ask_erase(ctx)
            return
        ctx.state.clear()
        if inc.choice == "erase:no" or ctx.donor is None:
            ctx.say("erase_cancelled")
            return
        ctx.say("erased")
        await erasure.erase(ctx.session, ctx.donor, today=ctx.today())
        ctx.state.language = None

    async def reprompt(self, ctx: Context) -> None:
        ask_erase(ctx)


FLOW = EraseFlow()
