"""/kiemtra: a short button self-check ending with a verdict, the reason and the next step.

Age, sex and weight come from the profile when known. Screening answers are health data (Luật Bảo vệ
dữ liệu cá nhân 91/2025/QH15): they stay in the dialogue only until the verdict and are then dropped.
A registered donor may, by a separate and explicit choice (never pre-selected), keep the derived
"can donate again from" date; /hoso shows it with a button to withdraw it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from core import buttons
from domain.dates import parse_ago, parse_date
from domain.eligibility import Person, Sex, Verdict
from domain.screening import FEMALE_ONLY, GROUPS
from handlers import verdicts
from handlers.context import Context
from handlers.fields import unreadable_date
from handlers.messages import InputKind

NAME = "selfcheck"


class Step(StrEnum):
    AGE = "age"
    SEX = "sex"
    WEIGHT = "weight"
    LAST = "last"
    LAST_DATE = "last_date"
    PERMANENT = "permanent"
    MONTHS_12 = "months_12"
    MONTHS_6 = "months_6"
    WEEKS_4 = "weeks_4"
    DAYS_7 = "days_7"
    PREGNANCY = "pregnancy"
    WHEN = "when"
    OPT_IN = "opt_in"


QUESTIONS = [
    Step.AGE,
    Step.SEX,
    Step.WEIGHT,
    Step.LAST,
    Step.PERMANENT,
    Step.MONTHS_12,
    Step.MONTHS_6,
    Step.WEEKS_4,
    Step.DAYS_7,
    Step.PREGNANCY,
]

AGE_BUTTONS = {"under": 17, "adult": 30, "over": 61}
WEIGHT_BUTTONS = {"lt42": 41.0, "42_44": 43.0, "45_49": 47.0, "ge50": 55.0}


async def start(ctx: Context, _args: str = "") -> None:
    """/kiemtra: asks the first question the profile does not answer."""
    ctx.state.go(NAME, Step.AGE)
    ctx.say("check_intro")
    advance(ctx, None)


def known(ctx: Context, step: Step) -> bool:
    """Whether the profile (or an earlier answer) already answers this question."""
    donor, data = ctx.donor, ctx.state.data
    if step is Step.AGE:
        return donor is not None or "age" in data
    if step is Step.SEX:
        return donor is not None or "sex" in data
    if step is Step.WEIGHT:
        return (donor is not None and donor.weight_kg is not None) or "weight" in data
    if step is Step.LAST:
        return donor is not None or "last" in data
    if step is Step.PREGNANCY:
        sex = donor.sex if donor is not None else data.get("sex")
        return sex == "male"
    return False


def advance(ctx: Context, after: Step | None) -> None:
    """Asks the next unanswered question, or gives the verdict when none is left."""
    start_at = 0 if after is None else QUESTIONS.index(after) + 1
    for step in QUESTIONS[start_at:]:
        if not known(ctx, step):
            ctx.state.step = step
            ask(ctx)
            return
    ctx.state.step = None
    # the verdict is async (profile lookups): flagged here, given by the flow
    ctx.state.data["due"] = True


def ask(ctx: Context) -> None:
    step = Step(ctx.state.step or Step.AGE)
    if step is Step.AGE:
        rows = [[ctx.choice(f"check_age_{k}", f"chk:age:{k}")] for k in AGE_BUTTONS]
        ctx.say("check_ask_age", choices=rows)
    elif step is Step.SEX:
        ctx.say(
            "ask_sex",
            choices=[[ctx.choice("sex_male", "chk:sex:male"), ctx.choice("sex_female", "chk:sex:female")]],
        )
    elif step is Step.WEIGHT:
        rows = [[ctx.choice(f"check_weight_{k}", f"chk:weight:{k}")] for k in WEIGHT_BUTTONS]
        ctx.say("check_ask_weight", choices=rows)
    elif step is Step.LAST:
        rows = [
            [ctx.choice("button_never_donated", "chk:last:never")],
            [ctx.choice("check_last_long_ago", "chk:last:long")],
            [ctx.choice("check_last_recent", "chk:last:recent")],
        ]
        ctx.say("check_ask_last", choices=rows)
    elif step is Step.LAST_DATE:
        ctx.say("check_ask_last_date")
    elif step is Step.WHEN:
        cond = ctx.state.data.get("pending", "")
        ctx.say(
            "check_ask_when",
            condition=ctx.t(f"check_cond_{cond}"),
            choices=[[ctx.choice("check_when_now", "chk:when:now")]],
        )
    elif step is Step.OPT_IN:
        ctx.say(
            "check_ask_opt_in",
            date=ctx.t.date(date.fromisoformat(ctx.state.data["from"])),
            choices=[
                [
                    ctx.choice("check_opt_in_yes", "chk:optin:yes"),
                    ctx.choice("check_opt_in_no", "chk:optin:no"),
                ]
            ],
        )
    else:
        buttons = [ctx.choice(f"check_cond_{cid}", f"chk:cond:{cid}") for cid in offered(ctx, step)]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        if given := [cid for cid in GROUPS[step] if cid in _given(ctx)]:
            # one more of the same time window (a tattoo and a piercing), or nothing else
            rows.append([ctx.choice("check_nothing_else", "chk:cond:none")])
            names = ctx.t.join([f"«{ctx.t(f'check_cond_{cid}')}»" for cid in given])
            ctx.say("check_ask_more", given=names, choices=rows)
            return
        rows.append([ctx.choice("check_none_of_these", "chk:cond:none")])
        ctx.say(f"check_ask_{step.value}", choices=rows)


def _given(ctx: Context) -> set[str]:
    data = ctx.state.data
    return {*data.get("events", {}), *data.get("advice", []), *data.get("permanent", [])}


def offered(ctx: Context, step: Step) -> list[str]:
    """The conditions a screening question offers this person: none a man cannot have, none given."""
    sex = ctx.donor.sex if ctx.donor is not None else ctx.state.data.get("sex")
    given = _given(ctx)
    return [cid for cid in GROUPS[step] if cid not in given and not (sex == "male" and cid in FEMALE_ONLY)]


def _same_question_again(ctx: Context, step: Step) -> None:
    """After one answer of a time window: that question again for the rest, or the next question."""
    if offered(ctx, step):
        ctx.state.step = step
        ask(ctx)
    else:
        advance(ctx, step)


class SelfCheckFlow:
    name = NAME

    async def on_input(self, ctx: Context) -> None:
        step = Step(ctx.state.step or Step.AGE)
        handled = handle_step(ctx, step)
        if not handled:
            expired = ctx.incoming.kind is InputKind.CHOICE
            ctx.say("error_button_expired" if expired else "check_use_buttons")
            ask(ctx)
            return
        if ctx.state.data.pop("due", False):
            await verdict(ctx)
        elif step is Step.OPT_IN:
            return

    async def reprompt(self, ctx: Context) -> None:
        ask(ctx)


FLOW = SelfCheckFlow()


def handle_step(ctx: Context, step: Step) -> bool:
    """Stores one answer and moves on; False when the input does not answer this step."""
    data = ctx.state.data
    if step is Step.AGE and (v := ctx.picked("chk:age")) in AGE_BUTTONS:
        data["age"] = AGE_BUTTONS[v]
    elif step is Step.SEX and (v := ctx.picked("chk:sex")) in ("male", "female"):
        data["sex"] = v
    elif step is Step.WEIGHT and (v := ctx.picked("chk:weight")) in WEIGHT_BUTTONS:
        data["weight"] = WEIGHT_BUTTONS[v]
    elif step is Step.LAST and (v := ctx.picked("chk:last")) in ("never", "long", "recent"):
        data["last"] = v
        if v == "recent":
            ctx.state.step = Step.LAST_DATE
            ask(ctx)
            return True
    elif step is Step.LAST_DATE:
        when = _typed_date(ctx)
        if when is None:
            ask(ctx)
            return True
        data["last_on"] = when.isoformat()
        step = Step.LAST
    elif step is Step.WHEN:
        when = ctx.today() if ctx.picked("chk:when") == "now" else _typed_date(ctx)
        if when is None:
            ask(ctx)
            return True
        data.setdefault("events", {})[data.pop("pending")] = when.isoformat()
        _same_question_again(ctx, Step(data.pop("group")))
        return True
    elif step is Step.OPT_IN and (v := ctx.picked("chk:optin")) in ("yes", "no"):
        opt_in(ctx, v == "yes")
        return True
    elif step in GROUPS and (v := ctx.picked("chk:cond")) is not None:
        if v != "none" and v not in offered(ctx, step):
            return False
        if v in ctx.knowledge.rules.permanent:
            data.setdefault("permanent", []).append(v)
            data["due"] = True  # nothing else can change the verdict
            return True
        if v in ctx.knowledge.rules.advice:
            data.setdefault("advice", []).append(v)
            _same_question_again(ctx, step)
            return True
        if v != "none":
            data["pending"], data["group"] = v, step.value
            ctx.state.step = Step.WHEN
            ask(ctx)
            return True
    else:
        return False
    advance(ctx, step)
    return True


def _typed_date(ctx: Context) -> date | None:
    """The day typed (a date or "2 tuần trước"); None after saying what is wrong with the answer."""
    text = ctx.incoming.text if ctx.incoming.kind is InputKind.TEXT else None
    today = ctx.today()
    when = (parse_date(text, today=today) or parse_ago(text, today=today)) if text else None
    if when is None:
        bad = unreadable_date(text, today=today, error="error_last_donation")
        ctx.say_text(ctx.t(bad.error or "error_last_donation", **bad.params))
        return None
    if when > today:
        ctx.say("error_date_future")
        return None
    return when


def person(ctx: Context) -> Person:
    data = ctx.state.data
    last_on = data.get("last_on")
    if data.get("last") == "long":
        last_on = None  # more than 12 weeks ago: no interval left to wait
    return Person(
        age_years=data.get("age"),
        sex=Sex(data["sex"]) if "sex" in data else None,
        weight_kg=data.get("weight"),
        last_donation_on=date.fromisoformat(last_on) if last_on else None,
        events={k: date.fromisoformat(v) for k, v in data.get("events", {}).items()},
        permanent=frozenset(data.get("permanent", [])),
        advice=frozenset(data.get("advice", [])),
    )


async def verdict(ctx: Context) -> None:
    """Gives the verdict, forgets the answers, and offers to keep the date (donors only)."""
    decision = await verdicts.decide_today(ctx, person(ctx))
    assessment = decision.assessment
    ctx.say_text(verdicts.render_decision(ctx, decision))
    ctx.say(verdicts.next_step_key(ctx, assessment), hotline=ctx.settings.bot.hotline)
    ctx.state.clear()  # screening answers are not kept
    donor = ctx.donor
    if (
        donor is not None
        and assessment.verdict is Verdict.NOT_YET
        and assessment.from_date is not None
        and assessment.from_date != donor.eligible_from  # already kept: nothing new to ask
    ):
        ctx.state.go(NAME, Step.OPT_IN)
        ctx.state.data["from"] = assessment.from_date.isoformat()
        ask(ctx)


def opt_in(ctx: Context, keep: bool) -> None:
    donor = ctx.donor
    from_iso = ctx.state.data.get("from")
    ctx.state.clear()
    if keep and donor is not None and from_iso:
        donor.eligible_from = date.fromisoformat(from_iso)
        donor.eligible_from_opt_in_at = ctx.now()
        ctx.say("check_opt_in_saved", date=ctx.t.date(donor.eligible_from))
    else:
        ctx.say("check_opt_in_not_saved")


async def on_forget_date(ctx: Context, _pressed: buttons.ForgetDate) -> None:
    """The button under /hoso that withdraws the kept date."""
    donor = ctx.donor
    if donor is None or donor.eligible_from is None:
        ctx.say("error_button_expired")
        return
    donor.eligible_from = None
    donor.eligible_from_opt_in_at = None
    ctx.say("check_date_forgotten")
