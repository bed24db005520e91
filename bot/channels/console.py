"""Console channel: the same dialogues typed in a terminal, so anyone can try the bot without a token.

Buttons become numbered choices; attachments are saved under the data folder.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from bot.bootstrap import App
from domain.ids import parse_int
from handlers.messages import Choice, Incoming, InputKind, Reply
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
        text = line.strip()
        if (number := parse_int(text, minimum=1, maximum=len(self.choices))) is not None:
            choice = self.choices[number - 1].value
            return Incoming(PLATFORM, self.user, self.user, InputKind.CHOICE, choice=choice)
        return Incoming(PLATFORM, self.user, self.user, InputKind.TEXT, text=text)

    def render(self, reply: Reply) -> None:
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
        if offered:
            self.choices = offered
            self.write(t("console_pick"))
            for number, choice in enumerate(offered, start=1):
                self.write(f"  {number}) {choice.label}")
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
            incoming = self.to_incoming(line)
            if incoming.kind is InputKind.TEXT:
                self.choices = []
            replies = await self.app.dispatcher.handle(incoming)
            self.lang = await self._language()
            for reply in replies:
                self.render(reply)

    async def _language(self) -> str:
        async with self.app.sessions() as session:
            account = await donors.account_for(session, platform=PLATFORM, user_id=self.user)
            if account is not None and account.donor is not None:
                return account.donor.language
            row = await conversations.load(session, platform=PLATFORM, chat_id=self.user)
            if row is not None and row.language:
                return row.language
        return self.app.settings.bot.default_language


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return "local"
