"""Short codes people type where a link cannot carry a parameter (Zalo has no start parameter).

A poster for drive day 12 carries the bot's link and "DK 12" (đăng ký): typed on any channel, with or
without a space or a dash, in any case, it does what `t.me/<bot>?start=drive_12` does on Telegram.
"""

from __future__ import annotations

import re

from domain.text import fold

_DRIVE = re.compile(r"^dk\s*[-#:]?\s*(\d{1,9})$")


def code_for(payload: str) -> str | None:
    """The code to print for a start payload ("drive_12" → "DK 12"), or None when it has none."""
    if payload.startswith("drive_") and payload.removeprefix("drive_").isdigit():
        return f"DK {payload.removeprefix('drive_')}"
    return None


def payload_of(text: str) -> str | None:
    """The start payload a typed code stands for ("dk12", "DK 12", "Dk-12" → "drive_12"), or None."""
    if len(text) > 20:
        return None
    if (found := _DRIVE.match(fold(text))) is not None:
        return f"drive_{int(found.group(1))}"
    return None
