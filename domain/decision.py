"""One decision about one donor on one day: what every part of the bot asks before someone gives blood.

The verdict (/kiemtra, "can I donate?"), a sign-up and the marks in /lichhien, call-out matching, ward
invitations and the "eligible again" nudge all call :func:`decide` with the facts ``models.donor_facts``
loads, so they cannot disagree. A decision combines:

* the rules of Thông tư 26/2013/TT-BYT (:func:`domain.eligibility.assess`) on the profile, completed by
  what the person has just said (answers win, except that the later last donation counts);
* the "can donate again from" date a donor chose to keep after /kiemtra: never before it;
* the donations already planned — bookings of sessions still to come and accepted call-outs — under the
  interval rule (Art. 6.4): a donation on ``on`` must come the interval after a planned one, and must not
  come so soon before a planned one that it makes that one impossible; the same day counts too;
* /vangmat (``away_until``), which only call-outs read.

Pure: no I/O, nothing of ours but the rules engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from domain.eligibility import Assessment, ParamValue, Person, Reason, Verdict, assess, next_eligible_date
from domain.rules import DonationKind, Rules

__all__ = [
    "DECISION_MESSAGES",
    "Decision",
    "DonorFacts",
    "Planned",
    "Source",
    "decide",
    "eligible_again_on",
    "may_call",
    "merge",
]


class Source(StrEnum):
    BOOKING = "booking"  # an active sign-up for a session still to come
    CALLOUT = "callout"  # an accepted call-out (the hospital records nothing the bot sees)


@dataclass(frozen=True)
class Planned:
    """A donation the donor has committed to: a booking, or an emergency they said yes to."""

    day: date
    source: Source
    ref: int  # the sign-up's or the call-out's id
    kind: DonationKind = DonationKind.WHOLE_BLOOD
    drive_day_id: int | None = None  # bookings: their session
    place: str = ""


@dataclass(frozen=True)
class DonorFacts:
    """Everything stored about a donor that bears on giving blood (``models.donor_facts`` loads it)."""

    person: Person  # birth date, sex, weight, last donation and its kind (None: self-reported)
    eligible_from: date | None = None  # kept after /kiemtra by the donor's explicit choice
    away_until: date | None = None  # /vangmat: no call-outs up to and including this day
    planned: tuple[Planned, ...] = ()


# Message keys decide() emits (catalog core/locales/*/booking.toml), with their placeholders.
DECISION_MESSAGES: Final[Mapping[str, frozenset[str]]] = {
    "decision_kept_date": frozenset({"date"}),
    "decision_booking_before": frozenset({"date", "place", "weeks", "next_date"}),
    "decision_booking_after": frozenset({"date", "place", "weeks", "on"}),
    "decision_callout_before": frozenset({"date", "weeks", "next_date"}),
    "decision_callout_after": frozenset({"date", "weeks", "on"}),
}


@dataclass(frozen=True)
class Decision:
    """The rules' assessment (the kept date included) and the planned donations giving on ``on`` hits."""

    on: date
    assessment: Assessment
    clashes: tuple[Planned, ...] = ()
    clash_reasons: tuple[Reason, ...] = ()
    away: bool = False
    earliest: date | None = None  # the first day from `on` the rules and the planned donations allow

    @property
    def eligible(self) -> bool:
        """The rules let the donor give that day (or leave it to the site's doctor)."""
        return self.assessment.verdict in (Verdict.ELIGIBLE, Verdict.AT_SITE)

    @property
    def may_book(self) -> bool:
        """Eligible, and no planned donation stands in the way."""
        return self.eligible and not self.clashes


def merge(profile: Person, answers: Person) -> Person:
    """The profile's facts completed (or corrected) by what the person just said.

    An age typed as a number replaces the birth date; of two last donations the later one counts (an
    older date in a message cannot undo a donation on record; the same date keeps the recorded kind).
    """
    last_on, last_kind = profile.last_donation_on, profile.last_donation_kind
    if answers.last_donation_on is not None and (last_on is None or answers.last_donation_on > last_on):
        last_on, last_kind = answers.last_donation_on, answers.last_donation_kind
    return Person(
        date_of_birth=answers.date_of_birth or (profile.date_of_birth if answers.age_years is None else None),
        age_years=answers.age_years,
        sex=answers.sex or profile.sex,
        weight_kg=answers.weight_kg if answers.weight_kg is not None else profile.weight_kg,
        last_donation_on=last_on,
        last_donation_kind=last_kind,
        events=answers.events,
        permanent=answers.permanent | profile.permanent,
        advice=answers.advice | profile.advice,
    )


def _next_after(planned: Planned, rules: Rules, kind: DonationKind) -> date:
    return next_eligible_date(last_on=planned.day, last_kind=planned.kind, next_kind=kind, rules=rules)


def _clashes(planned: Planned, *, on: date, rules: Rules, kind: DonationKind) -> bool:
    if planned.day <= on:
        return on < _next_after(planned, rules, kind)
    # giving on `on` first: the planned donation must come at least the interval later
    return planned.day < next_eligible_date(last_on=on, last_kind=kind, next_kind=planned.kind, rules=rules)


def _clash_reason(planned: Planned, *, on: date, rules: Rules, kind: DonationKind) -> Reason:
    params: dict[str, ParamValue] = {"date": planned.day}
    if planned.day <= on:
        params["weeks"] = rules.intervals[planned.kind].weeks
        params["next_date"] = _next_after(planned, rules, kind)
        when = "before"
    else:
        params["weeks"] = rules.intervals[kind].weeks
        params["on"] = on
        when = "after"
    if planned.source is Source.BOOKING:
        params["place"] = planned.place
    return Reason(f"decision_{planned.source.value}_{when}", params)


def _with_kept_date(assessment: Assessment, kept: date | None, on: date) -> Assessment:
    """The kept "again from" date as one more wait: it never shortens one the rules found."""
    if kept is None or on >= kept or assessment.verdict is Verdict.NOT_ELIGIBLE:
        return assessment
    reason = Reason("decision_kept_date", {"date": kept})
    if assessment.verdict is Verdict.NOT_YET:
        from_date = None if assessment.from_date is None else max(assessment.from_date, kept)
    else:
        from_date = kept
    return Assessment(
        Verdict.NOT_YET,
        (reason, *assessment.reasons),
        from_date,
        assessment.max_volume_ml,
        assessment.unknown,
    )


def _earliest(
    assessment: Assessment, planned: tuple[Planned, ...], *, on: date, rules: Rules, kind: DonationKind
) -> date | None:
    if assessment.verdict is Verdict.NOT_ELIGIBLE:
        return None
    if assessment.verdict is Verdict.NOT_YET:
        if assessment.from_date is None:
            return None
        day = max(on, assessment.from_date)
    else:
        day = on
    for _ in range(len(planned) + 1):  # each step moves past one planned donation
        hit = [p for p in planned if _clashes(p, on=day, rules=rules, kind=kind)]
        if not hit:
            return day
        day = max(_next_after(p, rules, kind) for p in hit)
    return day


def decide(
    facts: DonorFacts | None,
    *,
    on: date,
    rules: Rules,
    answers: Person | None = None,
    kind: DonationKind = DonationKind.WHOLE_BLOOD,
    drive_day_id: int | None = None,
) -> Decision:
    """Whether the donor may give ``kind`` on ``on``, and why not (see the module doc).

    ``facts`` None: someone not registered (only ``answers`` are known). ``session_id``: the decision is
    about that session, so the donor's own booking of it is not a clash with itself.
    """
    profile = facts.person if facts is not None else Person()
    person = merge(profile, answers) if answers is not None else profile
    assessment = assess(person, on=on, rules=rules, kind=kind)
    if facts is None:
        return Decision(on, assessment, earliest=_earliest(assessment, (), on=on, rules=rules, kind=kind))
    assessment = _with_kept_date(assessment, facts.eligible_from, on)
    planned = tuple(
        p
        for p in facts.planned
        if drive_day_id is None or p.source is not Source.BOOKING or p.drive_day_id != drive_day_id
    )
    clashes = tuple(
        sorted(
            (p for p in planned if _clashes(p, on=on, rules=rules, kind=kind)),
            key=lambda p: (p.day, p.source, p.ref),
        )
    )
    return Decision(
        on=on,
        assessment=assessment,
        clashes=clashes,
        clash_reasons=tuple(_clash_reason(p, on=on, rules=rules, kind=kind) for p in clashes),
        away=facts.away_until is not None and facts.away_until >= on,
        earliest=_earliest(assessment, planned, on=on, rules=rules, kind=kind),
    )


def may_call(decision: Decision, *, today: date, wave: int) -> bool:
    """Whether a call-out for ``decision.on`` may message this donor in ``wave``.

    Not away, eligible by the rules with the weight known (a donor turned away at the scale after a rush
    to the hospital is worse than one not asked), and no emergency already accepted inside the interval.
    A booked donor is left out of the first wave — their session counts on them — unless the call-out is
    for today and the booking is on a later day (they hear of the clash when they accept); later waves,
    when the unbooked were not enough, may ask them.
    """
    if decision.away or not decision.eligible or "weight" in decision.assessment.unknown:
        return False
    for planned in decision.clashes:
        if planned.source is Source.CALLOUT:
            return False
        if wave <= 1 and not (decision.on == today and planned.day > decision.on):
            return False
    return True


def eligible_again_on(facts: DonorFacts, rules: Rules) -> date | None:
    """The day the donor may give whole blood again by the last donation's interval or the kept date,
    whichever is later; None when neither is known (the "eligible again" nudge is sent that day)."""
    dates: list[date] = []
    person = facts.person
    if person.last_donation_on is not None:
        dates.append(
            next_eligible_date(
                last_on=person.last_donation_on,
                last_kind=person.last_donation_kind or DonationKind.WHOLE_BLOOD,
                next_kind=DonationKind.WHOLE_BLOOD,
                rules=rules,
            )
        )
    if facts.eligible_from is not None:
        dates.append(facts.eligible_from)
    return max(dates) if dates else None
