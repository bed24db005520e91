"""Channel-neutral messages: what a person sent (`Incoming`) and what the bot answers (`Reply`).

Adapters in bot/channels translate platform updates into `Incoming` and render `Reply` the best way the
platform allows (inline keyboards on Telegram, numbered choices where there are no buttons).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from domain.text import clean_input
from models.outbox import File


class InputKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # a button press; `choice` holds the button's value
    CONTACT = "contact"  # a shared phone contact
    OTHER = "other"  # sticker, photo, voice ... anything the bot cannot read as text


@dataclass(frozen=True)
class Incoming:
    """One thing a person sent in one chat."""

    platform: str
    chat_id: str
    user_id: str
    kind: InputKind
    text: str | None = None
    choice: str | None = None
    contact_phone: str | None = None
    contact_is_own: bool = False  # the shared contact is the sender's own number
    language_hint: str | None = None  # the platform's idea of the person's language
    ref: str | None = None  # platform reference of the message a button belonged to
    # Written in a group chat (Zalo's groups are beta): the bot asks for nothing personal there and
    # sends the person to a private chat.
    in_group: bool = False

    def cleaned(self) -> Incoming:
        """The same message without control, bidi and zero-width characters (`domain.text.clean_input`).

        The dispatcher applies it to everything that arrives, on every channel, before any handler reads
        a text, a button's value or a shared phone number.
        """
        return replace(
            self,
            text=None if self.text is None else clean_input(self.text),
            choice=None if self.choice is None else clean_input(self.choice),
            contact_phone=None if self.contact_phone is None else clean_input(self.contact_phone),
        )

    @property
    def command(self) -> tuple[str, str] | None:
        """`("dangky", "args")` for "/dangky args" or "/dangky@bot args", else None."""
        if self.kind is not InputKind.TEXT or not self.text or not self.text.startswith("/"):
            return None
        head, _, rest = self.text[1:].partition(" ")
        name = head.split("@", 1)[0].casefold()
        return (name, rest.strip()) if name else None


MAX_CHOICE_BYTES = 64
"""Telegram carries at most 64 bytes of data on a button (and Zalo not much more). Values are built
from a prefix, ids and short words from code — never from keys or names people choose — so they stay
far below; a value over the limit is a bug, and failing here names it instead of Telegram refusing the
whole message in silence."""


@dataclass(frozen=True)
class Choice:
    """A button: the label people see and the value the bot gets back when it is pressed."""

    label: str
    value: str

    def __post_init__(self) -> None:
        size = len(self.value.encode())
        if not 1 <= size <= MAX_CHOICE_BYTES:
            raise ValueError(f"button value of {size} bytes (1 to {MAX_CHOICE_BYTES}): {self.value[:24]!r}…")


Attachment = File
"""A file sent with a reply: the type of a push's file, so a ticket (`services.tickets`) goes into either."""


@dataclass(frozen=True)
class Reply:
    """One message from the bot."""

    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()  # rows of buttons
    request_contact: str | None = None  # label of a "share my phone number" button
    remove_keyboard: bool = False  # take away a reply keyboard shown earlier
    attachment: Attachment | None = None
    # Replace the message whose button was pressed (a live tally, a multi-select) instead of
    # sending a new one; channels that cannot edit send it as a new message.
    edit: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def all_choices(self) -> list[Choice]:
        return [choice for row in self.choices for choice in row]


class Replies(list[Reply]):
    """The replies of one turn, in order, and whether the turn took what the person sent.

    `taken` is False when the turn failed (the only reply is the apology) or a handler refused a button
    press (`Context.press_refused`): the channel then leaves the pressed message's buttons, so there is
    something to press again.
    """

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        taken: bool = True,
        organiser: bool = False,
        lang: str | None = None,
    ) -> None:
        super().__init__(replies)
        self.taken = taken
        # Who wrote, for the platform's command menu: an organiser gets theirs, in their language.
        self.organiser = organiser
        self.lang = lang
