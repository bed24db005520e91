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
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Final, TypeVar, overload

from core.buttons import ButtonData
from domain.figures import Scope, ScopeKind
from domain.roles import CAPABILITIES, Capability, Grant
from handlers.context import Context
from handlers.messages import InputKind
from models import audit
from models.tables import Callout, Donor, DriveDay, Signup

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


REFUSED: Final = "organiser.refused"
"""The audit action of an organiser's attempt their role or scope does not allow."""
REFUSAL_QUIET: Final = timedelta(minutes=10)
"""The same refusal (actor and target) is written once in this time: one row says it happened, and a
burst of presses of a forged or stale button adds nothing (the question asked of the audit log)."""


async def organiser_only(ctx: Context, capability: Capability | None = None) -> bool:
    """The check of every organiser command, dialogue step and button (`domain.roles`): False (and said)
    unless the chat holds a role whose table row has `capability` (any role when None: the registry has
    checked the capability before such a call). Someone without a role hears "for organisers only"; a
    role without the capability hears what it may do instead, and the attempt is audited."""
    grant = await ctx.grant()
    if grant is None:
        ctx.say("organiser_only")
        return False
    if capability is None or grant.may(capability):
        return True
    await refuse(ctx, capability, grant=grant)
    return False


def scope_name(ctx: Context, scope: Scope) -> str:
    """ "toàn địa bàn", "phường/xã Tam Lưu", "buổi hiến máu số 12"…"""
    return ctx.t(f"role_scope_{scope.kind.value}", name=scope.name or "")


def may_list(ctx: Context, grant: Grant) -> str:
    """What the role may do, in table order ("nothing yet" for a club leader)."""
    allowed = [ctx.t(f"role_may_{c.value}") for c in CAPABILITIES if grant.may(c)]
    return ", ".join(allowed) if allowed else ctx.t("role_may_nothing")


async def refuse(
    ctx: Context,
    capability: Capability,
    *,
    grant: Grant | None = None,
    target: str | None = None,
) -> None:
    """Says that the role (or, with `target`, its scope) does not allow this and what it may do, and
    audits the attempt: `organiser.refused` with the capability and the target's id, never a name.

    Refusals of people without any role are not audited: anyone may type /khancap, and a log of every
    donor's curiosity would bury the attempts that matter (a role used outside its scope). The same
    refusal again within `REFUSAL_QUIET` is said but not written again."""
    grant = grant or await ctx.grant()
    if grant is None:
        ctx.say("organiser_only")
        return
    scope = grant.effective_scope
    key = "role_refused_scope" if target is not None else "role_refused"
    ctx.say(
        key,
        role=ctx.t(f"role_{grant.known_role.value if grant.known_role else 'unknown'}"),
        scope=scope_name(ctx, scope),
        task=ctx.t(f"role_may_{capability.value}"),
        may=may_list(ctx, grant),
    )
    details: dict[str, object] = {
        "capability": capability.value,
        "role": grant.role,
        "scope": scope.kind.value,
    }
    if scope.kind is ScopeKind.DRIVE_DAY:
        details["scope_id"] = scope.drive_day_id  # an id; ward and organisation names stay out
    written_as = target or f"capability:{capability.value}"
    since = ctx.now() - REFUSAL_QUIET
    if await audit.recorded_since(
        ctx.session, actor=ctx.actor, action=REFUSED, target=written_as, since=since
    ):
        return
    await audit.record(
        ctx.session, actor=ctx.actor, action=REFUSED, target=written_as, details=details, now=ctx.now()
    )


async def scope_of(ctx: Context) -> Scope | None:
    """The scope the chat's role works in (the area for an admin), or None without a role."""
    grant = await ctx.grant()
    return None if grant is None else grant.effective_scope


async def within_scope(
    ctx: Context,
    capability: Capability,
    *,
    drive_day_id: int,
    ward: str | None,
    donor_ward: str | None = None,
    donor_organisation: str | None = None,
) -> bool:
    """Whether the chat's role may do `capability` at this drive day (`Scope.holds_drive_day`: the area,
    a day held in the ward, the desk's own day) or, for an organisation's organiser, for this donor of
    theirs; else says so with what the role may do, audited (`refuse`)."""
    grant = await ctx.grant()
    if grant is None:
        ctx.say("organiser_only")
        return False
    scope = grant.effective_scope
    if not grant.may(capability):
        await refuse(ctx, capability, grant=grant)
        return False
    if scope.holds_signup(
        drive_day_id=drive_day_id, ward=ward, donor_ward=donor_ward, donor_organisation=donor_organisation
    ):
        return True
    await refuse(ctx, capability, grant=grant, target=f"drive_day:{drive_day_id}")
    return False


async def callout_in_scope(ctx: Context, callout: Callout) -> bool:
    """Whether the chat's role may follow this call-out (`Scope.holds_callout`); else refused, audited."""
    grant = await ctx.grant()
    if grant is None:
        ctx.say("organiser_only")
        return False
    if grant.may(Capability.CALLOUT) and grant.effective_scope.holds_callout(
        wards=callout.wards, wards_only=callout.wards_only
    ):
        return True
    target = f"callout:{callout.id}" if grant.may(Capability.CALLOUT) else None
    await refuse(ctx, Capability.CALLOUT, grant=grant, target=target)
    return False


async def signup_in_scope(ctx: Context, capability: Capability, signup: Signup) -> bool:
    """`within_scope` for a sign-up at the desk: its drive day (a desk's own day, a day held in the
    ward organiser's ward, any for the area), or its donor for an organisation's organiser."""
    drive_day = await ctx.session.get(DriveDay, signup.drive_day_id)
    donor = await ctx.session.get(Donor, signup.donor_id) if signup.donor_id is not None else None
    return await within_scope(
        ctx,
        capability,
        drive_day_id=signup.drive_day_id,
        ward=drive_day.ward if drive_day is not None else None,
        donor_ward=donor.ward if donor is not None else None,
        donor_organisation=donor.organisation if donor is not None else None,
    )


@dataclass(frozen=True)
class Dialogue:
    """A dialogue as a table of steps; the object the router registers (a `handlers.router.Flow`)."""

    name: str
    steps: tuple[Step, ...]
    restart: str | None = None  # the command that starts it again, named by /huy
    organisers: bool = False  # every step checks the role again
    # What the role must be able to do (`domain.roles`), set by the registry (`needing`); None: any role.
    capability: Capability | None = None
    donors: bool = False  # only for a registered donor: anyone else's answer ends it ("expired")
    max_text_length: int = 500  # handlers.router.MAX_TEXT_LENGTH unless a step reads more
    entries: tuple[Edge, ...] = ()  # how it starts, for the diagram
    notes: tuple[str, ...] = ()  # said once for every step, for the diagram
    note_on: str = ""  # the step the notes are drawn next to (the last one drawn by default)

    def __post_init__(self) -> None:
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: two steps share a name")

    def needing(self, capability: Capability) -> Dialogue:
        """This dialogue checking `capability` on every turn (the registry's declaration)."""
        return replace(self, capability=capability)

    def step(self, name: str | None) -> Step | None:
        return next((step for step in self.steps if step.name == name), None)

    @property
    def first(self) -> str:
        return self.steps[0].name

    async def begin(self, ctx: Context, step: str | None = None) -> None:
        """Starts the dialogue (after the organiser check, for theirs) at its first step or `step`."""
        if self.organisers and not await organiser_only(ctx, self.capability):
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
        if self.organisers and not await organiser_only(ctx, self.capability):
            ctx.state.clear()
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
    capability: Capability | None = None,
    invalid: str = "error_button_expired",
) -> Callable[[Context, str], Awaitable[None]]: ...


@overload
def on_press(
    kinds: tuple[type[B], type[B2]],
    handler: Callable[[Context, B | B2], Awaitable[None]],
    *,
    capability: Capability | None = None,
    invalid: str = "error_button_expired",
) -> Callable[[Context, str], Awaitable[None]]: ...


@overload
def on_press(
    kinds: tuple[type[B], type[B2], type[B3]],
    handler: Callable[[Context, B | B2 | B3], Awaitable[None]],
    *,
    capability: Capability | None = None,
    invalid: str = "error_button_expired",
) -> Callable[[Context, str], Awaitable[None]]: ...


def on_press(
    kinds: type[ButtonData] | tuple[type[ButtonData], ...],
    handler: Callable[[Context, Any], Awaitable[None]],
    *,
    capability: Capability | None = None,
    invalid: str = "error_button_expired",
) -> Callable[[Context, str], Awaitable[None]]:
    """A button handler for the router that gets the pressed button typed (core/buttons.py).

    The value is parsed once, here: anything that is not one of `kinds` is answered with `invalid`
    ("this button has expired") without reaching the handler; with `capability` (an organiser's button,
    declared in the registry), the role is checked first, on every press (`organiser_only`).
    """
    declared = kinds if isinstance(kinds, tuple) else (kinds,)
    prefixes = {kind.prefix for kind in declared}
    if len(prefixes) != 1:
        raise ValueError(f"one prefix per handler: {sorted(prefixes)}")

    async def pressed(ctx: Context, payload: str) -> None:
        if capability is not None and not await organiser_only(ctx, capability):
            return
        for kind in declared:
            if (value := kind.parse_payload(payload)) is not None:
                await handler(ctx, value)
                return
        ctx.say(invalid)

    return pressed
