"""Choices on a chat without buttons (Zalo, the console): numbered lines, answered by number or words.

The numbers belong to the messages that showed them: each turn's choices are saved with the chat's
conversation (`Conversation.choices`), so "2" means the same after a restart or on another instance,
and a turn that shows none makes digits plain text again. The rules, the console's since it had them:

- a turn's choices are numbered through the turn (a second message's go on from 3), so every number
  shown means one choice;
- when a dialogue waits for a typed answer (its question, the turn's last message, has no choices),
  nothing is numbered: "2" answers "how many units?" even if the turn also showed choices, which are
  then listed without numbers;
- a turn that did not take what was sent (it failed, or refused a choice) and offers nothing new leaves
  the earlier numbers;
- a push (a call-out, a reminder) numbers its choices after the ones on screen, unless a dialogue is
  waiting for a typed answer.

A typed answer picks a choice by its number ("2", "số 2", "2."), by its words with or without diacritics
("tam luu", "đồng ý"), or by the beginning of its words when only one choice starts so ("tam" for
"Tam Lưu" when no other choice begins with "tam").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.i18n import Catalogs, Translator
from domain.text import fold
from handlers.messages import Replies, Reply
from models import accounts, conversations
from models.outbox import Choices

Saved = list[tuple[str, str]]  # (label, value) of choice 1, 2, …

_NUMBER = re.compile(r"^(?:so|#|no\.?|number)?\s*(\d{1,3})\s*[.)]?$")
_NOT_WORD = re.compile(r"[^\w]+")
MIN_PREFIX = 3  # letters typed before the beginning of a choice's words picks it


def _words(text: str) -> str:
    """The letters and digits of a label or an answer, diacritics-free, single-spaced."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).replace("_", " ").split())


def match(text: str, saved: Sequence[tuple[str, str]]) -> str | None:
    """The value of the choice a typed answer picks, or None when it picks none (or several)."""
    if not saved or not text:
        return None
    folded = fold(text)
    if (number := _NUMBER.match(folded)) is not None:
        index = int(number.group(1))
        return saved[index - 1][1] if 1 <= index <= len(saved) else None
    typed = _words(text)
    if not typed:
        return None
    labels = [(_words(label), value) for label, value in saved]
    exact = {value for words, value in labels if words == typed}
    if len(exact) == 1:
        return exact.pop()
    if exact or len(typed) < MIN_PREFIX:
        return None
    starting = {value for words, value in labels if words.startswith(typed)}
    return starting.pop() if len(starting) == 1 else None


def _numbered_text(t: Translator, reply: Reply, first: int | None) -> str:
    offered = reply.all_choices()
    if not offered:
        return reply.text
    if first is None:  # shown for reading only: a dialogue waits for a typed answer
        lines = [f"  – {choice.label}" for choice in offered]
    else:
        lines = [t("choices_pick"), *(f"  {n}) {c.label}" for n, c in enumerate(offered, start=first))]
    return "\n\n".join(part for part in (reply.text, "\n".join(lines)) if part)


def _plain(t: Translator, reply: Reply, first: int | None) -> Reply:
    """The reply as text only: its choices as lines; no share-phone button (the texts that would offer
    one have a `_nobuttons` variant that asks to type the number)."""
    text = _numbered_text(t, reply, first)
    return replace(reply, text=text, choices=(), request_contact=None, remove_keyboard=False)


def render_turn(
    t: Translator,
    replies: Replies,
    *,
    in_dialogue: bool,
    previous: Saved,
) -> tuple[Replies, Saved]:
    """A turn's replies with their choices as numbered text, and the choices the numbers now mean."""
    offered = [(c.label, c.value) for reply in replies for c in reply.all_choices()]
    numbered = bool(offered) and not (in_dialogue and not replies[-1].all_choices())
    rendered: list[Reply] = []
    first = 1
    for reply in replies:
        rendered.append(_plain(t, reply, first if numbered else None))
        first += len(reply.all_choices())
    if numbered:
        saved = offered
    elif offered or replies.taken:
        saved = []
    else:
        saved = list(previous)
    out = Replies(rendered, taken=replies.taken, organiser=replies.organiser, lang=replies.lang)
    return out, saved


def render_push(
    t: Translator, text: str, choices: Choices, *, in_dialogue: bool, previous: Saved
) -> tuple[str, Saved]:
    """A push's text with its choices numbered after those on screen, and what the numbers now mean."""
    offered = [(label, value) for row in choices for label, value in row]
    if not offered:
        return text, list(previous)
    numbered = not (in_dialogue and not previous)
    first = len(previous) + 1 if numbered else None
    reply = Reply(text)
    lines = (
        [t("choices_pick"), *(f"  {n}) {label}" for n, (label, _) in enumerate(offered, start=first))]
        if first is not None
        else [f"  – {label}" for label, _ in offered]
    )
    rendered = "\n\n".join(part for part in (reply.text, "\n".join(lines)) if part)
    return rendered, ([*previous, *offered] if numbered else list(previous))


def saved_of(stored: object) -> Saved:
    """The saved choices as read from the conversation row (a JSON list of [label, value])."""
    if not isinstance(stored, list):
        return []
    return [(str(item[0]), str(item[1])) for item in stored if isinstance(item, list) and len(item) == 2]


async def number_push(
    sessions: async_sessionmaker[AsyncSession],
    catalogs: Catalogs,
    *,
    platform: str,
    chat_id: str,
    text: str,
    choices: Choices,
    default_language: str,
) -> str:
    """For a channel's sender: the push's text with numbered choices, saved with the chat's state (the
    line that says how to answer is in the chat's language: the dialogue's, the profile's, the default)."""
    if not choices:
        return text
    async with sessions() as session, session.begin():
        row = await conversations.load(session, platform=platform, chat_id=chat_id)
        language = row.language if row is not None else None
        if language is None:
            account = await accounts.account_for(session, platform=platform, user_id=chat_id)
            language = account.donor.language if account is not None and account.donor is not None else None
        t = catalogs.get(language or default_language)
        previous = saved_of(row.choices) if row is not None else []
        in_dialogue = row is not None and row.flow is not None
        rendered, saved = render_push(t, text, choices, in_dialogue=in_dialogue, previous=previous)
        if saved != previous:
            await conversations.save_choices(session, platform=platform, chat_id=chat_id, choices=saved)
    return rendered
