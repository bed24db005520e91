"""The columns of the spreadsheets an organiser imports, named by their headers in Vietnamese or English,
with or without diacritics ("Họ tên", "Ho ten", "Name"), and the cell values read the same way.

One table per kind of file (`DONOR_HEADERS`, `RESULT_HEADERS`): each field with every header it is known
by. A header is compared folded (`domain.text.fold`: no diacritics, "đ" as "d", lower case) with its
punctuation made spaces, so "SĐT", "sdt" and "S.Đ.T" are one header. Pure: no files, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from domain.text import fold


class DonorField(StrEnum):
    NAME = "name"
    PHONE = "phone"
    BIRTH = "birth"  # a full date, or a year alone
    BIRTH_YEAR = "birth_year"  # "Năm sinh": the year alone
    SEX = "sex"
    BLOOD = "blood"
    WARD = "ward"
    ORGANISATION = "organisation"
    DONATIONS = "donations"  # donations before the bot → earlier_donations
    LAST_DONATION = "last_donation"
    RESERVE = "reserve"


class ResultField(StrEnum):
    PHONE = "phone"
    CODE = "code"  # the sign-up's check-in code
    VOLUME = "volume"  # 250/350/450, or "deferred"
    RESULT = "result"  # "donated"/"deferred" when the volume is in its own column
    LAB_GROUP = "lab_group"
    DATE = "date"


DONOR_HEADERS: Mapping[DonorField, tuple[str, ...]] = {
    DonorField.NAME: ("Họ tên", "Ho ten", "Họ và tên", "Ho va ten", "Tên", "Name", "Full name"),
    DonorField.PHONE: (
        "SĐT",
        "SDT",
        "Số ĐT",
        "Số điện thoại",
        "So dien thoai",
        "Điện thoại",
        "Dien thoai",
        "Phone",
        "Phone number",
        "Mobile",
    ),
    DonorField.BIRTH: ("Ngày sinh", "Ngay sinh", "Date of birth", "DOB", "Birth date", "Birthday"),
    DonorField.BIRTH_YEAR: ("Năm sinh", "Nam sinh", "Year of birth", "Birth year"),
    DonorField.SEX: ("Giới tính", "Gioi tinh", "Giới", "Sex", "Gender"),
    DonorField.BLOOD: ("Nhóm máu", "Nhom mau", "Blood group", "Blood type", "Blood"),
    DonorField.WARD: (
        "Phường",
        "Phuong",
        "Xã",
        "Xa",
        "Phường/Xã",
        "Phuong/Xa",
        "Phường, xã",
        "Ward",
        "Commune",
    ),
    DonorField.ORGANISATION: (
        "Cơ quan",
        "Co quan",
        "Đơn vị",
        "Don vi",
        "Cơ quan/Đơn vị",
        "Trường",
        "Organisation",
        "Organization",
    ),
    DonorField.DONATIONS: (
        "Số lần hiến",
        "So lan hien",
        "Số lần hiến máu",
        "So lan hien mau",
        "Số lần",
        "Donations",
        "Times donated",
    ),
    DonorField.LAST_DONATION: (
        "Lần hiến gần nhất",
        "Lan hien gan nhat",
        "Lần hiến cuối",
        "Ngày hiến gần nhất",
        "Last donation",
        "Last donated",
    ),
    DonorField.RESERVE: ("Dự bị", "Du bi", "Dự bị khẩn cấp", "Reserve"),
}
DONOR_REQUIRED: tuple[tuple[DonorField, ...], ...] = (
    (DonorField.NAME,),
    (DonorField.PHONE,),
    (DonorField.BIRTH, DonorField.BIRTH_YEAR),  # one of them
    (DonorField.SEX,),
)

RESULT_HEADERS: Mapping[ResultField, tuple[str, ...]] = {
    ResultField.PHONE: DONOR_HEADERS[DonorField.PHONE],
    ResultField.CODE: ("Mã", "Ma", "Mã check-in", "Ma check-in", "Mã đăng ký", "Code", "Check-in code"),
    ResultField.VOLUME: (
        "Thể tích",
        "The tich",
        "Lượng máu",
        "Luong mau",
        "Số ml",
        "ml",
        "Volume",
        "Volume (ml)",
        "Thể tích (ml)",
    ),
    ResultField.RESULT: ("Kết quả", "Ket qua", "Result", "Outcome"),
    ResultField.LAB_GROUP: (
        "Nhóm máu",
        "Nhom mau",
        "Nhóm máu xét nghiệm",
        "Lab blood group",
        "Blood group",
        "Lab group",
    ),
    ResultField.DATE: ("Ngày", "Ngay", "Ngày hiến", "Ngay hien", "Date", "Donated on"),
}
RESULT_REQUIRED: tuple[tuple[ResultField, ...], ...] = (
    (ResultField.PHONE, ResultField.CODE),
    (ResultField.VOLUME, ResultField.RESULT),
)

F = TypeVar("F", bound=StrEnum)

_PUNCTUATION = re.compile(r"[^\w]+")


def header_key(text: str) -> str:
    """A header as compared: folded, punctuation and runs of spaces made one space ("S.Đ.T" → "s d t")."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).replace("_", " ").split())


def _compact(text: str) -> str:
    return header_key(text).replace(" ", "")


@dataclass(frozen=True)
class HeaderMap(Generic[F]):
    """Which column holds which field (0-based), the headers left aside, the required fields missing."""

    columns: dict[F, int]
    ignored: tuple[str, ...]
    missing: tuple[tuple[F, ...], ...]
    repeated: tuple[str, ...]  # a field named by two columns: the first is read


def map_headers(
    headers: Sequence[object],
    vocabulary: Mapping[F, tuple[str, ...]],
    required: Sequence[tuple[F, ...]],
) -> HeaderMap[F]:
    """Reads a header row against a vocabulary; empty header cells are neither read nor listed."""
    known = {_compact(word): field for field, words in vocabulary.items() for word in words}
    columns: dict[F, int] = {}
    ignored: list[str] = []
    repeated: list[str] = []
    for index, cell in enumerate(headers):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        field = known.get(_compact(text))
        if field is None:
            ignored.append(text)
        elif field in columns:
            repeated.append(text)
        else:
            columns[field] = index
    missing = tuple(group for group in required if not any(field in columns for field in group))
    return HeaderMap(columns, tuple(ignored), missing, tuple(repeated))


# --- cell values -------------------------------------------------------------------------------------

_SEX = {
    "nam": "male",
    "m": "male",
    "male": "male",
    "trai": "male",
    "nu": "female",
    "f": "female",
    "female": "female",
    "gai": "female",
}
_YES = frozenset({"x", "co", "yes", "y", "1", "true", "du bi", "v", "ok", "dong y"})
_NO = frozenset({"", "khong", "ko", "no", "n", "0", "false", "-"})
_WARD_PREFIX = re.compile(r"^(?:p|x|tt|phuong|xa|thi tran)\s*[.\s]\s*")
_DEFERRED = frozenset(
    {"hoan", "hoan hien", "tam hoan", "khong hien", "khong hien duoc", "deferred", "defer", "no", "0"}
)
_DONATED = frozenset({"hien", "da hien", "co", "donated", "yes", "ok", "x"})


def read_sex(text: str) -> str | None:
    """ "Nam"/"Nữ"/"M"/"F"/"male"/"female" → "male"/"female", else None."""
    return _SEX.get(header_key(text))


def read_yes_no(text: str) -> bool | None:
    """A reserve mark: "x", "có", "yes", "1" → True; empty, "không", "no", "0" → False; else None."""
    key = header_key(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def ward_words(text: str) -> str:
    """A ward as a list writes it, without "P.", "phường", "xã", "X." before the name ("P. Tam Lưu" →
    "tam luu", folded): compare with the configured wards folded."""
    folded = " ".join(fold(text).split())
    return " ".join(_WARD_PREFIX.sub("", folded).split())


def read_outcome(text: str) -> int | str | None:
    """A result cell: 250/350/450 (also "350ml", "350 ml") → the volume; "hoãn", "deferred" → "deferred";
    "hiến", "donated" → "donated" (volume not said); else None."""
    key = header_key(text)
    compact = key.replace(" ", "")
    for suffix in ("ml", "cc"):
        compact = compact.removesuffix(suffix)
    if compact.isascii() and compact.isdigit():
        value = int(compact)
        return value if value in (250, 350, 450) else None
    if key in _DEFERRED:
        return "deferred"
    if key in _DONATED:
        return "donated"
    return None
