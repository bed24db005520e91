"""One shape for every dialogue: a table of named steps, run by one runner.

A step asks (a catalog key, maybe with buttons), reads the answer into a typed value or an error key,
and names the next step — or a function that chooses it. The runner owns everything around that, once
for all dialogues: the organiser check on every turn, a press of a button that does not belong to the
question ("this button has expired"), the error said before the same question again, and the position
in `State`. /huy, commands typed mid-dialogue, stickers and over-long texts are the dispatcher's
(handlers/router.py); it calls `on_input` and `reprompt`, as for any `Flow`.

    from core import buttons

    def ask_erase(ctx: Context, _page: int) -> None:
        ctx.say("ask_erase", choices=[[ctx.choice("button_erase_yes", buttons.Erase(answer="yes").pack()),
                                       ctx.choice("button_erase_no", buttons.Erase(answer="no").pack())]])

    def read_erase(ctx: Context) -> Parsed:
        pressed = ctx.pressed(buttons.Erase)  # the runner only lets this step's buttons through
        return Parsed(pressed.answer == "yes") if pressed else Parsed(error="error_erase_buttons")

    async def erase(ctx: Context, answer: Parsed) -> str | None:
        ...                                   # None: the dialogue is over (or moved on by itself)

    FLOW = Dialogue(
        name="erase",
        restart="xoa",                        # named in /huy's "stopped, /xoa starts again"
        steps=(Step("confirm", ask_erase, read_erase, erase, buttons=(buttons.Erase,)),),
    )

    await FLOW.begin(ctx)                     # a command starts it: the first step's question

`then` may be a step's name (the runner moves there and asks its question) or a function of the
context and the `Parsed` answer returning the next step's name, or None when it ended the dialogue
or moved it on itself. A function may be async; so may `ask` and `read`. Steps are named by strings
saved in the `conversations` table: renaming one strands the dialogues saved there (they are cleared
with "this button has expired"), so keep old names as steps that carry on (`registration.LEGACY`).
The diagrams in docs/ are drawn from these tables (handlers/flow_diagrams.py): `edges` names the
moves a function may choose, with what makes them.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, overload

from core.buttons import ButtonData
from handlers.context import Context
from handlers.messages import InputKind

B = TypeVar("B", bound=ButtonData)
B2 = TypeVar("B2", bound=ButtonData)
B3 = TypeVar("B3", bound=ButtonData)

END: Final = "[*]"
"""Where an edge of the diagram goes when the dialogue is over."""


@dataclass(frozen=True)
class Parsed:
    """The outcome of reading one answer: a value, an error (catalog key), or a page to show.

    An error is said and the question asked again (`reask=False`: the error says all there is);
    a page alone asks the same question again on that page (the ward list's ‹ / ›), or asks it again
    without a word (page 0: an empty answer).
    """

    value: Any = None
    error: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    page: int | None = None
    reask: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None and self.page is None


Ask = Callable[[Context, int], Awaitable[None] | None]  # (ctx, page)
Read = Callable[[Context], Awaitable[Parsed] | Parsed]
Then = Callable[[Context, Parsed], Awaitable[str | None] | str | None]


def ask_key(key: str) -> Callable[[Context, int], None]:
    """A question that is one catalog key, without buttons."""

    def ask(ctx: Context, _page: int = 0) -> None:
        ctx.say(key)

    return ask


def save_as(key: str | None, following: str) -> Then:
    """Keeps the answer in the dialogue's data — under `key`, or merged when it is a dict and `key` is None —
    and moves to `following`."""

    def then(ctx: Context, answer: Parsed) -> str:
        if key is None:
            ctx.state.data.update(answer.value)
        else:
            ctx.state.data[key] = answer.value
        return following

    return then


@dataclass(frozen=True)
class Edge:
    """A move a step can make, for the diagram: to a step (or `END`), and what makes it."""

    to: str
    label: str = ""


@dataclass(frozen=True)
class Step:
    """One question of a dialogue (see the module docstring)."""

    name: str
    ask: Ask
    read: Read
    then: str | Then | None
    buttons: tuple[type[ButtonData], ...] = ()  # the pressed buttons that answer this question
    foreign: str | None = "error_button_expired"  # said when any other button is pressed (None: nothing)
    edges: tuple[Edge, ...] = ()


async def _run(result: Awaitable[Any] | Any) -> Any:
    return await result if inspect.isawaitable(result) else result


async def organiser_only(ctx: Context) -> bool:
    """The organiser check of every organiser step and button: False (and said) for anyone else."""
    if await ctx.is_organiser():
        return True
    ctx.say("organiser_only")
    return False


@dataclass(frozen=True)
class Dialogue:
    """A dialogue as a table of steps; the object the router registers (a `handlers.router.Flow`)."""

    name: str
    steps: tuple[Step, ...]
    restart: str | None = None  # the command that starts it again, named by /huy
    organisers: bool = False  # every step checks the role again
    donors: bool = False  # only for a registered donor: anyone else's answer ends it ("expired")
    max_text_length: int = 500  # handlers.router.MAX_TEXT_LENGTH unless a step reads more
    entries: tuple[Edge, ...] = ()  # how it starts, for the diagram
    notes: tuple[str, ...] = ()  # said once for every step, for the diagram
    note_on: str = ""  # the step the notes are drawn next to (the last one drawn by default)

    def __post_init__(self) -> None:
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: two steps share a name")

    def step(self, name: str | None) -> Step | None:
        return next((step for step in self.steps if step.name == name), None)

    @property
    def first(self) -> str:
        return self.steps[0].name

    async def begin(self, ctx: Context, step: str | None = None) -> None:
        """Starts the dialogue (after the organiser check, for theirs) at its first step or `step`."""
        if self.organisers and not await organiser_only(ctx):
            return
        ctx.state.go(self.name, step or self.first)
        await self.ask(ctx)

    async def goto(self, ctx: Context, step: str, page: int = 0) -> None:
        """Moves to `step` and asks its question."""
        ctx.state.step = step
        await self.ask(ctx, page)

    async def ask(self, ctx: Context, page: int = 0) -> None:
        """Asks the current step's question."""
        current = self.step(ctx.state.step)
        if current is not None:
            await _run(current.ask(ctx, page))

    async def reprompt(self, ctx: Context) -> None:
        await self.ask(ctx)

    async def on_input(self, ctx: Context) -> None:
        """Reads the answer to the current step and moves on, or says what was wrong and asks again."""
        if self.organisers and not await ctx.is_organiser():
            ctx.state.clear()
            ctx.say("organiser_only")
            return
        current = self.step(ctx.state.step)
        if current is None or (self.donors and ctx.donor is None):  # a step that no longer exists
            ctx.state.clear()
            ctx.say("error_button_expired")
            return
        inc = ctx.incoming
        if inc.kind is InputKind.CHOICE and not any(kind.parse(inc.choice) for kind in current.buttons):
            if current.foreign is not None:
                ctx.say(current.foreign)
            await self.ask(ctx)
            return
        parsed: Parsed = await _run(current.read(ctx))
        if not parsed.ok:
            if parsed.error is not None:
                ctx.say_text(ctx.t(parsed.error, **parsed.params))
            if parsed.reask or parsed.error is None:
                await self.ask(ctx, parsed.page or 0)
            return
        then = current.then
        following = then if then is None or isinstance(then, str) else await _run(then(ctx, parsed))
        if following is not None:
            await self.goto(ctx, following)


@overload
def on_press(
    kinds: type[B],
    handler: Callable[[Context, B], Awaitable[None]],
    *,
    organisers: bool = False,
    invalid: str = "error_button_expired",
) -> Callable[[Context, str], Awaitable[None]]: ...


@overload
def on_press(
    kinds: tuple[type[B], type[B2]],
    handler: Callable[[Context, B | B2], Awaitable[None]],
    *,
    organisers: bool = False,
    invalid: str = "error_button_expired",
) -> Callable[[Context, str], Awaitable[None]]: ...


@overload
def on_press(
    kinds: tuple[type[B], type[B2], type[B3]],
    handler: Callable[[Context, B | B2 | B3], Awaitable[None]],
    *,
    organisers: bool = False,
    invalid: str = "error_button_expired",
) -> Callable[[Context, str], Awaitable[None]]: ...


def on_press(
    kinds: type[ButtonData] | tuple[type[ButtonData], ...],
    handler: Callable[[Context, Any], Awaitable[None]],
    *,
    organisers: bool = False,
    invalid: str = "error_button_expired",
) -> Callable[[Context, str], Awaitable[None]]:
    """A button handler for the router that gets the pressed button typed (core/buttons.py).

    The value is parsed once, here: anything that is not one of `kinds` is answered with `invalid`
    ("this button has expired") without reaching the handler; with `organisers`, the role is checked
    first, on every press.
    """
    declared = kinds if isinstance(kinds, tuple) else (kinds,)
    prefixes = {kind.prefix for kind in declared}
    if len(prefixes) != 1:
        raise ValueError(f"one prefix per handler: {sorted(prefixes)}")

    async def pressed(ctx: Context, payload: str) -> None:
        if organisers and not await organiser_only(ctx):
            return
        for kind in declared:
            if (value := kind.parse_payload(payload)) is not None:
                await handler(ctx, value)
                return
        ctx.say(invalid)

    return pressed
