"""/mydata shows and exports everything stored about the person; /xoa (/delete) erases it."""

from __future__ import annotations

import json

from core import buttons
from handlers import linking
from handlers.context import Context
from handlers.flow import END, Dialogue, Edge, Parsed, Step
from handlers.messages import Attachment
from handlers.profile import show as show_profile
from models import accounts, conversations, donor_export, erasure

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
    text = json.dumps(exported, ensure_ascii=False, indent=2)
    await show_profile(ctx)
    # Where no file can be sent (Zalo) the same JSON comes as text, in as many messages as it takes.
    alt = f"{ctx.t('mydata_alt')}\n\n{text}"
    ctx.say(
        "mydata_file",
        attachment=Attachment("donorbot-du-lieu-cua-toi.json", text.encode(), "application/json", alt=alt),
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
    await FLOW.begin(ctx)


def ask_erase(ctx: Context, _page: int = 0) -> None:
    ctx.say(
        "ask_erase",
        choices=[
            [
                ctx.choice("button_erase_yes", buttons.Erase("yes")),
                ctx.choice("button_erase_no", buttons.Erase("no")),
            ]
        ],
    )


def read_erase(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.Erase)
    return Parsed(pressed.answer == "yes") if pressed is not None else Parsed(error="error_erase_buttons")


async def on_erase(ctx: Context, answer: Parsed) -> None:
    """Erases everything on "yes"; "no" keeps it all."""
    ctx.state.clear()
    if not answer.value or ctx.donor is None:
        ctx.say("erase_cancelled")
        return
    ctx.say("erased")
    chats = [(a.platform, a.chat_id) for a in await accounts.accounts_of(ctx.session, ctx.donor.id)]
    ctx.recent_facts.forget([*chats, (ctx.incoming.platform, ctx.incoming.chat_id)])
    await erasure.erase(ctx.session, ctx.donor, today=ctx.today())
    ctx.state.language = None


FLOW = Dialogue(
    name=ERASE,
    steps=(
        Step(
            "confirm",
            ask_erase,
            read_erase,
            on_erase,
            buttons=(buttons.Erase,),
            edges=(Edge(END, "Yes: everything erased / No: nothing changes"),),
        ),
    ),
    restart="xoa",
    entries=(
        Edge("confirm", "/xoa, /delete (a registered donor; a new chat needs an older chat's approval)"),
    ),
)
