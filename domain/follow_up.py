"""A question right after a verdict: "còn nếu tôi 50kg thì sao?" keeps the facts already given.

Someone who asked "tôi 17 tuổi nặng 45kg có hiến được không" and then "còn nếu tôi 50kg thì sao?"
means "the same, but 50 kg". :func:`is_follow_up` recognises such a question by how it starts ("còn",
"nếu", "thế/vậy nếu", "what if", "and if", "what about", "how about"); :func:`merge` lays its facts
over the earlier ones (what it says wins, the conditions add up). The earlier facts are kept by the
chat handler in memory for a few minutes only, never written anywhere: the answers of a self-check
are not stored, and neither are these.
"""

from __future__ import annotations

import re
from dataclasses import replace

from domain.eligibility import Person
from domain.text import fold

__all__ = ["is_follow_up", "merge"]

_CUE = re.compile(
    r"^\W*(?:con|the con|vay con|con neu|neu|the neu|vay neu|gia su|what if|and if|what about|how about|"
    r"and what if|but if|if)\b"
)


def is_follow_up(text: str) -> bool:
    """Whether the message reads as "and what if …" about the question before."""
    return bool(_CUE.match(fold(text)))


def merge(earlier: Person, now: Person) -> Person:
    """``earlier`` with what ``now`` says laid over it."""
    told_age = now.age_years is not None or now.date_of_birth is not None
    told_donation = now.last_donation_on is not None
    return replace(
        earlier,
        date_of_birth=now.date_of_birth if told_age else earlier.date_of_birth,
        age_years=now.age_years if told_age else earlier.age_years,
        sex=now.sex or earlier.sex,
        weight_kg=now.weight_kg if now.weight_kg is not None else earlier.weight_kg,
        last_donation_on=now.last_donation_on if told_donation else earlier.last_donation_on,
        last_donation_kind=now.last_donation_kind if told_donation else earlier.last_donation_kind,
        events={**earlier.events, **now.events},
        permanent=earlier.permanent | now.permanent,
        advice=earlier.advice | now.advice,
    )
