"""Console channel: the same dialogues typed in a terminal, so anyone can try the bot without a token.

Buttons become numbered choices (the core numbers them for every channel without buttons and saves what
the numbers mean: handlers/numbered.py). Attachments are saved under the data folder.

Pushes (reminders, call-outs, notices) come through the same delivery loop as on Telegram
(`bot.bootstrap.serve` runs it for every channel): the channel is the loop's `Sender` for the console
platform. A push to the console's own user is printed as it arrives, its choices numbered after the
ones on screen; a push to another console user (someone registered with `donorbot run --user NAME`) is
listed as "(sent to NAME)" with its text, so one terminal can try the whole bot, call-outs to other
donors included. Pushes print between turns, never inside one. Accounts of other platforms are not the
console's: their pushes wait for their own channel.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.bootstrap import App
from handlers import numbered
from handlers.messages import Attachment, Incoming, InputKind, Replies, Reply
from models import accounts, conversations
from models.outbox import Choices, File

PLATFORM = "console"


class ConsoleChannel:
    """The terminal as a channel (`bot.bootstrap.Channel`) and as the delivery loop's console sender."""

    platform = PLATFORM

    def __init__(
        self,
        app: App,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        user: str | None = None,
        read_line: Callable[[], str] | None = None,
    ) -> None:
        self.app = app
        self.read_line = read_line or self.stdin_line
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.user = user or _os_user()
        self.lang: str = app.settings.bot.default_language
        self._turn = asyncio.Lock()  # held from a typed line to its replies: pushes wait for it

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def to_incoming(self, line: str) -> Incoming:
        """Every line is text: the dispatcher reads a number against the choices it numbered
        (handlers/numbered.py), saved with the conversation."""
        return Incoming(PLATFORM, self.user, self.user, InputKind.TEXT, text=line.strip())

    def show(self, replies: Replies) -> None:
        """Prints one turn's replies (their choices are numbered text already)."""
        for reply in replies:
            self.render(reply)

    def render(self, reply: Reply) -> None:
        t = self.app.catalogs.get(self.lang)
        self.write("")
        self.write(reply.text)
        if reply.attachment is not None:
            self.write(t("console_file_saved", path=str(self.save(reply.attachment))))

    def save(self, attachment: Attachment) -> Path:
        folder = self.app.settings.bot.data_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / attachment.filename
        path.write_bytes(attachment.content)
        return path

    # --- the channel, as the composition root drives it (bot.bootstrap.serve) -------------------------

    async def open(self) -> ConsoleChannel:
        """The console is its own sender: nothing to connect to."""
        return self

    async def close(self) -> None:
        """Nothing to release."""

    def stdin_line(self) -> str:
        return self.stdin.readline()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Reads lines until end of input (or `stop`); each line is one turn."""
        reader = self.read_line
        stopping = asyncio.create_task((stop or asyncio.Event()).wait())
        self.write(self.app.catalogs.get(self.lang)("console_banner"))
        try:
            while True:
                self.prompt()
                reading = asyncio.create_task(asyncio.to_thread(reader))
                await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not reading.done():  # stopped while waiting for a line (the thread ends with it)
                    reading.cancel()
                    self.write("")
                    return
                line = reading.result()
                if not line:
                    self.write("")
                    return
                if not line.strip():
                    continue
                async with self._turn:
                    replies = await self.app.dispatcher.handle(self.to_incoming(line))
                    self.lang = await self._language()
                    if replies:
                        self.show(replies)
        finally:
            stopping.cancel()

    def prompt(self) -> None:
        self.stdout.write("> ")
        self.stdout.flush()

    async def send(
        self,
        *,
        chat_id: str,
        text: str,
        choices: Choices,
        edit_message_id: str | None = None,
        file: File | None = None,
        contact_button: str | None = None,
        remove_keyboard: bool = False,
    ) -> None:
        """The delivery loop's `Sender` for the console: prints a push between two turns.

        A push to this console's user is shown like a reply (an edit, such as a live tally, as a new
        message), its choices numbered after those on screen (`handlers.numbered.number_push`). A push to
        anyone else is listed as "(sent to NAME)" with its text.
        """
        del edit_message_id, remove_keyboard, contact_button  # every message anew, no keyboard
        async with self._turn:
            t = self.app.catalogs.get(self.lang)
            self.write("")
            if chat_id != self.user:
                self.write(t("console_sent_to", who=chat_id))
                self.write(text)
                if file is not None:
                    self.write(t("console_file_sent", name=file.filename))
                for row in choices:
                    for label, _value in row:
                        self.write(f"  – {label}")
            else:
                shown = await numbered.number_push(
                    self.app.sessions,
                    self.app.catalogs,
                    platform=PLATFORM,
                    chat_id=chat_id,
                    text=text,
                    choices=choices,
                    default_language=self.lang,
                )
                self.write(t("console_push"))
                self.render(Reply(shown, attachment=file))
            self.prompt()

    async def _language(self) -> str:
        """The chat's language now (the profile's, or the one chosen before registering)."""
        async with self.app.sessions() as session:
            account = await accounts.account_for(session, platform=PLATFORM, user_id=self.user)
            row = await conversations.load(session, platform=PLATFORM, chat_id=self.user)
        if account is not None and account.donor is not None:
            return account.donor.language
        if row is not None and row.language:
            return row.language
        return self.app.settings.bot.default_language


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in a bare container
        return "local"
