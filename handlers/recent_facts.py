"""The facts of each chat's last verdict, for a follow-up question a few minutes later.

"tôi 17 tuổi nặng 45kg có hiến được không" then "còn nếu tôi 50kg thì sao?" means "the same, but 50 kg"
(`domain.follow_up`). The earlier facts are health data the person typed, not a profile: they are kept in
this process's memory only (never written: the answers of a self-check are not stored either), for
`ttl` (10 minutes), for at most `max_chats` chats (the oldest go first), and /xoa forgets them with
everything else. One instance per dispatcher, so two apps (or two tests) never share them; with several
instances a follow-up that lands on another one is answered on its own facts, as a first question is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta

from domain.eligibility import Person

TTL = timedelta(minutes=10)
MAX_CHATS = 10_000


class RecentFacts:
    def __init__(self, *, ttl: timedelta = TTL, max_chats: int = MAX_CHATS) -> None:
        self.ttl = ttl
        self.max_chats = max_chats
        self._kept: OrderedDict[tuple[str, str], tuple[datetime, Person]] = OrderedDict()

    def take(self, platform: str, chat_id: str, now: datetime) -> Person | None:
        """The chat's last facts if still fresh (and no longer kept: `keep` puts the new ones back)."""
        kept = self._kept.pop((platform, chat_id), None)
        if kept is None or now - kept[0] > self.ttl:
            return None
        return kept[1]

    def keep(self, platform: str, chat_id: str, now: datetime, facts: Person) -> None:
        self._kept[(platform, chat_id)] = (now, facts)
        while len(self._kept) > self.max_chats:
            self._kept.popitem(last=False)

    def forget(self, chats: Iterable[tuple[str, str]]) -> None:
        """Forgets these (platform, chat id) chats' facts (/xoa)."""
        for chat in chats:
            self._kept.pop(chat, None)

    def __len__(self) -> int:
        return len(self._kept)
