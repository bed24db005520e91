"""Numbers the way a Vietnamese report writes them: "1.440 đơn vị, đạt 142,5 %"; in English "1,440", "142.5%".

Babel gives the separators (vi groups with "." and writes decimals with ","). Two choices are ours:
- the percent sign: CLDR's Vietnamese pattern is "142,5%", but the committee reports we build from write
  "142,5 %" (a space before the sign, as in French typography), so Vietnamese gets the space, English not;
- rounding: half up on the decimal value as written ("142,45" → "142,5"), not Babel's half-even on the
  binary float (1.425 is 1.42499999… as a float); a share is read through `str()` for that reason.
A percent shows at most `digits` decimals and drops trailing zeros ("71 %", not "71,0 %"), as the reports do.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

Number = int | float | Decimal

_PERCENT_SIGN = {"vi": " %"}
_DEFAULT_PERCENT_SIGN = "%"


def fmt_int(n: int, lang: str) -> str:
    """A count with thousands separators: 1.440 (vi), 1,440 (en)."""
    return str(format_decimal(n, format="#,##0", locale=lang))


def fmt_decimal(value: Number, lang: str, digits: int = 1) -> str:
    """A number with at most `digits` decimals, trailing zeros dropped: 52,5 / 1.234,56 (vi)."""
    rounded = _round(_decimal(value), digits)
    pattern = "#,##0." + "#" * digits if digits > 0 else "#,##0"
    return str(format_decimal(rounded, format=pattern, locale=lang, decimal_quantization=False))


def fmt_percent(share: Number, lang: str, digits: int = 1) -> str:
    """A share as a percent: 1.425 → "142,5 %" (vi), "142.5%" (en); 0.71 → "71 %"."""
    number = fmt_decimal(_decimal(share) * 100, lang, digits)
    return number + _PERCENT_SIGN.get(lang, _DEFAULT_PERCENT_SIGN)


def fmt_signed(n: int, lang: str) -> str:
    """A difference with its sign: "+903", "-45", "0" (above/below a target, year on year)."""
    return str(format_decimal(n, format="+#,##0;-#,##0", locale=lang)) if n else "0"


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))  # the shortest decimal that reads back as this float
    return Decimal(value)


def _round(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
