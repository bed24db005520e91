"""Routes one incoming message to a command, the dialogue in progress, a button, or the fallback.

Each turn is one unit of work: load the person and the dialogue state, let the handler run, save the new
state, commit — and only then are the replies sent. If anything fails, the transaction rolls back, the
dialogue stays where it was, and the person gets an apology instead of silence.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import metrics
from core.channels import capabilities
from core.clock import Clock
from core.config import Settings
from core.i18n import Catalogs
from core.knowledge import Knowledge
from domain import clubs, invites, start_codes
from handlers import numbered
from handlers.context import Context, State
from handlers.messages import Incoming, InputKind, Replies, Reply
from handlers.recent_facts import RecentFacts
from models import accounts, conversations
from models.db import connection_lost, loggable
from models.tables import Conversation

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 500  # longer than any answer a dialogue step expects

Handler = Callable[[Context], Awaitable[None]]
CommandHandler = Callable[[Context, str], Awaitable[None]]
ButtonHandler = Callable[[Context, str], Awaitable[None]]
TypedCommand = Callable[..., tuple[str, str] | None]  # (text, *, organiser) -> (command, args)


class Flow(Protocol):
    """A multi-step dialogue whose position is kept in `State` (handlers/flow.py `Dialogue` is one)."""

    @property
    def name(self) -> str: ...

    async def on_input(self, ctx: Context) -> None:
        """Handles an answer to the current step."""
        ...

    async def reprompt(self, ctx: Context) -> None:
        """Asks the current step's question again."""
        ...


@dataclass(frozen=True)
class Command:
    handler: CommandHandler
    # False for commands that answer and let the dialogue in progress continue (/help, /mydata).
    replaces_flow: bool = True


@dataclass
class Routes:
    """Every command, dialogue and button prefix, registered in one place (handlers/registry.py)."""

    commands: dict[str, Command] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    fallback: Handler | None = None
    # A command typed without its slash ("hủy", "lich cua toi"), read outside a dialogue only: inside one
    # the words are an answer ("Huy" is a name).
    typed_command: TypedCommand | None = None


@dataclass
class _Progress:
    """How far a turn got: its language (for the apology) and whether it reached the commit."""

    lang: str | None = None
    committing: bool = False
    organiser: bool = False


def _log_failed_turn(incoming: Incoming, exc: BaseException) -> None:
    """Ids, the error's type (with the database's SQLSTATE and constraint) and where it was raised.

    Never an error's text, and no chained errors: texts and SQL parameters may hold phone numbers or
    health answers, and asyncpg repeats parameter values in its messages.
    """
    frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
    log.error(
        "turn failed on %s chat %s (%s): %s\nTraceback (most recent call last; texts left out):\n%s",
        incoming.platform,
        incoming.chat_id,
        incoming.kind,
        loggable(exc),
        frames.rstrip("\n"),
    )


class Dispatcher:
    """Runs one turn per incoming message; the channel adapters call `handle` and send the replies."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        catalogs: Catalogs,
        clock: Clock,
        routes: Routes,
        knowledge: Knowledge,
    ) -> None:
        self.knowledge = knowledge
        self.bot_username: str | None = None  # set by the Telegram adapter once it knows it
        self.on_pushed: Callable[[], None] | None = None  # wakes the delivery loop
        self.sessions = sessions
        self.settings = settings
        self.catalogs = catalogs
        self.clock = clock
        self.routes = routes
        self.recent_facts = RecentFacts()

    async def handle(self, incoming: Incoming) -> Replies:
        incoming = incoming.cleaned()  # the one place where outside text enters the core
        progress = _Progress()
        started = time.perf_counter()
        try:
            ctx = await self._turn_with_retry(incoming, progress)
        except Exception as exc:
            metrics.UPDATES.labels(incoming.platform, "failed").inc()
            _log_failed_turn(incoming, exc)
            t = self.catalogs.get(progress.lang or incoming.language_hint)
            reply = Reply(t("error_internal", hotline=self.settings.bot.hotline))
            return Replies([reply], taken=False, organiser=progress.organiser, lang=progress.lang)
        metrics.TURN_SECONDS.labels(incoming.platform).observe(time.perf_counter() - started)
        metrics.UPDATES.labels(incoming.platform, "ok").inc()
        if ctx.pushed and self.on_pushed is not None:
            self.on_pushed()
        return Replies(
            ctx.replies, taken=not ctx.press_refused, organiser=progress.organiser, lang=progress.lang
        )

    async def _turn_with_retry(self, incoming: Incoming, progress: _Progress) -> Context:
        """Runs the turn; once more if the database connection was lost before the commit.

        The transaction was rolled back with the connection, so nothing of the first run was written
        and no reply has been sent. A failure during the commit itself is not retried: it may have
        been written.
        """
        try:
            return await self._turn(incoming, progress)
        except Exception as exc:
            if progress.committing or not connection_lost(exc):
                raise
        log.warning(
            "turn on %s chat %s lost its database connection: running it again",
            incoming.platform,
            incoming.chat_id,
        )
        return await self._turn(incoming, progress)

    async def _turn(self, incoming: Incoming, progress: _Progress) -> Context:
        """One unit of work: load the person and the dialogue, route, save the state, commit."""
        caps = capabilities(incoming.platform)
        async with self.sessions() as session, session.begin():
            await conversations.lock_chat(session, platform=incoming.platform, chat_id=incoming.chat_id)
            # `_held` keeps the row until the save: the session's identity map holds rows weakly, and an
            # unchanged row nobody references is dropped, so the save would read it again (a SELECT a turn).
            ctx, shown, _held = await self._context(session, incoming)
            progress.lang = ctx.lang
            progress.organiser = ctx.account is not None and ctx.account.organiser is not None
            await self._route(ctx)
            await self._then(ctx)
            # an invite code may have made this chat an organiser: its Telegram menu follows
            progress.organiser = progress.organiser or (
                ctx.account is not None and ctx.account.organiser is not None
            )
            progress.lang = ctx.lang  # /ngonngu may have changed it
            saved: numbered.Saved | None = None
            if not caps.buttons:  # choices become numbered text; what the numbers mean is saved
                replies = Replies(ctx.replies, taken=not ctx.press_refused)
                rendered, saved = numbered.render_turn(
                    ctx.t,
                    replies,
                    in_dialogue=ctx.state.flow is not None,
                    previous=shown,
                )
                ctx.replies[:] = rendered
            await conversations.save(
                session,
                platform=incoming.platform,
                chat_id=incoming.chat_id,
                flow=ctx.state.flow,
                step=ctx.state.step,
                data=ctx.state.data,
                language=ctx.state.language,
                now=ctx.now(),
                choices=saved,
            )
            await session.flush()
            progress.committing = True  # leaving the block commits
        return ctx

    async def _context(
        self, session: AsyncSession, incoming: Incoming
    ) -> tuple[Context, numbered.Saved, Conversation | None]:
        """The turn's context, the numbered choices the chat was last shown (no-button channels), and the
        conversation row it was read from."""
        account = await accounts.account_for(session, platform=incoming.platform, user_id=incoming.user_id)
        if account is not None:
            if account.unreachable_at is not None:
                account.unreachable_at = None  # they wrote to us: they unblocked the bot
            await accounts.seen(session, account, self.clock.now())  # their pushes come here now
        row = await conversations.load(session, platform=incoming.platform, chat_id=incoming.chat_id)
        state = State()
        now = self.clock.now()
        shown: numbered.Saved = []
        if row is not None:
            state.language = row.language
            ttl = timedelta(hours=self.settings.bot.conversation_ttl_hours)
            if row.flow and row.updated_at >= now - ttl:
                state.flow, state.step, state.data = row.flow, row.step, dict(row.data or {})
            shown = numbered.saved_of(row.choices)
        incoming = self._picked(incoming, shown)
        context = Context(
            session=session,
            settings=self.settings,
            catalogs=self.catalogs,
            clock=self.clock,
            incoming=incoming,
            state=state,
            knowledge=self.knowledge,
            account=account,
            bot_username=self.bot_username,
            recent_facts=self.recent_facts,
        )
        return context, shown, row

    @staticmethod
    def _picked(incoming: Incoming, shown: numbered.Saved) -> Incoming:
        """A typed number or the words of a choice shown on a chat without buttons, as that choice."""
        if not shown or incoming.kind is not InputKind.TEXT or not incoming.text or incoming.command:
            return incoming
        if len(incoming.text) > MAX_TEXT_LENGTH or (value := numbered.match(incoming.text, shown)) is None:
            return incoming
        return replace(incoming, kind=InputKind.CHOICE, choice=value, text=None)

    def _typed_command(self, ctx: Context, flow: Flow | None) -> tuple[str, str] | None:
        """A poster's short code ("DK 12", in a dialogue too: it cannot be an answer), an organiser's
        invite code ("K7M2-QX9P"; without the dash only outside a dialogue), or a command's words typed
        without the slash, when no dialogue is waiting for an answer."""
        text = ctx.incoming.text
        if ctx.incoming.kind is InputKind.TEXT and text and (payload := start_codes.payload_of(text)):
            return "start", payload
        if (
            ctx.incoming.kind is InputKind.TEXT
            and text
            and (code := invites.typed_code(text, in_dialogue=flow is not None)) is not None
        ):
            return "nhanma", code
        if flow is None and ctx.incoming.kind is InputKind.TEXT and text and (club := clubs.typed_code(text)):
            return "thamgia", club  # a club's join code ("CLB-7K2MQX"), outside a dialogue
        if flow is not None or self.routes.typed_command is None or ctx.incoming.kind is not InputKind.TEXT:
            return None
        if not text or len(text) > MAX_TEXT_LENGTH:
            return None
        organiser = ctx.account is not None and ctx.account.organiser is not None
        return self.routes.typed_command(text, organiser=organiser)

    async def _then(self, ctx: Context) -> None:
        """Runs the button a handler left in `ctx.then` (`Context.then`), in the same unit of work."""
        if ctx.then is not None:
            prefix, _, payload = ctx.then.partition(":")
            ctx.then = None
            if (button := self.routes.buttons.get(prefix)) is not None:
                await button(ctx, payload)

    async def _route(self, ctx: Context) -> None:
        incoming = ctx.incoming
        if incoming.in_group:
            # Nothing personal is asked or shown in a group: a command gets the way to a private chat,
            # the group's conversation is left alone.
            if incoming.command or self._typed_command(ctx, None):
                ctx.say("group_private_only")
            return
        flow = self.routes.flows.get(ctx.state.flow) if ctx.state.flow else None
        if ctx.state.flow and flow is None:
            ctx.state.clear()  # a flow that no longer exists after an upgrade
        if (command := incoming.command or self._typed_command(ctx, flow)) is not None:
            name, args = command
            spec = self.routes.commands.get(name)
            if spec is None:
                ctx.say("error_unknown_command", command=f"/{name}")
                if flow is not None:
                    await flow.reprompt(ctx)
                return
            position = (ctx.state.flow, ctx.state.step)
            await spec.handler(ctx, args)
            if not spec.replaces_flow and flow is not None and (ctx.state.flow, ctx.state.step) == position:
                await flow.reprompt(ctx)
            return
        if incoming.kind is InputKind.CHOICE and incoming.choice:
            prefix, _, payload = incoming.choice.partition(":")
            if (button := self.routes.buttons.get(prefix)) is not None:
                # Buttons of a message shown outside the dialogue (profile, language) work anytime.
                position = (ctx.state.flow, ctx.state.step)
                await button(ctx, payload)
                if flow is not None and (ctx.state.flow, ctx.state.step) == position:
                    await flow.reprompt(ctx)
                return
        if flow is not None:
            limit = int(getattr(flow, "max_text_length", MAX_TEXT_LENGTH))  # /thongbao takes 1,500
            if incoming.kind is InputKind.OTHER:
                ctx.say("error_not_text")
                await flow.reprompt(ctx)
            elif incoming.text is not None and len(incoming.text) > limit:
                ctx.say("error_too_long", limit=limit)
                await flow.reprompt(ctx)
            else:
                await flow.on_input(ctx)
            return
        if incoming.kind is InputKind.CHOICE:
            ctx.say("error_button_expired")
            return
        if self.routes.fallback is not None:
            await self.routes.fallback(ctx)
