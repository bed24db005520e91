"""Turns an eligibility assessment into words: the verdict, the reasons, the next step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.decision import Decision, DonorFacts, decide
from domain.eligibility import Assessment, Person, Reason, Verdict
from handlers.context import Context
from models import donor_facts


def _params(ctx: Context, params: object) -> dict[str, object]:
    """Dates and numbers in the person's language: 15/01/2027, 42,5 kg."""
    values = dict(params) if isinstance(params, dict) else dict(getattr(params, "items", dict)())
    return {k: _shown(ctx, v) for k, v in values.items()}


def _shown(ctx: Context, value: object) -> object:
    if isinstance(value, date):
        return ctx.t.date(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ctx.t.number(value)
    return value


def render(
    ctx: Context, assessment: Assessment, *, extra: Sequence[Reason] = (), headline: str | None = None
) -> str:
    """The verdict (or `headline`) first, then what it rests on, and the `extra` reasons.

    A definite "no" or "not yet" gives only the reasons that decide it and the date (one voice, no
    earlier date that would contradict it, nothing about what the bot does not know: it would not
    change the answer). Otherwise: the reasons, one line on what could not be checked, and the
    doctor's final word.
    """
    t = ctx.t
    if headline is not None:
        lines = [t(headline)]
    elif assessment.verdict is Verdict.NOT_YET and assessment.from_date is not None:
        lines = [t("elig_verdict_not_yet", date=t.date(assessment.from_date))]
    elif assessment.verdict is Verdict.NOT_YET:
        lines = [t("elig_verdict_not_yet_no_date")]
    else:
        lines = [t(f"elig_verdict_{assessment.verdict.value}")]
    if assessment.deciding:
        for reason in (*assessment.deciding, *extra):
            text = t(reason.key, **_params(ctx, dict(reason.params)))
            if text not in lines:
                lines.append(text)
        return "\n\n".join(lines)
    final = None
    # Under a headline the extra reasons are what it announces: they come first.
    ordered = (*extra, *assessment.reasons) if headline is not None else (*assessment.reasons, *extra)
    for reason in ordered:
        text = t(reason.key, **_params(ctx, dict(reason.params)))
        if reason.key == "elig_final_decision_at_site":
            final = text
        elif text not in lines:
            lines.append(text)
    if assessment.unknown:
        items = [t(f"elig_unknown_{name}") for name in assessment.unknown]
        lines.append(t("elig_unknown" if len(items) > 1 else "elig_unknown_one", items=t.join(items)))
    if final:
        lines.append(final)
    return "\n\n".join(lines)


def next_step_key(ctx: Context, assessment: Assessment) -> str:
    """What to do now: register, look at drives, or wait."""
    if assessment.verdict is Verdict.NOT_ELIGIBLE:
        return "answer_next_support"
    if ctx.donor is None:
        return "answer_next_register"
    return "answer_next_drives"


async def facts(ctx: Context) -> DonorFacts | None:
    """What the profile, the kept date and the planned donations say (None: not registered)."""
    donor = ctx.donor
    if donor is None:
        return None
    return await donor_facts.facts_of(ctx.session, donor, now=ctx.now(), tz=ctx.settings.tz)


async def decide_today(ctx: Context, answers: Person | None = None) -> Decision:
    """Whether the person may give today: what they just said, completed with what the profile knows."""
    return decide(await facts(ctx), on=ctx.today(), rules=ctx.knowledge.rules, answers=answers)


def render_reasons(ctx: Context, reasons: Sequence[Reason]) -> str:
    """Reasons alone, one paragraph each (a sign-up refused only because of another plan)."""
    return "\n\n".join(ctx.t(r.key, **_params(ctx, dict(r.params))) for r in reasons)


def render_decision(ctx: Context, decision: Decision, *, stated: Sequence[Reason] = ()) -> str:
    """The verdict with its reasons, then the planned donations giving that day would collide with
    (the rules allowing it, the verdict then says that the plans stand in the way); `stated` adds
    the rules of the facts a question gave (`domain.rule_statements`)."""
    headline = "decision_verdict_planned" if decision.eligible and decision.clashes else None
    extra = (*decision.clash_reasons, *stated)
    return render(ctx, decision.assessment, extra=extra, headline=headline)
