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

from datetime import date

from core import buttons
from domain import limits, plan_file
from domain.text import fold
from handlers.context import Context
from handlers.flow import END, Ask, Dialogue, Edge, Parsed, Read, Step, save_as
from services import campaigns as service

NAME = "campaign_create"
_BUTTONS_PLEASE = "error_use_buttons_current"
_SKIP_WORDS = frozenset({"bo qua", "skip", "khong", "no", "-"})
MAX_QUOTA_LINES = service.MAX_QUOTA_LINES


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


def _parsed(ctx: Context, key: str, value: object) -> Parsed:
    """A service's reading as the dialogue's answer."""
    if isinstance(value, service.Problem):
        return Parsed(error=value.key, params=service.shown(ctx.t, value))
    return Parsed({key: value.isoformat() if isinstance(value, date) else value})


def read_name(ctx: Context) -> Parsed:
    return _parsed(ctx, "name", service.read_name(ctx.typed()))


def read_first_day(ctx: Context) -> Parsed:
    return _parsed(ctx, "first_day", service.read_day(ctx.typed(), today=ctx.today()))


def read_last_day(ctx: Context) -> Parsed:
    first = date.fromisoformat(ctx.state.data["first_day"])
    return _parsed(ctx, "last_day", service.read_last_day(ctx.typed(), first=first, today=ctx.today()))


def _read_text(key: str, limit: int, error: str) -> Read:
    def read(ctx: Context) -> Parsed:
        if _skip(ctx):
            return Parsed({key: None})
        return _parsed(ctx, key, service.read_text(ctx.typed(), limit=limit, error=error))

    return read


def _read_count(key: str, target: str, error: str, maximum: int) -> Read:
    """A whole number checked against the plan file's range of `target` (a `Targets` field)."""

    def read(ctx: Context) -> Parsed:
        if _skip(ctx):
            return Parsed({key: None})
        return _parsed(ctx, key, service.read_count(ctx.typed(), target=target, error=error, maximum=maximum))

    return read


def _read_share(key: str, target: str) -> Read:
    """A percentage ("60", "60 %", "62,5%") kept as a share 0..1, within the plan file's range."""

    def read(ctx: Context) -> Parsed:
        if _skip(ctx):
            return Parsed({key: None})
        return _parsed(ctx, key, service.read_share(ctx.typed(), target=target))

    return read


def read_quotas(ctx: Context) -> Parsed:
    """Lines "Tam Lưu: 120", one ward of `[area] wards` each (with or without diacritics)."""
    if _skip(ctx):
        return Parsed({"quotas": []})
    found = service.read_quotas(ctx.typed(), ctx.settings.area.wards)
    return _parsed(ctx, "quotas", found if isinstance(found, service.Problem) else [list(q) for q in found])


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


def values_of(data: dict[str, object]) -> service.CampaignValues:
    """The dialogue's answers as the service's values."""
    quotas = data.get("quotas") or []
    assert isinstance(quotas, list)
    return service.CampaignValues(
        name=str(data["name"]),
        first_day=date.fromisoformat(str(data["first_day"])),
        last_day=date.fromisoformat(str(data["last_day"])),
        unit=data.get("unit"),  # type: ignore[arg-type]
        slogan=data.get("slogan"),  # type: ignore[arg-type]
        units=data.get("units"),  # type: ignore[arg-type]
        repeat=data.get("repeat"),  # type: ignore[arg-type]
        share_350=data.get("share_350"),  # type: ignore[arg-type]
        reserve=data.get("reserve"),  # type: ignore[arg-type]
        quotas=tuple((str(ward), int(units)) for ward, units in quotas),
    )


async def on_confirm(ctx: Context, answer: Parsed) -> None:
    if not answer.value:
        ctx.state.clear()
        ctx.say("cancelled")
        return
    row = await service.create(ctx.session, values_of(ctx.state.data), actor=ctx.actor, now=ctx.now())
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
