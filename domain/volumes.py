"""Volumes at the chair: what the check-in desk may record for a donor of a given weight.

Art. 4.2 a of Thông tư 26/2013/TT-BYT by the numbers of ``data/eligibility.toml``
(:class:`~domain.rules.WeightRule`): the same limit :func:`domain.eligibility.assess` tells a
donor, turned into the bag volumes the desk's buttons offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.eligibility import Sex
from domain.rules import Rules

__all__ = ["VolumeLimit", "Volumes", "whole_blood_volumes"]


class VolumeLimit(StrEnum):
    """What decided the largest volume a donor may give (the desk says it when a button is left out)."""

    NO_WEIGHT = "no_weight"  # no weight recorded: no volume can be checked, none is offered
    BELOW_MIN = "below_min"  # under the minimum weight for their sex: no whole-blood donation at all
    SMALL = "small"  # from the minimum to under `full_volume_from_kg`: `small_volume_ml` at most
    PER_KG = "per_kg"  # `ml_per_kg` × the weight
    MAX = "max"  # the absolute maximum `max_ml`


@dataclass(frozen=True)
class Volumes:
    """The volumes of `offered` a donor may give, the largest allowed and the rule that set it."""

    allowed: tuple[int, ...]
    left_out: tuple[int, ...]
    max_ml: int | None
    limit: VolumeLimit
    min_kg: float | None = None  # BELOW_MIN: the minimum for their sex


def whole_blood_volumes(
    rules: Rules, *, weight_kg: float | None, sex: Sex | None, offered: tuple[int, ...]
) -> Volumes:
    """Which of the `offered` whole-blood volumes a donor of `weight_kg` may give, by the rules file.

    The same rule as :func:`assess` (``WeightRule.max_volume_ml``), with the minimum of the donor's own
    sex (the lower of the two when the sex is unknown). Without a weight nothing is allowed: a bag filled
    beyond what the donor may give cannot be undone, so the desk weighs first.
    """
    w = rules.weight
    if weight_kg is None:
        return Volumes((), offered, None, VolumeLimit.NO_WEIGHT)
    if sex is Sex.MALE:
        minimum = w.min_kg_male
    elif sex is Sex.FEMALE:
        minimum = w.min_kg_female
    else:
        minimum = min(w.min_kg_female, w.min_kg_male)
    limit = w.max_volume_ml(weight_kg) if weight_kg >= minimum else None
    if limit is None:
        return Volumes((), offered, None, VolumeLimit.BELOW_MIN, min_kg=minimum)
    if weight_kg < w.full_volume_from_kg:
        why = VolumeLimit.SMALL
    elif w.ml_per_kg * weight_kg < w.max_ml:
        why = VolumeLimit.PER_KG
    else:
        why = VolumeLimit.MAX
    allowed = tuple(v for v in offered if v <= limit)
    return Volumes(allowed, tuple(v for v in offered if v > limit), limit, why)
