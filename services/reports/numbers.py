"""Numbers the way a Vietnamese report writes them: "1.440 đơn vị, đạt 142,5 %"; in English "1,440", "142.5%".

Babel gives the separators (vi groups with "." and writes decimals with ","). Three choices are ours:
- the percent sign: CLDR's Vietnamese pattern is "142,5%", but the committee reports we build from write
  "142,5 %" (a space before the sign, as in French typography), so Vietnamese gets the space, English not;
- a percent is cut, not rounded, by default: a share never reads as reaching a mark it has not reached
  (99,96 % of the target is "99,9 %", never "100 %"; a 69,96 % repeat share is not "70 %"), and that is how
  the reports read (Thanh Hóa 2021: 1.440 of 1.010 units, 142,57…, "đạt 142,5 %"). `rounding="half_up"`
  rounds instead; `fmt_decimal` always rounds half up;
- the value is taken as written, not as the binary float: 1.425 is 1.42499999… as a float, so a float is
  read through `str()` (its shortest decimal) before cutting or rounding.
A percent shows at most `digits` decimals and drops trailing zeros ("71 %", not "71,0 %"), as the reports do.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Literal

from babel.numbers import format_decimal

Number = int | float | Decimal

_PERCENT_SIGN = {"vi": " %"}
_DEFAULT_PERCENT_SIGN = "%"


# Babel parses the pattern and looks the locale up on every call (45 µs; a campaign's report formats a few
# hundred numbers, a province's thousands): the same number in the same language is the same text.
@lru_cache(maxsize=8192)
def fmt_int(n: int, lang: str) -> str:
    """A count with thousands separators: 1.440 (vi), 1,440 (en)."""
    return str(format_decimal(n, format="#,##0", locale=lang))


def fmt_decimal(value: Number, lang: str, digits: int = 1) -> str:
    """A number with at most `digits` decimals (half up), trailing zeros dropped: 52,5 / 1.234,56 (vi)."""
    return _fmt(_round(_decimal(value), digits, ROUND_HALF_UP), lang, digits)


def fmt_percent(
    share: Number, lang: str, digits: int = 1, *, rounding: Literal["down", "half_up"] = "down"
) -> str:
    """A share as a percent: 1.425 → "142,5 %" (vi), "142.5%" (en); 0.71 → "71 %"; 0.9996 → "99,9 %"."""
    mode = ROUND_DOWN if rounding == "down" else ROUND_HALF_UP
    number = _fmt(_round(_decimal(share) * 100, digits, mode), lang, digits)
    return number + _PERCENT_SIGN.get(lang, _DEFAULT_PERCENT_SIGN)


@lru_cache(maxsize=4096)
def fmt_signed(n: int, lang: str) -> str:
    """A difference with its sign: "+903", "-45", "0" (above/below a target, year on year)."""
    return str(format_decimal(n, format="+#,##0;-#,##0", locale=lang)) if n else "0"


@lru_cache(maxsize=8192)
def _fmt(rounded: Decimal, lang: str, digits: int) -> str:
    pattern = "#,##0." + "#" * digits if digits > 0 else "#,##0"
    return str(format_decimal(rounded, format=pattern, locale=lang, decimal_quantization=False))


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))  # the shortest decimal that reads back as this float
    return Decimal(value)


def _round(value: Decimal, digits: int, mode: str) -> Decimal:
    rounded = value.quantize(Decimal(1).scaleb(-digits), rounding=mode)
    return rounded + 0  # no "-0": a share cut from -0,04 % is "0 %"
