"""What a chat platform can do, so the core renders for it instead of assuming Telegram.

Each channel adapter (bot/channels) declares its `Capabilities`; the dispatcher and the renderer
(`handlers.render`) read them: numbered choices where there are no buttons, a fresh message where a
sent one cannot be edited, long texts split under the platform's cap, files as URLs or as text, and
deep links made the way the platform allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Files(StrEnum):
    UPLOAD = "upload"  # the bot sends the bytes (Telegram's sendDocument / sendPhoto)
    URL = "url"  # only by a URL the platform fetches (Zalo's sendPhoto)
    NONE = "none"


@dataclass(frozen=True)
class Capabilities:
    """What one platform offers; see the capability table in the README."""

    buttons: bool  # inline buttons under a message
    edits: bool  # a sent message can be replaced (a live tally updates in place)
    max_text: int  # characters in one message
    files: Files
    contact_sharing: bool  # a "share my phone number" button
    start_parameter: bool  # a link can carry a parameter into the first message (t.me/bot?start=…)


TELEGRAM = Capabilities(
    buttons=True, edits=True, max_text=4096, files=Files.UPLOAD, contact_sharing=True, start_parameter=True
)
ZALO = Capabilities(
    buttons=False, edits=False, max_text=2000, files=Files.URL, contact_sharing=False, start_parameter=False
)
# The terminal: numbered choices like Zalo, files saved to the data folder.
CONSOLE = Capabilities(
    buttons=False,
    edits=False,
    max_text=100_000,
    files=Files.UPLOAD,
    contact_sharing=False,
    start_parameter=False,
)

BY_PLATFORM = {"telegram": TELEGRAM, "zalo": ZALO, "console": CONSOLE}


def capabilities(platform: str) -> Capabilities:
    """The capabilities of a platform by name; an unknown one gets the plainest (Zalo's)."""
    return BY_PLATFORM.get(platform, ZALO)
