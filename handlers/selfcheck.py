"""/kiemtra: a short button self-check ending with a verdict, the reason and the next step.

Age, sex and weight come from the profile when known. Screening answers are health data (Luật Bảo vệ
dữ liệu cá nhân 91/2025/QH15): they stay in the dialogue only until the verdict and are then dropped.
A registered donor may, by a separate and explicit choice (never pre-selected), keep the derived
"can donate again from" date; /hoso shows it with a button to withdraw it.

The questions are a step table on the runner (handlers/flow.py): one step per profile question, one
per screening group of domain/screening.py (named as the group), the date of a recent donation and
the date of a condition. Each answer moves to the next question nobody has answered yet (`_after`);
when none is left, the verdict is given there and then. See docs/selfcheck.mmd.
"""

from __future__ import annotations

from datetime import date

from core import buttons
from domain.dates import parse_ago, parse_date
from domain.eligibility import Person, Sex, Verdict
from domain.screening import FEMALE_ONLY, GROUPS
from handlers import verdicts
from handlers.context import Context
from handlers.fields import unreadable_date
from handlers.flow import END, Dialogue, Edge, Parsed, Step
from handlers.messages import InputKind

NAME = "selfcheck"

QUESTIONS: tuple[str, ...] = ("age", "sex", "weight", "last", *GROUPS)
"""The questions in the order they are asked; each is skipped when the profile or an answer knows it."""

AGE_BUTTONS = {"under": 17, "adult": 30, "over": 61}
WEIGHT_BUTTONS = {"lt42": 41.0, "42_44": 43.0, "45_49": 47.0, "ge50": 55.0}
_USE_BUTTONS = "check_use_buttons"  # said when something is typed where only buttons answer


async def start(ctx: Context, _args: str = "") -> None:
    """/kiemtra: asks the first question the profile does not answer (a self-check under way keeps
    its answers so far)."""
    ctx.state.go(NAME, QUESTIONS[0])
    ctx.say("check_intro")
    following = await _after(ctx, None)
    if following is not None:
        await FLOW.goto(ctx, following)


def known(ctx: Context, step: str) -> bool:
    """Whether the profile (or an earlier answer) already answers this question."""
    donor, data = ctx.donor, ctx.state.data
    if step in ("age", "sex", "last"):
        return donor is not None or step in data
    if step == "weight":
        return (donor is not None and donor.weight_kg is not None) or "weight" in data
    if step == "pregnancy":
        sex = donor.sex if donor is not None else data.get("sex")
        return sex == "male"
    return False


async def _after(ctx: Context, step: str | None) -> str | None:
    """The next question nobody has answered, or None after giving the verdict (none is left)."""
    start_at = 0 if step is None else QUESTIONS.index(step) + 1
    for question in QUESTIONS[start_at:]:
        if not known(ctx, question):
            return question
    await verdict(ctx)
    return None


# --- age, sex, weight, the last donation -------------------------------------------------------------


def ask_age(ctx: Context, _page: int) -> None:
    rows = [[ctx.choice(f"check_age_{band}", buttons.CheckAge(band))] for band in AGE_BUTTONS]
    ctx.say("check_ask_age", choices=rows)


def read_age(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CheckAge)
    return Parsed(AGE_BUTTONS[pressed.band]) if pressed is not None else Parsed(error=_USE_BUTTONS)


def ask_sex(ctx: Context, _page: int) -> None:
    choices = [
        [
            ctx.choice("sex_male", buttons.CheckSex("male")),
            ctx.choice("sex_female", buttons.CheckSex("female")),
        ]
    ]
    ctx.say("ask_sex", choices=choices)


def read_sex(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CheckSex)
    return Parsed(pressed.sex) if pressed is not None else Parsed(error=_USE_BUTTONS)


def ask_weight(ctx: Context, _page: int) -> None:
    rows = [[ctx.choice(f"check_weight_{band}", buttons.CheckWeight(band))] for band in WEIGHT_BUTTONS]
    ctx.say("check_ask_weight", choices=rows)


def read_weight(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CheckWeight)
    return Parsed(WEIGHT_BUTTONS[pressed.band]) if pressed is not None else Parsed(error=_USE_BUTTONS)


async def _keep(ctx: Context, answer: Parsed) -> str | None:
    """An answer kept under the step's name until the verdict; on to the next open question."""
    step = ctx.state.step or ""
    ctx.state.data[step] = answer.value
    return await _after(ctx, step)


def ask_last(ctx: Context, _page: int) -> None:
    rows = [
        [ctx.choice("button_never_donated", buttons.CheckLast("never"))],
        [ctx.choice("check_last_long_ago", buttons.CheckLast("long"))],
        [ctx.choice("check_last_recent", buttons.CheckLast("recent"))],
    ]
    ctx.say("check_ask_last", choices=rows)


def read_last(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CheckLast)
    return Parsed(pressed.when) if pressed is not None else Parsed(error=_USE_BUTTONS)


async def on_last(ctx: Context, answer: Parsed) -> str | None:
    """Within the last 12 weeks, the day is asked: the interval may still be running."""
    ctx.state.data["last"] = answer.value
    return "last_date" if answer.value == "recent" else await _after(ctx, "last")


def ask_last_date(ctx: Context, _page: int) -> None:
    ctx.say("check_ask_last_date")


def read_date(ctx: Context) -> Parsed:
    """The day typed (a date or "2 tuần trước"), not in the future."""
    text = ctx.incoming.text if ctx.incoming.kind is InputKind.TEXT else None
    today = ctx.today()
    when = (parse_date(text, today=today) or parse_ago(text, today=today)) if text else None
    if when is None:
        return unreadable_date(text, today=today, error="error_last_donation")
    if when > today:
        return Parsed(error="error_date_future")
    return Parsed(when.isoformat())


async def on_last_date(ctx: Context, answer: Parsed) -> str | None:
    ctx.state.data["last_on"] = answer.value
    return await _after(ctx, "last")


# --- the screening groups, and when a condition was ----------------------------------------------------


def _given(ctx: Context) -> set[str]:
    data = ctx.state.data
    return {*data.get("events", {}), *data.get("advice", []), *data.get("permanent", [])}


def offered(ctx: Context, group: str) -> list[str]:
    """The conditions a screening question offers this person: none a man cannot have, none given."""
    sex = ctx.donor.sex if ctx.donor is not None else ctx.state.data.get("sex")
    given = _given(ctx)
    return [cid for cid in GROUPS[group] if cid not in given and not (sex == "male" and cid in FEMALE_ONLY)]


def ask_condition(ctx: Context, _page: int) -> None:
    """The group's conditions as buttons, two a row, then "none of these" (or "nothing else")."""
    group = ctx.state.step or ""
    shown = [ctx.choice(f"check_cond_{cid}", buttons.CheckCondition(cid)) for cid in offered(ctx, group)]
    rows = [shown[i : i + 2] for i in range(0, len(shown), 2)]
    if given := [cid for cid in GROUPS[group] if cid in _given(ctx)]:
        # one more of the same time window (a tattoo and a piercing), or nothing else
        rows.append([ctx.choice("check_nothing_else", buttons.CheckCondition("none"))])
        names = ctx.t.join([f"«{ctx.t(f'check_cond_{cid}')}»" for cid in given])
        ctx.say("check_ask_more", given=names, choices=rows)
        return
    rows.append([ctx.choice("check_none_of_these", buttons.CheckCondition("none"))])
    ctx.say(f"check_ask_{group}", choices=rows)


def read_condition(ctx: Context) -> Parsed:
    """A condition this question offers, or "none"; another question's condition has expired."""
    pressed = ctx.pressed(buttons.CheckCondition)
    if pressed is None:
        return Parsed(error=_USE_BUTTONS)
    cid = pressed.condition
    if cid != "none" and cid not in offered(ctx, ctx.state.step or ""):
        return Parsed(error="error_button_expired")
    return Parsed(cid)


async def on_condition(ctx: Context, answer: Parsed) -> str | None:
    """A permanent condition decides at once; advice is noted; a waiting time asks when it was."""
    data, group, cid = ctx.state.data, ctx.state.step or "", answer.value
    rules = ctx.knowledge.rules
    if cid in rules.permanent:
        data.setdefault("permanent", []).append(cid)
        await verdict(ctx)  # nothing else can change the verdict
        return None
    if cid in rules.advice:
        data.setdefault("advice", []).append(cid)
        return await _same_question_again(ctx, group)
    if cid != "none":
        data["pending"], data["group"] = cid, group
        return "when"
    return await _after(ctx, group)


async def _same_question_again(ctx: Context, group: str) -> str | None:
    """After one answer of a time window: that question again for the rest, or the next question."""
    return group if offered(ctx, group) else await _after(ctx, group)


def ask_when(ctx: Context, _page: int) -> None:
    ctx.say(
        "check_ask_when",
        condition=ctx.t(f"check_cond_{ctx.state.data.get('pending', '')}"),
        choices=[[ctx.choice("check_when_now", buttons.CheckWhen())]],
    )


def read_when(ctx: Context) -> Parsed:
    """ "Still / just now" (today), or the day typed."""
    return Parsed(ctx.today().isoformat()) if ctx.pressed(buttons.CheckWhen) is not None else read_date(ctx)


async def on_when(ctx: Context, answer: Parsed) -> str | None:
    data = ctx.state.data
    data.setdefault("events", {})[data.pop("pending")] = answer.value
    return await _same_question_again(ctx, data.pop("group"))


# --- the verdict, and keeping its date ----------------------------------------------------------------


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
        ctx.state.go(NAME, "opt_in")
        ctx.state.data["from"] = assessment.from_date.isoformat()
        ask_opt_in(ctx, 0)


def ask_opt_in(ctx: Context, _page: int) -> None:
    ctx.say(
        "check_ask_opt_in",
        date=ctx.t.date(date.fromisoformat(ctx.state.data["from"])),
        choices=[
            [
                ctx.choice("check_opt_in_yes", buttons.CheckOptIn("yes")),
                ctx.choice("check_opt_in_no", buttons.CheckOptIn("no")),
            ]
        ],
    )


def read_opt_in(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.CheckOptIn)
    return Parsed(pressed.answer == "yes") if pressed is not None else Parsed(error=_USE_BUTTONS)


def on_opt_in(ctx: Context, answer: Parsed) -> None:
    """Yes keeps the date alone (with when it was agreed); No keeps nothing."""
    donor = ctx.donor
    from_iso = ctx.state.data.get("from")
    ctx.state.clear()
    if answer.value and donor is not None and from_iso:
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


# --- the table ----------------------------------------------------------------------------------------

_VERDICT = "the verdict"
_TIMED = "a condition with a waiting time"
_ADVICE = 'advice noted: "besides X, anything else?"'


def _screening(group: str, *edges: Edge) -> Step:
    """A screening group's question: its conditions as buttons (domain/screening.py)."""
    return Step(
        group, ask_condition, read_condition, on_condition, buttons=(buttons.CheckCondition,), edges=edges
    )


def _timed(group: str, *following: Edge, picked: str = _TIMED) -> Step:
    return _screening(group, Edge("when", picked), Edge(group, _ADVICE), *following)


FLOW = Dialogue(
    name=NAME,
    steps=(
        Step("age", ask_age, read_age, _keep, buttons=(buttons.CheckAge,), edges=(Edge("sex"),)),
        Step("sex", ask_sex, read_sex, _keep, buttons=(buttons.CheckSex,), edges=(Edge("weight"),)),
        Step("weight", ask_weight, read_weight, _keep, buttons=(buttons.CheckWeight,), edges=(Edge("last"),)),
        Step("last", ask_last, read_last, on_last, buttons=(buttons.CheckLast,), edges=(
            Edge("last_date", "in the last 12 weeks"), Edge("permanent", "never / longer ago"))),
        Step("last_date", ask_last_date, read_date, on_last_date, foreign="error_last_donation",
             edges=(Edge("permanent", 'a date or "2 tuần trước"'),)),
        _screening("permanent", Edge(END, f"a permanent condition: {_VERDICT} (nothing else can change it)"),
                   Edge("months_12", "none of these")),
        _timed("months_12", Edge("months_6", "none of these / nothing else"),
               picked=f"{_TIMED} (childbirth and pregnancy end offered to women only)"),
        _timed("months_6", Edge("weeks_4", "(each group the same way)")),
        _timed("weeks_4", Edge("days_7")),
        _timed("days_7", Edge("pregnancy", "women"), Edge(END, f"men: {_VERDICT}")),
        _timed("pregnancy", Edge(END, _VERDICT)),
        Step("when", ask_when, read_when, on_when, buttons=(buttons.CheckWhen,),
             foreign="error_last_donation",
             edges=(Edge("months_12", 'a date or "still / just now": the same question for the rest of'
                         " the group (each group the same way), or the next one"),)),
        Step("opt_in", ask_opt_in, read_opt_in, on_opt_in, buttons=(buttons.CheckOptIn,),
             edges=(Edge(END, "Yes keeps only the date (withdraw in /hoso) / No keeps nothing"),)),
    ),
    restart="kiemtra",
    entries=(
        Edge("age", "/kiemtra (a question the profile or an earlier answer answers is skipped)"),
        Edge("opt_in", f'{_VERDICT} "not yet" with a new date, to a registered donor'),
    ),
)  # fmt: skip
