"""Console channel: the same dialogues typed in a terminal, so anyone can try the bot without a token.

Buttons become numbered choices, numbered through each turn; a number picks only among the choices of
the latest turn (see `ConsoleChannel.show`). Attachments are saved under the data folder. The console
runs no delivery loop: pushes (reminders, call-outs) are not shown here.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from bot.bootstrap import App
from domain.ids import parse_int
from handlers.messages import Choice, Incoming, InputKind, Replies, Reply
from models import conversations, donors

PLATFORM = "console"


class ConsoleChannel:
    def __init__(
        self,
        app: App,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        user: str | None = None,
    ) -> None:
        self.app = app
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.user = user or _os_user()
        self.choices: list[Choice] = []
        self.lang: str = app.settings.bot.default_language

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def to_incoming(self, line: str) -> Incoming:
        """A number picks one of the choices the latest turn offered; anything else is text."""
        text = line.strip()
        if (number := parse_int(text, minimum=1, maximum=len(self.choices))) is not None:
            choice = self.choices[number - 1].value
            return Incoming(PLATFORM, self.user, self.user, InputKind.CHOICE, choice=choice)
        return Incoming(PLATFORM, self.user, self.user, InputKind.TEXT, text=text)

    def show(self, replies: Replies, *, in_dialogue: bool) -> None:
        """Prints one turn's replies; their choices become the only ones a typed number can pick.

        Choices are numbered through the turn (a second reply's buttons go on from 3, not from 1
        again), so every number shown means one button. A turn that offers no choices makes digits
        plain text, and so does a dialogue whose question (the turn's last reply) has none: "2" then
        answers "how many units?" even if the turn also showed buttons (/ngonngu in the middle of a
        question). Those buttons are then listed without numbers. A turn that did not take what was
        typed (it failed, or refused a press) and offers nothing new leaves the earlier choices.
        """
        offered = [choice for reply in replies for choice in reply.all_choices()]
        numbered = bool(offered) and not (in_dialogue and not replies[-1].all_choices())
        first = 1
        for reply in replies:
            self.render(reply, first=first if numbered else None)
            first += len(reply.all_choices())
        if numbered:
            self.choices = offered
        elif offered or replies.taken:
            self.choices = []

    def render(self, reply: Reply, *, first: int | None = 1) -> None:
        """Prints one reply; its choices numbered from `first`, or listed unnumbered when None."""
        t = self.app.catalogs.get(self.lang)
        self.write("")
        self.write(reply.text)
        if reply.attachment is not None:
            folder = self.app.settings.bot.data_dir / "exports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / reply.attachment.filename
            path.write_bytes(reply.attachment.content)
            self.write(t("console_file_saved", path=str(path)))
        offered = reply.all_choices()
        if offered and first is not None:
            self.write(t("console_pick"))
            for number, choice in enumerate(offered, start=first):
                self.write(f"  {number}) {choice.label}")
        else:
            for choice in offered:
                self.write(f"  – {choice.label}")
        if reply.request_contact:
            self.write(t("console_contact"))

    async def run(self, read_line: Callable[[], str] | None = None) -> None:
        """Reads lines until end of input; each line is one turn."""
        reader = read_line or self.stdin.readline
        self.write(self.app.catalogs.get(self.lang)("console_banner"))
        while True:
            self.stdout.write("> ")
            self.stdout.flush()
            line = await asyncio.to_thread(reader)
            if not line:
                self.write("")
                return
            if not line.strip():
                continue
            replies = await self.app.dispatcher.handle(self.to_incoming(line))
            self.lang, in_dialogue = await self._after_turn()
            if replies:
                self.show(replies, in_dialogue=in_dialogue)

    async def _after_turn(self) -> tuple[str, bool]:
        """The chat's language now, and whether a dialogue is in progress."""
        async with self.app.sessions() as session:
            account = await donors.account_for(session, platform=PLATFORM, user_id=self.user)
            row = await conversations.load(session, platform=PLATFORM, chat_id=self.user)
        in_dialogue = row is not None and row.flow is not None
        if account is not None and account.donor is not None:
            return account.donor.language, in_dialogue
        if row is not None and row.language:
            return row.language, in_dialogue
        return self.app.settings.bot.default_language, in_dialogue


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return "local"
