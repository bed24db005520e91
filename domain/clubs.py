"""Blood donors' clubs: câu lạc bộ hiến máu, "Ngân hàng máu sống", family clubs, school and company teams.

A club has a join code its members pass round (on a poster, in a group chat): "CLB-7K2MQX". The "CLB"
prefix keeps it apart from everything else a whole message can be: an organiser's invite code has eight
characters and a dash after four ("K7M2-QX9P"), a check-in code six and no prefix ("K7M2QX"), a poster's
short code is "DK 12". The six characters come from the invite alphabet (no 0/O, 1/I), so 32⁶ ≈ 10⁹ codes;
wrong codes are counted per chat and lock it out as invites do, so a code cannot be found by trying.

A join code is not a secret the way an invite is: it only lets a registered donor say "I am one of this
club", which the club's leaders see. It is stored as it is, shown by `donorbot club show`, and replaced
by `donorbot club new-code` when it went further than it should.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Final

from domain import invites, limits
from domain.invites import ALPHABET
from domain.text import fold

KINDS: Final = ("club", "living_bank", "family", "school", "company")
"""A club (câu lạc bộ hiến máu), a living blood bank (ngân hàng máu sống), a family, a school, a company."""
ROLES: Final = ("member", "leader")
SOURCES: Final = ("chat", "import", "organiser")
"""How a member came: joined with the code in the chat, from a member list, or added by an organiser."""

PREFIX: Final = "CLB"
LENGTH: Final = 6

# Wrong join codes lock a chat out as wrong invite codes do (domain.invites.locked_until).
MAX_FAILURES: Final = invites.MAX_FAILURES
FAILURE_WINDOW_HOURS: Final = invites.FAILURE_WINDOW_HOURS
LOCK_HOURS: Final = invites.LOCK_HOURS

_TYPED: Final = re.compile(rf"{PREFIX}[\s\-–—_.]*([0-9A-Z]{{{LENGTH}}})")
_BARE: Final = re.compile(rf"[0-9A-Z]{{{LENGTH}}}")
_KEY: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def new_code() -> str:
    """A fresh code as stored ("CLB7K2MQX"), from the system's secure random source."""
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """The code as printed: "CLB7K2MQX" → "CLB-7K2MQX"."""
    return f"{code[: len(PREFIX)]}-{code[len(PREFIX) :]}"


def typed_code(text: str) -> str | None:
    """The join code a whole message is ("CLB-7K2MQX", "clb 7k2mqx", "clb7k2mqx"), as stored, or None.
    A code with a 0, O, 1 or I is still a code — a wrong one."""
    text = text.strip().upper()
    if len(text) > limits.CLUB_CODE + 2:
        return None
    m = _TYPED.fullmatch(text)
    return PREFIX + m.group(1) if m else None


def normalise(text: str) -> str | None:
    """What was typed after /thamgia, as stored: the whole code, or its six characters alone ("7k2mqx");
    None when it cannot be a code at all."""
    if (code := typed_code(text)) is not None:
        return code
    bare = re.sub(r"[\s\-–—_.]+", "", text).upper()
    return PREFIX + bare if _BARE.fullmatch(bare) else None


def valid_key(key: str) -> bool:
    """A club key as typed on the command line: lower-case letters, digits and single dashes."""
    return len(key) <= limits.CLUB_KEY and _KEY.fullmatch(key) is not None


def key_from_name(name: str) -> str:
    """A key made from the club's name: "CLB Hiến máu Tam Lưu" → "clb-hien-mau-tam-luu" (cut to fit)."""
    ascii_ = unicodedata.normalize("NFKD", fold(name)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_)
    key = ""
    for word in words:
        longer = f"{key}-{word}" if key else word
        if len(longer) > limits.CLUB_KEY - 3:  # room for "-99" when the key is taken
            break
        key = longer
    return key or "clb"


@dataclass(frozen=True)
class ClubLine:
    """One club's figures in a report: members, donations this year by members, reserve members by group."""

    key: str
    name: str
    kind: str
    ward: str | None
    members: int
    donations: int  # donations in the report's year by people who are members now
    reserve_by_group: tuple[tuple[str, int], ...]  # "O+" → reserve members, in blood-group order; "?"

    @property
    def reserve(self) -> int:
        return sum(n for _, n in self.reserve_by_group)


MIN_NAME: Final = 3


def clean_name(text: str) -> str | None:
    """A club's name as typed (one line, single spaces), or None when it is too short or too long."""
    name = " ".join(text.split())
    return name if MIN_NAME <= len(name) <= limits.CLUB_NAME and not name.startswith("/") else None
