"""The profile fields a donor gives: how each is asked, read and shown.

Registration and profile editing (/hoso) use the same definitions, so a format accepted in one is
accepted in the other. Values are kept JSON-friendly (ISO dates, blood group codes) because a dialogue's
answers live in the conversation state until the person confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from core import buttons
from core.buttons import ButtonData
from domain import limits
from domain.blood import BloodGroup, parse_blood_group
from domain.calendar import age_on, nth_birthday
from domain.choices import match_option, parse_yes_no
from domain.dates import impossible_date, parse_ago, parse_date
from domain.measures import parse_weight_kg
from domain.milestones import MAX_EARLIER_DONATIONS, parse_count
from domain.names import NameProblem, name_problem, normalise_name
from domain.organisations import OrganisationType
from domain.phone import display_phone, old_mobile_number, parse_phone
from domain.text import fold
from handlers.context import Context
from handlers.flow import Edge, Parsed, Step, Then
from handlers.messages import Choice, InputKind

MAX_ORGANISATION = limits.ORGANISATION


@dataclass(frozen=True)
class Field:
    """One profile field: its question (catalog key `ask_<name>`), how an answer is read, how a value is
    shown (label `field_<name>`), and the buttons that answer it. A button of anything else never
    reaches `parse` inside a dialogue: the runner answers it (handlers/flow.py)."""

    name: str
    ask: Callable[[Context, int], None]  # (ctx, page)
    parse: Callable[[Context], Parsed]
    show: Callable[[Context, Any], str]
    skippable: bool = False
    buttons: tuple[type[ButtonData], ...] = ()

    @property
    def label_key(self) -> str:
        return f"field_{self.name}"

    def step(self, then: str | Then | None, *, edges: tuple[Edge, ...] = ()) -> Step:
        """This field as a dialogue step named after it."""
        return Step(self.name, self.ask, self.parse, then, buttons=self.buttons, edges=edges)


# --- full name ---------------------------------------------------------------------------------------


def _ask_full_name(ctx: Context, _page: int) -> None:
    ctx.say("ask_full_name")


_NAME_ERRORS = {
    NameProblem.TOO_SHORT: "error_full_name_short",
    NameProblem.TOO_LONG: "error_full_name_long",
    NameProblem.NOT_LETTERS: "error_full_name",
}


def _parse_full_name(ctx: Context) -> Parsed:
    return read_full_name(ctx.typed())


def read_full_name(text: str | None) -> Parsed:
    """A full name as typed (the chat's answer or a web form's field)."""
    name = normalise_name(text) if text else None
    if name:
        return Parsed(name)
    problem = name_problem(text) if text else NameProblem.NOT_LETTERS
    return Parsed(error=_NAME_ERRORS[problem or NameProblem.NOT_LETTERS], params={"limit": limits.FULL_NAME})


# --- date of birth -----------------------------------------------------------------------------------


def _ask_date_of_birth(ctx: Context, _page: int) -> None:
    ctx.say("ask_date_of_birth")


def unreadable_date(text: str | None, *, today: date, error: str) -> Parsed:
    """The answer to a date that could not be read: what is wrong with it when it looks like a
    date (29/02/1995: "1995 is not a leap year"), else `error`, which shows the expected shape."""
    bad = impossible_date(text, today=today) if text else None
    if bad is None:
        return Parsed(error=error)
    params = {"day": bad.day, "month": bad.month, "year": bad.year, "days": bad.days_in_month}
    return Parsed(error=f"error_date_{bad.problem.value}", params=params)


def _parse_date_of_birth(ctx: Context) -> Parsed:
    return read_date_of_birth(ctx.typed(), today=ctx.today())


def read_date_of_birth(text: str | None, *, today: date) -> Parsed:
    """A birth date as typed (03/08/1995, 3.8.95, …): its ISO form, or what is wrong with it."""
    born = parse_date(text, today=today) if text else None
    if born is None:
        return unreadable_date(text, today=today, error="error_date_format")
    if born > today:
        return Parsed(error="error_date_future")
    if age_on(born, on=today) > 120:
        return Parsed(error="error_date_format")
    return Parsed(born.isoformat())


def _show_date(ctx: Context, value: Any) -> str:
    return ctx.t.date(date.fromisoformat(value)) if value else ctx.t("value_none")


# --- sex ---------------------------------------------------------------------------------------------

_SEX_WORDS = {
    "male": ["nam", "nam gioi", "con trai", "trai", "dan ong", "male", "man", "m"],
    "female": ["nu", "nu gioi", "con gai", "gai", "phu nu", "female", "woman", "f"],
}


def _ask_sex(ctx: Context, _page: int) -> None:
    ctx.say(
        "ask_sex",
        choices=[[ctx.choice(f"sex_{sex}", buttons.Sex(sex)) for sex in _SEX_WORDS]],
    )


def _parse_sex(ctx: Context) -> Parsed:
    if (pressed := ctx.pressed(buttons.Sex)) is not None:
        return Parsed(pressed.sex)
    return read_sex(ctx.typed())


def read_sex(text: str | None) -> Parsed:
    """ "male" or "female" from the words people use (nam, nữ, …)."""
    value = match_option(text, _SEX_WORDS) if text else None
    return Parsed(value) if value else Parsed(error="error_sex")


def _show_sex(ctx: Context, value: Any) -> str:
    return ctx.t(f"sex_{value}")


# --- phone -------------------------------------------------------------------------------------------


def _ask_phone(ctx: Context, _page: int) -> None:
    ctx.say("ask_phone", request_contact=ctx.t("button_share_phone"))


def _parse_phone(ctx: Context) -> Parsed:
    inc = ctx.incoming
    if inc.kind is InputKind.CONTACT:
        if not inc.contact_is_own:
            return Parsed(error="error_contact_not_own")
        phone = parse_phone(inc.contact_phone or "")
        return Parsed(phone) if phone else Parsed(error="error_phone")
    return read_phone(ctx.typed())


def read_phone(text: str | None) -> Parsed:
    """A phone in any common form (0912 345 678, +84…, 84…) as E.164; an old 11-digit mobile number
    is read as the number it became (`params["old"]`, for `tell_converted`)."""
    phone = parse_phone(text) if text else None
    if phone is None:
        return Parsed(error="error_phone")
    # An old 11-digit mobile number is kept as the number it became; the person is told.
    return Parsed(phone, params={"old": text} if text and old_mobile_number(text) else {})


def _show_phone(ctx: Context, value: Any) -> str:
    return display_phone(value) if value else ctx.t("value_none")


# --- blood group -------------------------------------------------------------------------------------

_BLOOD_ROWS = (("A+", "A-"), ("B+", "B-"), ("AB+", "AB-"), ("O+", "O-"))


def _ask_blood_group(ctx: Context, _page: int) -> None:
    rows: list[list[Choice]] = [
        [Choice(BloodGroup.from_code(code).label, buttons.Blood(code).pack()) for code in row]
        for row in _BLOOD_ROWS
    ]
    rows.append([ctx.choice("blood_unknown", buttons.Blood("unknown"))])
    ctx.say("ask_blood_group", choices=rows)


def _parse_blood_group(ctx: Context) -> Parsed:
    if (pressed := ctx.pressed(buttons.Blood)) is not None:
        unknown = pressed.group == "unknown"
        return Parsed(BloodGroup(None, None).code if unknown else BloodGroup.from_code(pressed.group).code)
    return read_blood_group(ctx.typed())


def read_blood_group(text: str | None) -> Parsed:
    """A blood group as typed (O+, "o duong", AB Rh-, …) as its code."""
    group = parse_blood_group(text) if text else None
    return Parsed(group.code) if group is not None else Parsed(error="error_blood_group")


def _show_blood_group(ctx: Context, value: Any) -> str:
    label = BloodGroup.from_code(value).label if value else ""
    return label or ctx.t("blood_unknown")


# --- weight ------------------------------------------------------------------------------------------


def _ask_weight(ctx: Context, _page: int) -> None:
    ctx.say("ask_weight", choices=[[ctx.choice("button_skip", buttons.WeightSkip())]])


def _parse_weight(ctx: Context) -> Parsed:
    if ctx.pressed(buttons.WeightSkip) is not None:
        return Parsed(None)
    return read_weight(ctx.typed())


def read_weight(text: str | None) -> Parsed:
    """A weight in kg as typed (52, 52,5, 52.5 kg)."""
    weight = parse_weight_kg(text) if text else None
    return Parsed(weight) if weight is not None else Parsed(error="error_weight")


def _show_weight(ctx: Context, value: Any) -> str:
    if value is None:
        return ctx.t("value_none")
    return ctx.t("value_weight", kg=ctx.t.number(value))


# --- ward --------------------------------------------------------------------------------------------


def _ask_ward(ctx: Context, page: int) -> None:
    wards = ctx.settings.area.wards
    size = ctx.settings.registration.wards_page_size
    pages = max(1, -(-len(wards) // size))
    page = min(max(page, 0), pages - 1)
    first = page * size
    rows: list[list[Choice]] = []
    shown = list(enumerate(wards))[first : first + size]
    for i in range(0, len(shown), 2):
        rows.append([Choice(name, buttons.Ward.at(index).pack()) for index, name in shown[i : i + 2]])
    nav: list[Choice] = []
    if page > 0:
        nav.append(ctx.choice("button_previous", buttons.Ward.turn(page - 1)))
    if page < pages - 1:
        nav.append(ctx.choice("button_next", buttons.Ward.turn(page + 1)))
    if nav:
        rows.append(nav)
    rows.append([ctx.choice("ward_other", buttons.Ward("other"))])
    # ‹ / › replace the question with the other page instead of adding a message
    turning = (pressed := ctx.pressed(buttons.Ward)) is not None and pressed.page is not None
    ctx.say("ask_ward", choices=rows, area=ctx.settings.area.name, page=page + 1, pages=pages, edit=turning)


def _parse_ward(ctx: Context) -> Parsed:
    wards = ctx.settings.area.wards
    if (pressed := ctx.pressed(buttons.Ward)) is not None:
        if pressed.other:
            return Parsed(None)
        if pressed.page is not None:
            page = pressed.page if pressed.page < len(wards) else None  # never more pages than wards
            return Parsed(page=page) if page is not None else Parsed(error="error_button_expired")
        index = pressed.index if pressed.index is not None and pressed.index < len(wards) else None
        return Parsed(wards[index]) if index is not None else Parsed(error="error_button_expired")
    text = ctx.typed()
    key = match_option(text, {name: [name] for name in wards}) if text else None
    return Parsed(key) if key else Parsed(error="error_ward")


def _show_ward(ctx: Context, value: Any) -> str:
    return str(value) if value else ctx.t("ward_other")


# --- organisation ------------------------------------------------------------------------------------


def _ask_organisation(ctx: Context, _page: int) -> None:
    ctx.say("ask_organisation", choices=[[ctx.choice("button_skip", buttons.OrganisationSkip())]])


def _parse_organisation(ctx: Context) -> Parsed:
    if ctx.pressed(buttons.OrganisationSkip) is not None:
        return Parsed(None)
    text = ctx.typed()
    if not text or len(text) < 2 or len(text) > MAX_ORGANISATION or text.startswith("/"):
        return Parsed(error="error_organisation", params={"limit": MAX_ORGANISATION})
    if not any(ch.isalnum() for ch in text):
        return Parsed(error="error_organisation", params={"limit": MAX_ORGANISATION})
    return Parsed(" ".join(text.split()))


def _show_text(ctx: Context, value: Any) -> str:
    return str(value) if value else ctx.t("value_none")


# --- organisation type (sessions for a sector are offered to its donors only) ------------------------

_ORGANISATION_TYPE_WORDS = {
    OrganisationType.SCHOOL.value: ["truong", "truong hoc", "hoc sinh", "sinh vien", "giao vien", "school"],
    OrganisationType.COMPANY.value: ["cong ty", "doanh nghiep", "nha may", "hop tac xa", "company"],
    OrganisationType.AGENCY.value: ["co quan", "co quan nha nuoc", "uy ban", "agency", "government"],
    OrganisationType.NONE.value: ["khong", "khong co", "khong thuoc", "none", "no"],
}


def _ask_organisation_type(ctx: Context, _page: int) -> None:
    rows = [
        [ctx.choice(f"organisation_type_{kind.value}", buttons.OrganisationKind(kind.value))]
        for kind in OrganisationType
    ]
    ctx.say("ask_organisation_type", choices=rows)


def _parse_organisation_type(ctx: Context) -> Parsed:
    if (pressed := ctx.pressed(buttons.OrganisationKind)) is not None:
        return Parsed(pressed.kind)
    text = ctx.typed()
    value = match_option(text, _ORGANISATION_TYPE_WORDS) if text else None
    return Parsed(value) if value else Parsed(error="error_organisation_type")


def _show_organisation_type(ctx: Context, value: Any) -> str:
    return ctx.t(f"organisation_type_{value}") if value else ctx.t("value_none")


# --- last donation -----------------------------------------------------------------------------------


def _ask_last_donation(ctx: Context, _page: int) -> None:
    ctx.say("ask_last_donation", choices=[[ctx.choice("button_never_donated", buttons.NeverDonated())]])


def _parse_last_donation(ctx: Context) -> Parsed:
    if ctx.pressed(buttons.NeverDonated) is not None:
        return Parsed(None)
    text = ctx.typed()
    today = ctx.today()
    if not text:
        return Parsed(error="error_last_donation")
    when = parse_date(text, today=today) or parse_ago(text, today=today)
    if when is None:
        return unreadable_date(text, today=today, error="error_last_donation")
    if when > today:
        return Parsed(error="error_date_future")
    born = ctx.state.data.get("date_of_birth") or (
        ctx.donor.date_of_birth.isoformat() if ctx.donor is not None else None
    )
    if born and when <= date.fromisoformat(born):
        return Parsed(error="error_last_donation_before_birth")
    return Parsed(when.isoformat())


def _show_last_donation(ctx: Context, value: Any) -> str:
    return ctx.t.date(date.fromisoformat(value)) if value else ctx.t("button_never_donated")


# --- donations before the bot (domain/milestones.py; typed at the registration summary, or in /hoso) -

_NOT_SURE = frozenset(
    {"khong nho", "khong nho ro", "khong ro", "khong biet", "chua ro", "khong chac", "bo qua", "quen roi"}
    | {"not sure", "unsure", "dont know", "don't know", "i don't know", "skip", "no idea"}
)


def _ask_earlier_donations(ctx: Context, _page: int) -> None:
    # No "not sure" button: on a chat without buttons (Zalo, the console) it would be choice 1, and "1"
    # is a count. Not sure is typed ("không nhớ").
    ctx.say("ask_earlier_donations")


def _parse_earlier_donations(ctx: Context) -> Parsed:
    text = ctx.typed()
    if text and fold(" ".join(text.split())).rstrip(".!") in _NOT_SURE:
        return Parsed(None)
    count = parse_count(text) if text else None
    if count is None:
        return Parsed(error="error_earlier_donations", params={"limit": MAX_EARLIER_DONATIONS})
    return Parsed(count)


def _show_earlier_donations(ctx: Context, value: Any) -> str:
    return ctx.t("value_none") if value is None else ctx.t.plural("value_times", int(value))


# --- reserve donor -----------------------------------------------------------------------------------


def _ask_reserve(ctx: Context, _page: int) -> None:
    ctx.say(
        "ask_reserve",
        choices=[[ctx.choice(f"button_{a}", buttons.Reserve(a)) for a in ("yes", "no")]],
    )


def _parse_reserve(ctx: Context) -> Parsed:
    if (pressed := ctx.pressed(buttons.Reserve)) is not None:
        return Parsed(pressed.answer == "yes")
    text = ctx.typed()
    answer = parse_yes_no(text) if text else None
    return Parsed(answer) if answer is not None else Parsed(error="error_yes_no")


def _show_yes_no(ctx: Context, value: Any) -> str:
    return ctx.t("button_yes") if value else ctx.t("button_no")


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("full_name", _ask_full_name, _parse_full_name, _show_text),
        Field("date_of_birth", _ask_date_of_birth, _parse_date_of_birth, _show_date),
        Field("sex", _ask_sex, _parse_sex, _show_sex, buttons=(buttons.Sex,)),
        Field("phone", _ask_phone, _parse_phone, _show_phone),
        Field(
            "blood_group", _ask_blood_group, _parse_blood_group, _show_blood_group, buttons=(buttons.Blood,)
        ),
        Field("weight", _ask_weight, _parse_weight, _show_weight, True, (buttons.WeightSkip,)),
        Field("ward", _ask_ward, _parse_ward, _show_ward, buttons=(buttons.Ward,)),
        Field(
            "organisation",
            _ask_organisation,
            _parse_organisation,
            _show_text,
            True,
            (buttons.OrganisationSkip,),
        ),
        Field(
            "organisation_type",
            _ask_organisation_type,
            _parse_organisation_type,
            _show_organisation_type,
            buttons=(buttons.OrganisationKind,),
        ),
        Field(
            "last_donation",
            _ask_last_donation,
            _parse_last_donation,
            _show_last_donation,
            buttons=(buttons.NeverDonated,),
        ),
        Field(
            "earlier_donations",
            _ask_earlier_donations,
            _parse_earlier_donations,
            _show_earlier_donations,
            True,
        ),
        Field("reserve", _ask_reserve, _parse_reserve, _show_yes_no, buttons=(buttons.Reserve,)),
    )
}
"""Every profile field, in the order /hoso shows them. A new field: its functions above, one entry
here, its catalog keys (`ask_`, `field_`, `error_`), its column, and `profile.apply` if it is not
a plain column."""


def age_problem(ctx: Context, born_iso: str) -> tuple[str, dict[str, object]] | None:
    """The catalog key and params explaining why this birth date is outside the donor age range."""
    born = date.fromisoformat(born_iso)
    today = ctx.today()
    rules = ctx.settings.registration
    age = age_on(born, on=today)
    if age < rules.min_age:
        return "refuse_too_young", {
            "min_age": rules.min_age,
            "max_age": rules.max_age,
            "date": ctx.t.date(nth_birthday(born, rules.min_age)),
        }
    if age > rules.max_age:
        return "refuse_too_old", {"min_age": rules.min_age, "max_age": rules.max_age}
    return None


def tell_converted(ctx: Context, parsed: Parsed) -> None:
    """Says so when an old 11-digit mobile number was read as today's number."""
    if parsed.ok and parsed.params.get("old"):
        ctx.say("phone_converted", old=parsed.params["old"], new=display_phone(parsed.value))
