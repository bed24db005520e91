"""Console channel: the same dialogues typed in a terminal, so anyone can try the bot without a token.

Buttons become numbered choices, numbered through each turn; a number picks only among the choices of
the latest turn (see `ConsoleChannel.show`). Attachments are saved under the data folder.

Pushes (reminders, call-outs, notices) come through the same delivery loop as on Telegram
(`bot.bootstrap.serve` runs it for every channel): the channel is the loop's `Sender` for the console
platform. A push to the console's own user is printed as it arrives, its buttons numbered after the
current choices; a push to another console user (someone registered with `donorbot run --user NAME`) is
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
from domain.ids import parse_int
from handlers.messages import Attachment, Choice, Incoming, InputKind, Replies, Reply
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
        self.choices: list[Choice] = []
        self.lang: str = app.settings.bot.default_language
        self.in_dialogue = False
        self._turn = asyncio.Lock()  # held from a typed line to its replies: pushes wait for it

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
            self.write(t("console_file_saved", path=str(self.save(reply.attachment))))
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
                    self.lang, self.in_dialogue = await self._after_turn()
                    if replies:
                        self.show(replies, in_dialogue=self.in_dialogue)
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
        message), its buttons numbered after the current choices so every number shown still means one
        button; in a dialogue whose question takes a typed answer they are listed without numbers, as
        in `show`. A push to anyone else is listed as "(sent to NAME)" with its text.
        """
        del edit_message_id, remove_keyboard  # the terminal shows every message anew, with no keyboard
        async with self._turn:
            t = self.app.catalogs.get(self.lang)
            attachment = None if file is None else Attachment(file.filename, file.content, file.mime_type)
            if chat_id != self.user:
                self.write("")
                self.write(t("console_sent_to", who=chat_id))
                self.write(text)
                if attachment is not None:
                    self.write(t("console_file_sent", name=attachment.filename))
                for row in choices:
                    for label, _value in row:
                        self.write(f"  – {label}")
                self.prompt()
                return
            reply = Reply(
                text=text,
                choices=tuple(tuple(Choice(label, value) for label, value in row) for row in choices),
                request_contact=contact_button,
                attachment=attachment,
            )
            offered = reply.all_choices()
            numbered = bool(offered) and not (self.in_dialogue and not self.choices)
            self.write("")
            self.write(t("console_push"))
            self.render(reply, first=len(self.choices) + 1 if numbered else None)
            if numbered:
                self.choices = [*self.choices, *offered]
            self.prompt()

    async def _after_turn(self) -> tuple[str, bool]:
        """The chat's language now, and whether a dialogue is in progress."""
        async with self.app.sessions() as session:
            account = await accounts.account_for(session, platform=PLATFORM, user_id=self.user)
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
