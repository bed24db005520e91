"""The rule behind a yes: "tôi 25 tuổi có hiến được không" wants the age limit, not only "you can".

A verdict that lets the person donate (or leaves it to the site) used to say "you can register" and
list what the bot does not know — while the person asked about one fact and wanted its rule. For each
fact the question gave (age, weight, last donation, an event such as a tattoo) :func:`stated_rules` adds
the rule it was checked against: the age range, the minimum weights, the intervals (whole blood and
apheresis), the wait after the event and that it is over. A "no" or "not yet" already states its
deciding rule and gets nothing more.
"""

from __future__ import annotations

from domain.eligibility import Assessment, ParamValue, Person, Reason, Verdict
from domain.rules import DonationKind, Rules

__all__ = ["stated_rules"]


def stated_rules(asked: Person, assessment: Assessment, rules: Rules) -> tuple[Reason, ...]:
    """The rules of the facts in ``asked`` that ``assessment`` does not already state."""
    if assessment.verdict not in (Verdict.ELIGIBLE, Verdict.AT_SITE):
        return ()
    said = {r.key for r in assessment.reasons}
    out: list[Reason] = []
    if asked.age_years is not None or asked.date_of_birth is not None:
        out.append(
            Reason("elig_rule_age", {"min_years": rules.age.min_years, "max_years": rules.age.max_years})
        )
    if asked.weight_kg is not None and "elig_weight_min_by_sex" not in said:
        weights = {"female_min_kg": rules.weight.min_kg_female, "male_min_kg": rules.weight.min_kg_male}
        out.append(Reason("elig_weight_min_by_sex", weights))
    if asked.last_donation_on is not None:
        weeks = {
            "whole_weeks": rules.intervals[DonationKind.WHOLE_BLOOD].weeks,
            "component_weeks": rules.intervals[DonationKind.PLATELETS].weeks,
        }
        out.append(Reason("elig_rule_interval", weeks))
    # "i have a tattoo from 2 years ago": the wait after it, which is over (one that is not is already said)
    over = False
    for cid, when in sorted(asked.events.items()):
        cond = rules.deferrals.get(cid)
        if cond is None or cond.period is None or cond.message in said:
            continue
        params: dict[str, ParamValue] = {
            "date": cond.period.after(when),
            str(cond.period.unit): cond.period.amount,
        }
        out.append(Reason(cond.message, params))
        over = True
    if over:
        out.append(Reason("elig_deferral_over"))
    return tuple(out)
