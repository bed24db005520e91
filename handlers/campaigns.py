"""/taochiendich (/newcampaign): a campaign made in the chat, not only from a plan file.

Asked one value at a time: the name, the first and last day, the organising unit and the slogan (both
optional), the targets — units, the repeat-donor share, the 350 ml share, reserve donors, each optional
("bỏ qua" / "skip") —, the ward quotas as lines "Tam Lưu: 120" (optional; organisation quotas stay with
`donorbot quota set --organisation`), then a summary with Confirm. Nothing is written before Confirm, so
/huy or Cancel leave nothing; the campaign and its quotas are written in one go (`models.campaigns`),
with the plan file's rules (`domain.plan_file.check_campaign`) and audited. The role is checked on every
step. The new campaign is the first one /taodot offers.
"""

from __future__ import annotations

import re
from datetime import date

from core import buttons
from domain import limits, plan_file
from domain.dates import parse_date
from domain.figures import Targets
from domain.ids import parse_int
from domain.plan_file import CampaignPlan, QuotaEntry, check_quota, check_targets, one_line, ward_in
from domain.text import fold
from handlers.context import Context
from handlers.flow import END, Ask, Dialogue, Edge, Parsed, Read, Step, save_as
from models import campaigns

NAME = "campaign_create"
_BUTTONS_PLEASE = "error_use_buttons_current"
_PERCENT = re.compile(r"^(\d{1,3}(?:[.,]\d{1,2})?)\s*%?$")
_QUOTA_LINE = re.compile(r"^(.+?)\s*(?:[:=\-–]|\s)\s*([\d][\d.,\s]*)$")  # "Tam Lưu: 120", "Tam Lưu 120"
_SKIP_WORDS = frozenset({"bo qua", "skip", "khong", "no", "-"})
MAX_QUOTA_LINES = 100


def _skip(ctx: Context) -> bool:
    """ "Skip" pressed, or typed ("bỏ qua", "bo qua", "skip", "-")."""
    if ctx.pressed(buttons.FormSkip) is not None:
        return True
    text = ctx.typed()
    return text is not None and fold(text) in _SKIP_WORDS


def _ask(key: str, *, optional: bool = False) -> Ask:
    def ask(ctx: Context, _page: int = 0) -> None:
        choices = [[ctx.choice("button_skip", buttons.FormSkip())]] if optional else []
        ctx.say(key, choices=choices)

    return ask


def _number(text: str | None, maximum: int) -> int | None:
    """ "1200", "1.200", "1 200" → 1200 (thousands separators of either language), or None."""
    if text is None:
        return None
    return parse_int(re.sub(r"[.,\s]", "", text), minimum=0, maximum=maximum * 10)


def read_name(ctx: Context) -> Parsed:
    text = ctx.typed()
    name = one_line(text) if text else ""
    if not 3 <= len(name) <= limits.CAMPAIGN_NAME or name.startswith("/"):
        return Parsed(error="cmp_error_name", params={"limit": limits.CAMPAIGN_NAME})
    return Parsed({"name": name})


def _read_day(ctx: Context) -> date | Parsed:
    text = ctx.typed()
    day = parse_date(text, today=ctx.today()) if text else None
    if day is None or not plan_file.MIN_YEAR <= day.year <= plan_file.MAX_YEAR:
        return Parsed(error="cmp_error_date")
    return day


def read_first_day(ctx: Context) -> Parsed:
    day = _read_day(ctx)
    return day if isinstance(day, Parsed) else Parsed({"first_day": day.isoformat()})


def read_last_day(ctx: Context) -> Parsed:
    day = _read_day(ctx)
    if isinstance(day, Parsed):
        return day
    first = date.fromisoformat(ctx.state.data["first_day"])
    if day < first:
        return Parsed(error="cmp_error_end_before_start", params={"first": ctx.t.date(first)})
    if day < ctx.today():
        return Parsed(error="cmp_error_over")
    return Parsed({"last_day": day.isoformat()})


def _read_text(key: str, limit: int, error: str) -> Read:
    def read(ctx: Context) -> Parsed:
        if _skip(ctx):
            return Parsed({key: None})
        text = one_line(ctx.typed() or "")
        if not 2 <= len(text) <= limit or text.startswith("/"):
            return Parsed(error=error, params={"limit": limit})
        return Parsed({key: text})

    return read


def _read_count(key: str, target: str, error: str, maximum: int) -> Read:
    """A whole number checked against the plan file's range of `target` (a `Targets` field)."""

    def read(ctx: Context) -> Parsed:
        if _skip(ctx):
            return Parsed({key: None})
        value = _number(ctx.typed(), maximum)
        if value is None or check_targets(Targets(**{target: value})) is not None:
            return Parsed(error=error, params={"max": ctx.t.number(maximum)})
        return Parsed({key: value})

    return read


def _read_share(key: str, target: str) -> Read:
    """A percentage ("60", "60 %", "62,5%") kept as a share 0..1, within the plan file's range."""

    def read(ctx: Context) -> Parsed:
        if _skip(ctx):
            return Parsed({key: None})
        found = _PERCENT.match(ctx.typed() or "")
        if found is None:
            return Parsed(error="cmp_error_share")
        share = float(found.group(1).replace(",", ".")) / 100
        targets = Targets(repeat_share=share) if target == "repeat_share" else Targets(share_350=share)
        if check_targets(targets) is not None:
            return Parsed(error="cmp_error_share_over")
        return Parsed({key: round(share, 4)})

    return read


def read_quotas(ctx: Context) -> Parsed:
    """Lines "Tam Lưu: 120", one ward of `[area] wards` each (with or without diacritics)."""
    if _skip(ctx):
        return Parsed({"quotas": []})
    wards = ctx.settings.area.wards
    lines = [line.strip() for line in (ctx.typed() or "").splitlines() if line.strip()]
    if not lines or len(lines) > MAX_QUOTA_LINES:
        return Parsed(error="cmp_error_quota_line", params={"line": "", "example": _example(wards)})
    found: list[list[object]] = []
    for line in lines:
        match = _QUOTA_LINE.match(line)
        units = _number(match.group(2), plan_file.MAX_UNITS) if match else None
        if match is None or units is None:
            return Parsed(
                error="cmp_error_quota_line", params={"line": line[:60], "example": _example(wards)}
            )
        ward = ward_in(one_line(match.group(1)), wards)
        if ward is None:
            return Parsed(
                error="cmp_error_quota_ward", params={"ward": match.group(1)[:40], "wards": ", ".join(wards)}
            )
        if any(ward == w for w, _ in found):
            return Parsed(error="cmp_error_quota_twice", params={"ward": ward})
        if check_quota(QuotaEntry("ward", ward, units=units)) is not None:
            return Parsed(
                error="cmp_error_quota_line", params={"line": line[:60], "example": _example(wards)}
            )
        found.append([ward, units])
    return Parsed({"quotas": found})


def _example(wards: tuple[str, ...] | list[str]) -> str:
    return f"{wards[0]}: 120" if wards else "Tam Lưu: 120"


def _percent(ctx: Context, share: float | None) -> str:
    return ctx.t("cmp_none") if share is None else f"{ctx.t.number(round(share * 100, 2))} %"


def _count(ctx: Context, value: int | None) -> str:
    return ctx.t("cmp_none") if value is None else ctx.t.number(value)


def ask_confirm(ctx: Context, _page: int = 0) -> None:
    d = ctx.state.data
    quotas = d.get("quotas") or []
    ctx.say(
        "cmp_summary",
        name=d["name"],
        first=ctx.t.date(date.fromisoformat(d["first_day"])),
        last=ctx.t.date(date.fromisoformat(d["last_day"])),
        unit=d.get("unit") or ctx.t("cmp_none"),
        slogan=d.get("slogan") or ctx.t("cmp_none"),
        units=_count(ctx, d.get("units")),
        repeat=_percent(ctx, d.get("repeat")),
        share_350=_percent(ctx, d.get("share_350")),
        reserve=_count(ctx, d.get("reserve")),
        quotas="; ".join(f"{ward}: {ctx.t.number(units)}" for ward, units in quotas) or ctx.t("cmp_none"),
        choices=[
            [
                ctx.choice("button_confirm", buttons.CampaignConfirm("yes")),
                ctx.choice("button_cancel", buttons.CampaignConfirm("no")),
            ]
        ],
    )


def read_confirm(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CampaignConfirm)
    return Parsed(pressed.answer == "yes") if pressed is not None else Parsed(error=_BUTTONS_PLEASE)


def plan_of(data: dict[str, object]) -> CampaignPlan:
    """The dialogue's answers as the plan file's campaign (no sessions; the key filled in by `create`)."""
    first = date.fromisoformat(str(data["first_day"]))
    quotas = data.get("quotas") or []
    assert isinstance(quotas, list)

    def optional(name: str) -> object:
        return data.get(name)

    return CampaignPlan(
        key=str(data.get("key") or "x"),
        name=str(data["name"]),
        year=first.year,
        sessions=(),
        organising_unit=optional("unit"),  # type: ignore[arg-type]
        slogan=optional("slogan"),  # type: ignore[arg-type]
        target_units=optional("units"),  # type: ignore[arg-type]
        target_repeat_share=optional("repeat"),  # type: ignore[arg-type]
        target_350_share=optional("share_350"),  # type: ignore[arg-type]
        target_reserve_donors=optional("reserve"),  # type: ignore[arg-type]
        quotas=tuple(QuotaEntry("ward", str(ward), units=int(units)) for ward, units in quotas),
        first_day=first,
        last_day=date.fromisoformat(str(data["last_day"])),
    )


async def on_confirm(ctx: Context, answer: Parsed) -> None:
    if not answer.value:
        ctx.state.clear()
        ctx.say("cancelled")
        return
    plan = plan_of(ctx.state.data)
    key = await campaigns.free_campaign_key(ctx.session, plan.name, plan.year)
    plan = plan_of({**ctx.state.data, "key": key})
    row = await campaigns.create_campaign(ctx.session, plan, actor=ctx.actor, now=ctx.now())
    ctx.state.clear()
    ctx.say("cmp_done", name=row.name, id=row.id, key=row.key)


def _step(
    name: str, ask: Ask, read: Read, following: str, *, optional: bool = False, label: str = ""
) -> Step:
    return Step(
        name,
        ask,
        read,
        save_as(None, following),
        buttons=(buttons.FormSkip,) if optional else (),
        foreign=None,
        edges=(Edge(following, label or ("a value or Skip" if optional else "")),),
    )


FLOW = Dialogue(
    name=NAME,
    steps=(
        _step("name", _ask("cmp_ask_name"), read_name, "first_day"),
        _step("first_day", _ask("cmp_ask_first_day"), read_first_day, "last_day"),
        _step(
            "last_day", _ask("cmp_ask_last_day"), read_last_day, "unit", label="a day, not before the first"
        ),
        _step(
            "unit",
            _ask("cmp_ask_unit", optional=True),
            _read_text("unit", limits.ORGANISING_UNIT, "cmp_error_unit"),
            "slogan",
            optional=True,
        ),
        _step(
            "slogan",
            _ask("cmp_ask_slogan", optional=True),
            _read_text("slogan", limits.SLOGAN, "cmp_error_slogan"),
            "units",
            optional=True,
        ),
        _step(
            "units",
            _ask("cmp_ask_units", optional=True),
            _read_count("units", "units", "cmp_error_units", plan_file.MAX_UNITS),
            "repeat",
            optional=True,
        ),
        _step(
            "repeat",
            _ask("cmp_ask_repeat", optional=True),
            _read_share("repeat", "repeat_share"),
            "share_350",
            optional=True,
            label="a % up to 100, or Skip",
        ),
        _step(
            "share_350",
            _ask("cmp_ask_350", optional=True),
            _read_share("share_350", "share_350"),
            "reserve",
            optional=True,
            label="a % up to 100, or Skip",
        ),
        _step(
            "reserve",
            _ask("cmp_ask_reserve", optional=True),
            _read_count("reserve", "reserve_donors", "cmp_error_reserve", plan_file.MAX_HEADCOUNT),
            "quotas",
            optional=True,
        ),
        _step(
            "quotas",
            _ask("cmp_ask_quotas", optional=True),
            read_quotas,
            "confirm",
            optional=True,
            label='lines "Tam Lưu: 120", or Skip',
        ),
        Step(
            "confirm",
            ask_confirm,
            read_confirm,
            on_confirm,
            buttons=(buttons.CampaignConfirm,),
            foreign=_BUTTONS_PLEASE,
            edges=(Edge(END, "Confirm: the campaign and its quotas are created / Cancel: nothing"),),
        ),
    ),
    restart="taochiendich",
    organisers=True,
    entries=(Edge("name", "/taochiendich (organisers)"),),
    notes=("The role is checked again on every step; nothing is written before Confirm.",),
)
"""/taochiendich: a campaign, its targets and ward quotas, asked one value at a time."""


async def start(ctx: Context, _args: str = "") -> None:
    """/taochiendich: the runner checks the role."""
    await FLOW.begin(ctx)
