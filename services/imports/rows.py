"""One spreadsheet row read into typed values, or the reasons it cannot be: each a catalog key
(`imp_err_*`) and its parameters, so the report is in the operator's language.

Pure apart from the settings it is given (the area's wards, the age limits): no database. Checks that
need the whole file (a phone twice) or the database (a sign-up) are the importers'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain import limits
from domain.blood import BloodGroup, parse_blood_group
from domain.calendar import age_on
from domain.dates import parse_date
from domain.import_columns import (
    DonorField,
    ResultField,
    read_outcome,
    read_sex,
    read_yes_no,
    ward_words,
)
from domain.milestones import MAX_EARLIER_DONATIONS, parse_count
from domain.names import normalise_name
from domain.phone import parse_phone
from domain.slots import normalise_code
from domain.text import fold
from services.imports.reader import Cell


@dataclass(frozen=True)
class Problem:
    """Why row `row` is refused: a catalog key and its parameters."""

    row: int
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DonorRow:
    """A donor as a list gives them, checked: what `services.imports.donors.import_rows` takes."""

    row: int
    full_name: str
    phone: str  # E.164
    date_of_birth: date
    sex: str
    blood_abo: str | None = None
    blood_rh: str | None = None
    ward: str | None = None
    organisation: str | None = None
    earlier_donations: int | None = None
    last_donation_on: date | None = None
    is_reserve: bool = False


@dataclass(frozen=True)
class Limits:
    """What a row is checked against: the area's wards, the age range, today."""

    wards: Sequence[str]
    min_age: int
    max_age: int
    today: date
    _folded: dict[str, str] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded", {fold(ward): ward for ward in self.wards})

    def ward(self, text: str) -> str | None:
        """The configured ward a cell names: "Tam Lưu", "tam luu", "P. Tam Lưu", "phường Tam Lưu"."""
        return self._folded.get(" ".join(fold(text).split())) or self._folded.get(ward_words(text))


def text_of(value: Cell) -> str:
    """A cell as text: a whole float without its ".0" (a number typed in Excel), a date in ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def phone_of(value: Cell) -> str | None:
    """The E.164 phone of a cell. A number cell lost its leading 0 in Excel (912345678): it is put back."""
    text = text_of(value)
    if isinstance(value, int | float) and text.isdigit() and len(text) in (9, 10) and text[0] != "0":
        text = "0" + text
    return parse_phone(text)


def date_of(value: Cell, today: date) -> date | None:
    if isinstance(value, date):
        return value
    text = text_of(value)
    return parse_date(text, today=today) if text else None


def year_of(value: Cell) -> int | None:
    text = text_of(value)
    if len(text) == 4 and text.isascii() and text.isdigit():
        return int(text)
    return None


def _get(cells: Sequence[Cell], columns: Mapping[Any, int], name: Any) -> Cell:
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else None


def read_donor(
    number: int, cells: Sequence[Cell], columns: Mapping[DonorField, int], limits_: Limits
) -> DonorRow | list[Problem]:
    """The row as a `DonorRow`, or every reason it cannot be one."""
    problems: list[Problem] = []

    def bad(key: str, **params: Any) -> None:
        problems.append(Problem(number, key, params))

    def get(name: DonorField) -> Cell:
        return _get(cells, columns, name)

    name_text = text_of(get(DonorField.NAME))
    full_name = normalise_name(name_text) if name_text else None
    if full_name is None:
        bad("imp_err_name", value=name_text)
    phone_text = text_of(get(DonorField.PHONE))
    phone = phone_of(get(DonorField.PHONE))
    if phone is None:
        bad("imp_err_phone", value=phone_text)
    born = _birth(get(DonorField.BIRTH), get(DonorField.BIRTH_YEAR), limits_, bad)
    sex_text = text_of(get(DonorField.SEX))
    sex = read_sex(sex_text)
    if sex is None:
        bad("imp_err_sex", value=sex_text)
    abo = rh = None
    blood_text = text_of(get(DonorField.BLOOD))
    if blood_text:
        group = parse_blood_group(blood_text)
        if group is None:
            bad("imp_err_blood", value=blood_text)
        else:
            abo = group.abo.value if group.abo else None
            rh = group.rh.value if group.rh else None
    ward = None
    ward_text = text_of(get(DonorField.WARD))
    if ward_text:
        ward = limits_.ward(ward_text)
        if ward is None:
            bad("imp_err_ward", value=ward_text, wards=", ".join(limits_.wards))
    organisation = text_of(get(DonorField.ORGANISATION)) or None
    if organisation is not None and len(organisation) > limits.ORGANISATION:
        bad("imp_err_too_long", max=limits.ORGANISATION)
    earlier = None
    count_cell = get(DonorField.DONATIONS)
    count_text = text_of(count_cell)
    if count_text:
        earlier = parse_count(count_text)
        if earlier is None or earlier > MAX_EARLIER_DONATIONS:
            bad("imp_err_count", value=count_text)
    last = None
    last_text = text_of(get(DonorField.LAST_DONATION))
    if last_text:
        last = date_of(get(DonorField.LAST_DONATION), limits_.today)
        if last is None:
            bad("imp_err_date", value=last_text)
        elif last > limits_.today:
            bad("imp_err_last_future", value=last_text)
        elif born is not None and last <= born:
            bad("imp_err_last_before_birth", value=last_text)
    reserve_text = text_of(get(DonorField.RESERVE))
    reserve = read_yes_no(reserve_text)
    if reserve is None:
        bad("imp_err_reserve", value=reserve_text)
    if problems:
        return problems
    assert full_name is not None
    assert phone is not None
    assert born is not None
    assert sex is not None
    return DonorRow(
        row=number,
        full_name=full_name,
        phone=phone,
        date_of_birth=born,
        sex=sex,
        blood_abo=abo,
        blood_rh=rh,
        ward=ward,
        organisation=organisation,
        earlier_donations=earlier,
        last_donation_on=last,
        is_reserve=bool(reserve),
    )


def _birth(full: Cell, year_cell: Cell, limits_: Limits, bad: Any) -> date | None:
    """A birth date, or a year alone (stored as 1 January of it); never in the future, an age within the
    rules' limits."""
    value = full if text_of(full) else year_cell
    text = text_of(value)
    if not text:
        bad("imp_err_birth_missing")
        return None
    year = year_of(value)
    born = date(year, 1, 1) if year is not None and 1900 <= year <= 9999 else date_of(value, limits_.today)
    if born is None:
        bad("imp_err_date", value=text)
        return None
    if born > limits_.today:
        bad("imp_err_birth_future", value=text)
        return None
    age = age_on(born, on=limits_.today)
    if not limits_.min_age <= age <= limits_.max_age:
        bad("imp_err_age", value=text, age=age, min=limits_.min_age, max=limits_.max_age)
        return None
    return born


# --- the blood centre's results -----------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    row: int
    phone: str | None
    code: str | None
    volume_ml: int | None  # None with donated: the volume is not said
    donated: bool
    lab_group: BloodGroup | None
    donated_on: date | None  # None: the drive day's date


def read_result(
    number: int, cells: Sequence[Cell], columns: Mapping[ResultField, int], today: date
) -> ResultRow | list[Problem]:
    problems: list[Problem] = []

    def bad(key: str, **params: Any) -> None:
        problems.append(Problem(number, key, params))

    def get(name: ResultField) -> Cell:
        return _get(cells, columns, name)

    phone_text = text_of(get(ResultField.PHONE))
    code_text = text_of(get(ResultField.CODE))
    phone = phone_of(get(ResultField.PHONE)) if phone_text else None
    code = normalise_code(code_text) if code_text else None
    if phone_text and phone is None:
        bad("imp_err_phone", value=phone_text)
    if not phone_text and not code:
        bad("imp_err_who")
    volume_text = text_of(get(ResultField.VOLUME))
    result_text = text_of(get(ResultField.RESULT))
    volume = read_outcome(volume_text) if volume_text else None
    result = read_outcome(result_text) if result_text else None
    if volume_text and volume is None:
        bad("imp_err_volume", value=volume_text)
    if result_text and result is None:
        bad("imp_err_volume", value=result_text)
    if (isinstance(volume, int) and result == "deferred") or (volume == "deferred" and result == "donated"):
        bad("imp_err_contradiction", volume=volume_text, result=result_text)
    outcome = volume if isinstance(volume, int) or volume == "deferred" else result or volume
    if outcome is None and not (volume_text and volume is None) and not (result_text and result is None):
        bad("imp_err_no_result")
    lab: BloodGroup | None = None
    lab_text = text_of(get(ResultField.LAB_GROUP))
    if lab_text:
        lab = parse_blood_group(lab_text)
        if lab is None or lab.abo is None or lab.rh is None:
            bad("imp_err_lab_group", value=lab_text)
    on = None
    date_text = text_of(get(ResultField.DATE))
    if date_text:
        on = date_of(get(ResultField.DATE), today)
        if on is None:
            bad("imp_err_date", value=date_text)
        elif on > today:
            bad("imp_err_result_future", value=date_text)
    if problems:
        return problems
    return ResultRow(
        row=number,
        phone=phone,
        code=code,
        volume_ml=outcome if isinstance(outcome, int) else None,
        donated=outcome != "deferred",
        lab_group=lab,
        donated_on=on,
    )
