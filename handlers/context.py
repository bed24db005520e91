"""What a handler gets for one turn: the DB session, the person, the dialogue state, texts and a clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from core.buttons import ButtonData
from core.channels import capabilities
from core.clock import Clock
from core.config import Settings
from core.i18n import Catalogs, Translator
from core.knowledge import Knowledge
from domain import start_codes
from domain.roles import Grant
from handlers.messages import Attachment, Choice, Incoming, InputKind, Reply
from handlers.recent_facts import RecentFacts
from models import organisers
from models.tables import ChannelAccount, Donor

B = TypeVar("B", bound=ButtonData)


@dataclass
class State:
    """The dialogue in progress in this chat: which flow, which step, the answers so far."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    language: str | None = None

    def go(self, flow: str, step: str) -> None:
        if flow != self.flow:
            self.data = {}
        self.flow, self.step = flow, step

    def clear(self) -> None:
        """Ends the dialogue and forgets its answers (the chosen language stays)."""
        self.flow, self.step, self.data = None, None, {}


@dataclass
class Context:
    session: AsyncSession
    settings: Settings
    catalogs: Catalogs
    clock: Clock
    incoming: Incoming
    state: State
    knowledge: Knowledge
    account: ChannelAccount | None = None
    bot_username: str | None = None  # for deep links (t.me/<bot>?start=...)
    pushed: bool = False  # the turn queued outbox rows: wake the delivery loop after the commit
    # The button press was refused (its slot filled meanwhile): the pressed message keeps its buttons,
    # so the person can press another one (see `handlers.messages.Replies.taken`).
    press_refused: bool = False
    replies: list[Reply] = field(default_factory=list)
    # The facts of the chat's last free-text verdict, for a follow-up ("còn nếu tôi 50kg?"); the
    # dispatcher's own, so nothing is shared between apps.
    recent_facts: RecentFacts = field(default_factory=RecentFacts)
    # Button data the router runs after this turn's handler, as if pressed: a dialogue that ends on another
    # journey's screen (registration on the deep-linked drive day) names that screen instead of importing it.
    then: str | None = None

    def start_links(self, payload: str) -> str:
        """Where a poster sends people for `payload` ("drive_12"), one line per way in: the Telegram
        link that carries it, the Zalo link with the short code to type ("DK 12"), and the code alone,
        which works on every channel (`domain.start_codes`)."""
        code = start_codes.code_for(payload)
        lines = []
        if self.bot_username:
            lines.append(
                self.t("start_link_telegram", link=f"https://t.me/{self.bot_username}?start={payload}")
            )
        if code and self.settings.zalo.bot_link:
            lines.append(self.t("start_link_zalo", link=self.settings.zalo.bot_link, code=code))
        if code:
            lines.append(self.t("start_link_code", code=code))
        return "\n".join(lines) or f"/start {payload}"

    @property
    def donor(self) -> Donor | None:
        return self.account.donor if self.account is not None else None

    @property
    def lang(self) -> str:
        if self.state.language:
            return self.state.language
        if self.donor is not None:
            return self.donor.language
        return self.settings.bot.default_language

    @property
    def t(self) -> Translator:
        translator = self.catalogs.get(self.reply_lang or self.lang)
        return (
            translator
            if capabilities(self.incoming.platform).buttons
            else translator.for_variant("nobuttons")
        )

    # Set when a free-text question was understood in the other language than the chat's.
    reply_lang: str | None = None

    @property
    def actor(self) -> str:
        """Who did it, for the audit log: the chat account (`telegram:123`), never a name."""
        return f"{self.incoming.platform}:{self.incoming.user_id}"

    async def is_organiser(self) -> bool:
        """Whether this chat account holds an organiser role, any of `domain.roles` (menus, staff rows)."""
        return await organisers.is_organiser(
            self.session, platform=self.incoming.platform, user_id=self.incoming.user_id
        )

    async def grant(self) -> Grant | None:
        """This chat account's role and scope, read afresh (checked on every organiser action:
        `handlers.flow.organiser_only`); None for anyone without a role."""
        return await organisers.grant_of(
            self.session, platform=self.incoming.platform, user_id=self.incoming.user_id
        )

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the configured time zone (what "today" means to the person)."""
        return self.clock.now().astimezone(self.settings.tz).date()

    def say(
        self,
        key: str,
        /,
        *,
        choices: Sequence[Sequence[Choice]] = (),
        request_contact: str | None = None,
        remove_keyboard: bool = False,
        attachment: Attachment | None = None,
        edit: bool = False,
        **params: object,
    ) -> None:
        """Queues a reply from a catalog key; sent after the turn's transaction commits."""
        self.say_text(
            self.t(key, **params),
            choices=choices,
            request_contact=request_contact,
            remove_keyboard=remove_keyboard,
            attachment=attachment,
            edit=edit,
        )

    def say_text(
        self,
        text: str,
        *,
        choices: Sequence[Sequence[Choice]] = (),
        request_contact: str | None = None,
        remove_keyboard: bool = False,
        attachment: Attachment | None = None,
        edit: bool = False,
    ) -> None:
        """Queues an already translated text (composed from catalog entries)."""
        self.replies.append(
            Reply(
                text=text,
                choices=tuple(tuple(row) for row in choices),
                request_contact=request_contact,
                remove_keyboard=remove_keyboard,
                attachment=attachment,
                edit=edit and self.incoming.kind is InputKind.CHOICE,
            )
        )

    def typed(self) -> str | None:
        """The stripped text the person typed this turn (None for buttons, contacts, stickers)."""
        inc = self.incoming
        return inc.text.strip() if inc.kind is InputKind.TEXT and inc.text else None

    def pressed(self, kind: type[B]) -> B | None:
        """The typed value of the button pressed this turn, if it is one of `kind` (core/buttons.py)."""
        inc = self.incoming
        return kind.parse(inc.choice) if inc.kind is InputKind.CHOICE else None

    def language_choices(self, kind: Callable[[str], ButtonData]) -> list[Choice]:
        """One button per language, each named in its own language (from its own catalog)."""
        return [
            Choice(self.catalogs.get(lang)("language_name"), kind(lang).pack())
            for lang in self.catalogs.languages()
        ]

    def choice(self, key: str, value: str | ButtonData, **params: object) -> Choice:
        """A button whose label comes from the catalog."""
        return Choice(self.t(key, **params), value if isinstance(value, str) else value.pack())
