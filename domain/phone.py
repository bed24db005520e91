"""Phone numbers as donors type them, stored in E.164 so one person is one number."""

from __future__ import annotations

import functools
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

DEFAULT_REGION = "VN"

# phonenumbers quietly turns letters into keypad digits ("0912a345678" parses), so anything
# beyond digits and the usual separators is refused before it gets there.
_SHAPE = re.compile(r"\(?\+?\s*\d[\d\s().\-]*")
_MIN_DIGITS = 8
_MAX_DIGITS = 17  # 15 digits of E.164 plus an international prefix such as "00"
_ACCEPTED_TYPES = frozenset(
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.FIXED_LINE,
    }
)


# Vietnam's 11-digit mobile numbers became 10-digit ones in 2018 (Thông tư 22/2017/TT-BTTTT): the
# first four digits changed, the last seven stayed. People still write the old ones from memory.
OLD_MOBILE_PREFIXES: dict[str, str] = {
    # Viettel
    **{f"16{d}": f"3{d}" for d in range(2, 10)},
    # MobiFone
    "120": "70",
    "121": "79",
    "122": "77",
    "126": "76",
    "128": "78",
    # VinaPhone
    "123": "83",
    "124": "84",
    "125": "85",
    "127": "81",
    "129": "82",
    # Vietnamobile, Gmobile
    "186": "56",
    "188": "58",
    "199": "59",
}
_OLD_MOBILE = re.compile(r"(?:(?:\+|00)?840?|0)(1\d\d)(\d{7})")


def old_mobile_number(text: str) -> str | None:
    """Today's national form of an old 11-digit VN mobile number ("01689 123 456" → "0389123456").

    None when `text` is not written like one of the old numbers (separators are ignored).
    """
    if not _SHAPE.fullmatch(text.strip()):
        return None
    match = _OLD_MOBILE.fullmatch("".join(ch for ch in text if ch.isdigit() or ch == "+"))
    if match is None or (new := OLD_MOBILE_PREFIXES.get(match.group(1))) is None:
        return None
    return f"0{new}{match.group(2)}"


def parse_phone(text: str) -> str | None:
    """The E.164 form of a VN (default region) or "+"-prefixed foreign number, else None.

    Only numbers a person can be reached on are kept: toll-free, premium and shared-cost
    numbers are valid phone numbers but not a donor's own. An old 11-digit mobile number is
    read as the number it became (`old_mobile_number`).
    """
    candidate = text.strip()
    if not _SHAPE.fullmatch(candidate):
        return None
    candidate = old_mobile_number(candidate) or candidate
    digits = sum(ch.isdigit() for ch in candidate)
    if not _MIN_DIGITS <= digits <= _MAX_DIGITS:
        return None
    try:
        number = phonenumbers.parse(candidate, DEFAULT_REGION)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _ACCEPTED_TYPES:
        return None
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def parse_hotline(text: str) -> str | None:
    """The E.164 form of a number people may be told to call: any valid VN (or "+"-prefixed) number,
    toll-free 1800 and shared-cost 1900 numbers included."""
    candidate = text.strip()
    if not _SHAPE.fullmatch(candidate) or not 4 <= sum(ch.isdigit() for ch in candidate) <= _MAX_DIGITS:
        return None
    try:
        number = phonenumbers.parse(candidate, DEFAULT_REGION)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def mask_phone(e164: str) -> str:
    """A form safe for logs and organisers: country code, first 3 and last 3 digits.

    "+84912345678" → "+84912***678". Never raises, so it can sit inside log calls; input that
    is not a number is masked the same way without splitting off a country code.
    """
    try:
        number = phonenumbers.parse(e164, None)
        prefix = f"+{number.country_code}"
        national = phonenumbers.national_significant_number(number)
    except NumberParseException:
        prefix, national = "", "".join(ch for ch in e164 if ch.isdigit())
    if len(national) <= 6:
        # Too short to show 6 digits and still hide anything: hide all but the last two.
        keep = max(len(national) - 4, 0)
        return prefix + "*" * (len(national) - keep) + national[len(national) - keep :]
    return prefix + national[:3] + "*" * (len(national) - 6) + national[-3:]


# "+84" and a national number: the only numbers `display_phone` takes a short cut for.
_VN_NATIONAL = re.compile(r"\+84([1-9][0-9]{6,10})")
# (national length, first three digits) → the display shape, "0{}{}{} {}{}{} {}{}{}" ("" when the number
# has none: shown as phonenumbers shows it, each time).
_VN_SHAPES: dict[tuple[int, str], str] = {}


@functools.lru_cache(maxsize=65_536)
def display_phone(e164: str) -> str:
    """How a stored number is shown: national format for VN, international otherwise.

    Returns the input unchanged if it is not a parseable number, so display never fails.

    A Vietnamese number is shown in the shape phonenumbers gave the first number of its length and first
    three digits: VN's formats (its metadata's `number_format`) are chosen by at most three leading digits
    and the length alone, and formatting one took 90 µs, a third of a 500-row roster's page
    (bench/web.py). `tests/unit/domain/test_phone.py` compares both over every three-digit prefix. The
    same people's numbers come back on every page (a roster, the desk, a card): the last 65,536 are kept.
    """
    vn = _VN_NATIONAL.fullmatch(e164)
    if vn is None:
        return _formatted(e164)
    national = vn.group(1)
    key = (len(national), national[:3])
    shape = _VN_SHAPES.get(key)
    if shape is None:
        shown = _formatted(e164)
        shape = _VN_SHAPES[key] = _shape_of(national, shown)
        return shown
    return shape.format(*national) if shape else _formatted(e164)


def _shape_of(national: str, shown: str) -> str:
    """`shown` with the digits of `national` (in order, from the end) replaced by "{}"; "" unless every
    digit of it is found so, with nothing but a national prefix ("0") before them."""
    out: list[str] = []
    left = len(national)
    for char in reversed(shown):
        if left and char == national[left - 1]:
            out.append("{}")
            left -= 1
        elif char in "{}" or (char.isdigit() and left):
            return ""
        else:
            out.append(char)
    return "".join(reversed(out)) if left == 0 else ""


def _formatted(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return str(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    return str(phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL))
