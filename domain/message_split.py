"""Cutting a long text into messages under a platform's cap (Telegram 4,096 characters, Zalo 2,000).

At the last paragraph break (a blank line) that fits, else the last line break, else the last space,
and only as a last resort in the middle of a word, so a part never ends half-way through a sentence
when a better place exists. The breaks themselves are dropped; the parts keep everything else (a line's
indentation too: /mydata's JSON stays readable across a cut).
"""

from __future__ import annotations


def split_message(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at paragraph, line or word boundaries."""
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]  # a break right after the limit still lets the part be full
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > 0:
                parts.append(text[:cut].rstrip())
                text = text[cut + len(separator) :].lstrip("\n")  # indentation stays
                break
        else:
            parts.append(text[:limit])
            text = text[limit:]
    parts.append(text)
    return [part for part in parts if part] or [""]
