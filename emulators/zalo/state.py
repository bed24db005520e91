"""Everything the emulated Zalo platform knows about one bot, independent of HTTP.

Method handlers are plain functions over this state, and there is no module-level state, so several
emulators can run in one process. All access happens on the emulator's event loop.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import aiohttp

from emulators.notify import Notifier
from emulators.zalo.records import JSONDict, ZaloApiError, ZaloCall, ZaloSent, ZaloUser

EmptyPoll = Literal["timeout_error", "empty_result"]
"""What getUpdates answers when nothing arrived within its timeout (see :mod:`emulators.zalo`)."""


@dataclass
class QueuedEvent:
    event: JSONDict
    repeat: bool = False
    """A duplicate put back by ``duplicate_every``: not counted again."""


@dataclass
class ZaloState:
    """Bot identity, users and groups, the event queue, the webhook and everything the bot sent."""

    bot_id: str
    bot_name: str
    users: dict[str, ZaloUser] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    pending: deque[QueuedEvent] = field(default_factory=deque)
    sent: dict[str, list[ZaloSent]] = field(default_factory=dict)
    calls: list[ZaloCall] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """Files users "sent" (images, voice), served at ``/media/<name>`` as (content, mime type)."""
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_updated_at: int = 0
    empty_poll: EmptyPoll = "timeout_error"
    duplicate_every: int = 0
    returned: int = 0
    """Events handed out by getUpdates so far, repeats excluded (what ``duplicate_every`` counts)."""
    closing: bool = False
    http: aiohttp.ClientSession | None = None
    """The emulator's own client, for fetching sendPhoto URLs and posting to the webhook."""
    events_changed: Notifier = field(default_factory=Notifier)
    activity: Notifier = field(default_factory=Notifier)
    _next_id: int = 1

    def new_message_id(self) -> str:
        """Zalo message ids are opaque strings (hex-looking in the wild)."""
        number = self._next_id
        self._next_id += 1
        return f"{number:032x}"

    def push_event(self, event: JSONDict) -> JSONDict:
        self.pending.append(QueuedEvent(event))
        self.events_changed.notify()
        return event

    def take_event(self) -> JSONDict | None:
        """The next event for getUpdates; every n-th one is put back once (``duplicate_every``)."""
        if not self.pending:
            return None
        queued = self.pending.popleft()
        if not queued.repeat:
            self.returned += 1
            if self.duplicate_every and self.returned % self.duplicate_every == 0:
                self.pending.appendleft(QueuedEvent(queued.event, repeat=True))
        return dict(queued.event)

    def writable_chat(self, chat_id: str) -> str:
        """``chat_id`` if the bot may write there: a known user (not blocking it) or a known group."""
        user = self.users.get(chat_id)
        if user is None:
            if chat_id in self.groups:
                return chat_id
            raise ZaloApiError(400, "chat not found")
        if user.blocked:
            raise ZaloApiError(403, "user has blocked the bot")
        return chat_id

    def record_sent(self, sent: ZaloSent) -> ZaloSent:
        self.sent.setdefault(sent.chat_id, []).append(sent)
        return sent
