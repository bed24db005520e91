"""Vietnam's provinces and their wards/communes after the 2025 merger, for `[area] province = "…"`.

The list is `core/data/divisions-2025.json`, generated from the data of `vietnamadminunits` 1.0.4 (MIT,
`core/data/LICENSE-vietnamadminunits.txt`): 34 provinces and centrally-run cities, 3,305 wards and communes
as of 1 July 2025. It is kept as a file rather than a dependency because the maintained packages that carry
the post-merger list are GPL (`vietnam-provinces`) or pull in a GPL library (`vietnamadminunits` needs
`unidecode`); to refresh it, regenerate the file from a newer release of that data (see its "source").

An area may still give its own `wards` (a district's communes, or names as people there say them); the
province's list is used when it gives none.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process

from domain.text import fold

DATA = Path(__file__).resolve().parent / "data" / "divisions-2025.json"
_PREFIXES = ("thanh pho ", "tinh ", "tp. ", "tp ")


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # "Thành phố Hải Phòng"
    short: str  # "Hải Phòng"
    wards: tuple[str, ...]  # short names, as the bot offers them: "Nhị Chiểu", "Nam An Phụ"


@functools.cache
def provinces() -> tuple[Province, ...]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple(
        Province(p["code"], p["name"], p["short"], tuple(w["short"] for w in p["wards"]))
        for p in raw["provinces"]
    )


def _key(text: str) -> str:
    folded = fold(text)
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


def province_named(text: str) -> Province | None:
    """The province `text` names: "Hải Phòng", "hai phong", "TP Hải Phòng", "Thành phố Hải Phòng"."""
    wanted = _key(text)
    return next((p for p in provinces() if _key(p.short) == wanted), None)


def close_to(text: str, limit: int = 3) -> list[str]:
    """The provinces whose names are closest to a name that is none of them (for the error message)."""
    shorts = {_key(p.short): p.short for p in provinces()}
    return [shorts[key] for key, _, _ in process.extract(_key(text), list(shorts), limit=limit)]
