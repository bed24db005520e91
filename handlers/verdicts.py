"""Turns an eligibility assessment into words: the verdict, the reasons, the next step."""

from __future__ import annotations

from datetime import date

from domain.eligibility import Assessment, DonationKind, Person, Sex, Verdict, assess
from handlers.context import Context
from models import donors


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


def render(ctx: Context, assessment: Assessment) -> str:
    """The verdict first, then what it rests on.

    A definite "no" or "not yet" gives only the reasons that decide it and the date (one voice, no
    earlier date that would contradict it, nothing about what the bot does not know: it would not
    change the answer). Otherwise: the reasons, one line on what could not be checked, and the
    doctor's final word.
    """
    t = ctx.t
    if assessment.verdict is Verdict.NOT_YET and assessment.from_date is not None:
        lines = [t("elig_verdict_not_yet", date=t.date(assessment.from_date))]
    elif assessment.verdict is Verdict.NOT_YET:
        lines = [t("elig_verdict_not_yet_no_date")]
    else:
        lines = [t(f"elig_verdict_{assessment.verdict.value}")]
    if assessment.deciding:
        for reason in assessment.deciding:
            text = t(reason.key, **_params(ctx, dict(reason.params)))
            if text not in lines:
                lines.append(text)
        return "\n\n".join(lines)
    final = None
    for reason in assessment.reasons:
        text = t(reason.key, **_params(ctx, dict(reason.params)))
        if reason.key == "elig_final_decision_at_site":
            final = text
        elif text not in lines:
            lines.append(text)
    if assessment.unknown:
        items = [t(f"elig_unknown_{name}") for name in assessment.unknown]
        lines.append(t("elig_unknown", items=t.join(items)))
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


async def person_from_profile(ctx: Context, facts: Person | None = None) -> Person:
    """What the text said, completed with what the donor's profile knows."""
    facts = facts or Person()
    donor = ctx.donor
    if donor is None:
        return facts
    history = await donors.donations_of(ctx.session, donor.id)
    last = history[-1] if history else None
    return Person(
        date_of_birth=facts.date_of_birth or (donor.date_of_birth if facts.age_years is None else None),
        age_years=facts.age_years,
        sex=facts.sex or Sex(donor.sex),
        weight_kg=facts.weight_kg if facts.weight_kg is not None else donor.weight_kg,
        last_donation_on=facts.last_donation_on or (last.donated_on if last else None),
        last_donation_kind=facts.last_donation_kind
        or (DonationKind(last.kind) if last and not last.self_reported else None),
        events=facts.events,
        permanent=facts.permanent,
        advice=facts.advice,
    )


def assess_today(ctx: Context, person: Person) -> Assessment:
    return assess(person, on=ctx.today(), rules=ctx.knowledge.rules)
