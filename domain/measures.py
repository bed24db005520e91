"""Body measurements typed in chat; weight decides how much blood someone may give."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from domain.text import fold

MIN_WEIGHT_KG = 30.0
MAX_WEIGHT_KG = 250.0

# Vietnamese say "cân" (a market kilo), "ký"/"kí"/"ki lô"; pounds are deliberately absent so
# "115 lbs" is refused rather than mistaken for 115 kg.
_WEIGHT = re.compile(
    r"(?:(?:can nang|nang|khoang|tam|toi|em|minh|la) )*"
    r"(\d{1,3}(?:[.,]\d+)?) ?"
    r"(?:kgs?|kilos?|ki lo|kilograms?|ky|ki|can)?"
)
_TENTH = Decimal("0.1")


def parse_weight_kg(text: str) -> float | None:
    """Weight in kg rounded (half up) to 0.1, or None if unreadable or outside 30–250 kg."""
    cleaned = fold(text).rstrip(".!")
    match = _WEIGHT.fullmatch(cleaned)
    if not match:
        return None
    kg = Decimal(match.group(1).replace(",", ".")).quantize(_TENTH, rounding=ROUND_HALF_UP)
    if not MIN_WEIGHT_KG <= kg <= MAX_WEIGHT_KG:
        return None
    return float(kg)
