"""The numbers a steering committee is judged by, as typed values, and the arithmetic between them. Pure.

``models.figures`` counts (units, sign-ups, donors, reserve pool) and hands the counts to :func:`assemble`;
everything derived from them — % of target, above/below by how many, shares, share of the population,
cumulative progress — is worked out here once, so a text report, a chart, a workbook and /thongke cannot
disagree. Nothing here knows a language: the renderers word it.

One donation recorded at a drive (or by an organiser) is one unit ("đơn vị máu"), whatever its volume;
donations the donor reported at registration are their history (they make a later donor a repeat donor),
never units of a campaign or a year.

Who sees what is a :class:`Scope`: the whole area, one ward, or one organisation (an organiser's
``organisers.scope``); every count is taken inside it. A club leader's scope is one club and a desk's one
drive day (``domain.roles``): neither is ever given figures, the roles table grants them no report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

from domain import limits
from domain.ids import parse_id
from domain.text import fold

__all__ = [
    "TAG_NAMES",
    "Counts",
    "DonorMix",
    "Figures",
    "Funnel",
    "QuotaLine",
    "QuotaPlan",
    "Scope",
    "ScopeKind",
    "Share",
    "Tag",
    "TagLine",
    "Target",
    "Targets",
    "Volumes",
    "assemble",
    "cumulative",
    "parse_tags",
]


# ------------------------------------------------------------------------------------------------ scope


class ScopeKind(StrEnum):
    AREA = "area"  # everything the bot serves
    WARD = "ward"  # donors of one ward (their profile's ward)
    ORGANISATION = "organisation"  # donors of one school, company or agency (their profile's organisation)
    CLUB = "club"  # the members of one donor club, by the club's key (club leaders; see domain.roles)
    DRIVE_DAY = "drive_day"  # one drive day, by its id (desk staff: check-in and results there only)


_NAMED: Final = (ScopeKind.WARD, ScopeKind.ORGANISATION, ScopeKind.CLUB, ScopeKind.DRIVE_DAY)


@dataclass(frozen=True)
class Scope:
    """What an organiser may see; stored on ``organisers.scope`` as :meth:`text` ("ward:Tam Lưu")."""

    kind: ScopeKind = ScopeKind.AREA
    # The ward or organisation as stored on the donors, the club's key, the drive day's id in digits;
    # None for the area.
    name: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is ScopeKind.AREA) != (self.name is None):
            raise ValueError("a ward or organisation scope needs a name, the area scope none")
        if self.kind is ScopeKind.DRIVE_DAY and parse_id(self.name or "") is None:
            raise ValueError("a drive day scope names the drive day's id")

    @classmethod
    def area(cls) -> Scope:
        return cls()

    @classmethod
    def ward(cls, name: str) -> Scope:
        return cls(ScopeKind.WARD, name)

    @classmethod
    def organisation(cls, name: str) -> Scope:
        return cls(ScopeKind.ORGANISATION, name)

    @classmethod
    def club(cls, key: str) -> Scope:
        return cls(ScopeKind.CLUB, key)

    @classmethod
    def drive_day(cls, drive_day_id: int) -> Scope:
        return cls(ScopeKind.DRIVE_DAY, str(drive_day_id))

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        """The scope stored or typed as "area", "ward:<name>", "organisation:<name>", "club:<key>" or
        "drive_day:<id>"; ValueError else.

        NULL (an organiser granted before scopes existed) is the area, as the column's default.
        """
        if text is None or text.strip() in ("", ScopeKind.AREA.value):
            return cls()
        kind, sep, name = text.partition(":")
        name = " ".join(name.split())
        if not sep or not name or kind.strip() not in _NAMED:
            raise ValueError(
                'a scope is "area", "ward:<name>", "organisation:<name>", "club:<key>" or "drive_day:<id>"'
            )
        if len(text) > limits.SCOPE:
            raise ValueError(f"a scope has at most {limits.SCOPE} characters")
        if kind.strip() == ScopeKind.DRIVE_DAY.value:
            drive_day_id = parse_id(name)
            if drive_day_id is None:
                raise ValueError(f"drive_day:{name}: a drive day is named by its id (drive_day:12)")
            return cls.drive_day(drive_day_id)
        return cls(ScopeKind(kind.strip()), name)

    @property
    def text(self) -> str:
        return self.kind.value if self.name is None else f"{self.kind.value}:{self.name}"

    @property
    def drive_day_id(self) -> int | None:
        """The desk's drive day (a `drive_day` scope), else None."""
        return parse_id(self.name or "") if self.kind is ScopeKind.DRIVE_DAY else None

    def covers_quota(self, quota: QuotaPlan) -> bool:
        """Whether the quota is the whole area's business or this scope's own."""
        return self.name is None or (quota.kind == self.kind.value and fold(quota.name) == fold(self.name))

    def covers(self, *, ward: str | None, organisation: str | None) -> bool:
        """Whether a donor of this ward and organisation is inside the scope (names compared folded).

        A club's or a drive day's scope covers no donor by ward or organisation (the club's members are
        the clubs' tables' business; a desk sees the donors of its day's sign-ups only)."""
        if self.name is None:
            return True
        if self.kind not in (ScopeKind.WARD, ScopeKind.ORGANISATION):
            return False
        own = ward if self.kind is ScopeKind.WARD else organisation
        return own is not None and fold(own) == fold(self.name)

    def holds_callout(self, *, wards: Sequence[str] | None, wards_only: bool) -> bool:
        """Whether a call-out is this scope's to follow and act on (its tally lists who accepted, with
        phones): any for the area, a ward's own ward-only call-outs for a ward; none for anyone else."""
        if self.kind is ScopeKind.AREA:
            return True
        own = [fold(w) for w in wards or ()]
        return self.kind is ScopeKind.WARD and wards_only and own == [fold(self.name or "")]

    def holds_drive_day(self, *, drive_day_id: int, ward: str | None) -> bool:
        """Whether a drive day is this scope's own to run: any in the area, one held in the ward (as
        ``models.rosters`` decides), the desk's one day. An organisation or club holds none (its people
        go to days run by others)."""
        if self.kind is ScopeKind.AREA:
            return True
        if self.kind is ScopeKind.WARD:
            return ward is not None and self.name is not None and fold(ward) == fold(self.name)
        return self.kind is ScopeKind.DRIVE_DAY and self.drive_day_id == drive_day_id

    def holds_signup(
        self,
        *,
        drive_day_id: int,
        ward: str | None,
        donor_ward: str | None,
        donor_organisation: str | None,
    ) -> bool:
        """Whether the desk work of a sign-up (its check-in, weight, result) is this scope's: its drive
        day held (`holds_drive_day`, `ward` being the day's), or its donor for an organisation's
        organiser (whose people go to days run by others)."""
        if self.holds_drive_day(drive_day_id=drive_day_id, ward=ward):
            return True
        return self.kind is ScopeKind.ORGANISATION and self.covers(
            ward=donor_ward, organisation=donor_organisation
        )


# ------------------------------------------------------------------------------------------- named days


class Tag(StrEnum):
    """The national campaigns a campaign can be tagged with (plan file `tags`, `donorbot target tag`)."""

    XUAN_HONG = "xuan-hong"
    CHU_NHAT_DO = "chu-nhat-do"
    HE = "he"
    APRIL_7 = "7-4"
    JUNE_14 = "14-6"
    HANH_TRINH_DO = "hanh-trinh-do"


TAG_NAMES: Final[Mapping[Tag, str]] = {
    Tag.XUAN_HONG: "Lễ hội Xuân hồng",  # around Tết
    Tag.CHU_NHAT_DO: "Chủ nhật đỏ",
    Tag.HE: "Giọt máu hồng hè",  # the summer campaign ("Hành trình Đỏ" has its own tag)
    Tag.APRIL_7: "Ngày toàn dân hiến máu 7/4",
    Tag.JUNE_14: "Ngày Quốc tế người hiến máu 14/6",
    Tag.HANH_TRINH_DO: "Hành trình Đỏ",
}
"""Their proper names, as the national steering committee writes them (names, like wards: not translated)."""


def parse_tags(values: Iterable[str]) -> tuple[Tag, ...]:
    """Tags as written in a plan file or on the command line, in order, once; ValueError names a wrong one."""
    picked: list[Tag] = []
    for value in values:
        text = value.strip().lower()
        try:
            tag = Tag(text)
        except ValueError:
            known = ", ".join(t.value for t in Tag)
            raise ValueError(f"{value!r} is not a campaign tag (one of {known})") from None
        if tag not in picked:
            picked.append(tag)
    return tuple(picked)


# ---------------------------------------------------------------------------------------- the numbers


@dataclass(frozen=True)
class Target:
    """A count against its target: 1,440 units for a target of 1,010 is 142.6 %, 430 above."""

    actual: int
    target: int | None = None

    @property
    def percent(self) -> float | None:
        """% of the target (142.57…), None without a target; a target of 0 reached by anything is None too."""
        if not self.target:
            return None
        return 100.0 * self.actual / self.target

    @property
    def difference(self) -> int | None:
        """Above (+) or below (−) the target by this many; None without a target."""
        return None if self.target is None else self.actual - self.target

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.actual >= self.target


@dataclass(frozen=True)
class Share:
    """A part of a whole (repeat donors of all donors, 350 ml+ units of units) against a target share."""

    part: int
    whole: int
    target: float | None = None  # 0..1

    @property
    def value(self) -> float | None:
        """part / whole (0..1), None when the whole is 0."""
        return None if self.whole == 0 else self.part / self.whole

    @property
    def met(self) -> bool | None:
        value = self.value
        return None if self.target is None or value is None else value >= self.target


@dataclass(frozen=True)
class Funnel:
    """Sign-ups to the drive days in the filter: registered (not cancelled), checked in, donated, deferred."""

    registered: int
    checked_in: int
    donated: int
    deferred: int


@dataclass(frozen=True)
class Volumes:
    """Units by volume; units recorded without a volume are `unknown` and left out of the 350+ share."""

    ml250: int
    ml350: int
    ml450: int
    unknown: int
    share_350_plus: Share


@dataclass(frozen=True)
class DonorMix:
    """Donors who gave in the period: first time, or repeat (a donation before their first in the period,
    or an earlier count they stated)."""

    first_time: int
    repeat: int
    repeat_share: Share


@dataclass(frozen=True)
class QuotaLine:
    """One ward or organisation: its units against its quota, and its donors against its headcount
    (the "at least 20 % of the staff donated" figure)."""

    kind: str  # "ward" | "organisation"
    name: str
    units: Target
    donors: int
    headcount: int | None = None

    @property
    def staff_share(self) -> Share | None:
        return None if self.headcount is None else Share(self.donors, self.headcount)


@dataclass(frozen=True)
class TagLine:
    """The results of the campaigns tagged with one national campaign, inside the filter."""

    tag: Tag
    campaigns: int
    units: Target  # against the sum of those campaigns' unit targets (None if none has one)


@dataclass(frozen=True)
class Targets:
    """The targets that apply: a year's (`year_targets`) or a campaign's (summed over several)."""

    units: int | None = None
    repeat_share: float | None = None
    share_350: float | None = None
    reserve_donors: int | None = None
    emergency_ready: int | None = None


@dataclass(frozen=True)
class QuotaPlan:
    """One quota row: units for a ward or an organisation, and its headcount."""

    kind: str
    name: str
    units: int | None
    headcount: int | None


@dataclass(frozen=True)
class Counts:
    """What ``models.figures`` counts, raw; :func:`assemble` derives the rest."""

    funnel: Funnel
    deferrals: Mapping[str, int]  # reason as recorded ("" when none was given) → sign-ups
    units_by_day_volume: Mapping[tuple[date, int | None], int]
    # (year, ward, organisation, repeat) → (donors, units) for donors who gave in that year (or the filter)
    donors_by: Mapping[tuple[int, str | None, str | None, bool], tuple[int, int]]
    reserve_by_group: Mapping[str, int]  # "O+" → reserve donors; "?" for an unknown group
    emergency_ready: int
    units_by_campaign: Mapping[int, int]
    campaign_tags: Mapping[int, tuple[Tag, ...]]
    campaign_targets: Mapping[int, int | None]


@dataclass(frozen=True)
class Figures:
    """Everything a report shows, for one scope and one filter (a year, or campaigns). Rendered by others.

    `honours` and `milestones` are left for the honour-list helper to fill (`dataclasses.replace`).
    """

    scope: Scope
    year: int | None
    campaign_ids: tuple[int, ...]
    today: date
    funnel: Funnel
    units: Target
    population: int | None
    population_share: float | None  # units / population (0.0173 = 1.73 %), area scope only
    volumes: Volumes
    donors: DonorMix
    deferrals: tuple[tuple[str, int], ...]  # most first
    wards: tuple[QuotaLine, ...]
    organisations: tuple[QuotaLine, ...]
    reserve_by_group: tuple[tuple[str, int], ...]  # in blood-group order
    reserve: Target
    emergency_ready: Target
    progress: tuple[tuple[date, int], ...]  # cumulative units at the end of each day with a donation
    repeat_by_year: tuple[tuple[int, Share], ...]  # oldest first, the last one is `donors.repeat_share`
    by_tag: tuple[TagLine, ...]
    unattributed_units: int = 0  # units of erased donors: counted in `units`, in no ward or organisation
    honours: tuple[object, ...] = field(default=())
    milestones: tuple[object, ...] = field(default=())


_GROUP_ORDER: Final = ("O+", "O-", "A+", "A-", "B+", "B-", "AB+", "AB-", "?")


def cumulative(by_day: Mapping[date, int]) -> tuple[tuple[date, int], ...]:
    """Running totals in date order: {1 Mar: 5, 3 Mar: 2} → ((1 Mar, 5), (3 Mar, 7))."""
    total = 0
    out: list[tuple[date, int]] = []
    for day in sorted(by_day):
        total += by_day[day]
        out.append((day, total))
    return tuple(out)


def _quota_lines(
    scope: Scope,
    kind: str,
    counted: Mapping[str, tuple[int, int]],
    quotas: Sequence[QuotaPlan],
) -> tuple[QuotaLine, ...]:
    """Every name with donations or a quota, quotas first in their order, then the rest by most units;
    under a ward or organisation scope, other quotas only where donors of the scope gave."""
    by_fold: dict[str, tuple[str, int, int]] = {}  # folded name → (first spelling, donors, units)
    for name, (donors, units) in counted.items():
        spelling, d, u = by_fold.get(fold(name), (name, 0, 0))
        by_fold[fold(name)] = (spelling, d + donors, u + units)
    lines: list[QuotaLine] = []
    seen: set[str] = set()
    for quota in quotas:
        if quota.kind != kind or fold(quota.name) in seen:
            continue
        if not scope.covers_quota(quota) and fold(quota.name) not in by_fold:
            continue  # another ward's (or organisation's) quota, with nobody of the scope in it
        key = fold(quota.name)
        seen.add(key)
        _, donors, units = by_fold.get(key, (quota.name, 0, 0))
        lines.append(QuotaLine(kind, quota.name, Target(units, quota.units), donors, quota.headcount))
    rest = [(name, d, u) for key, (name, d, u) in by_fold.items() if key not in seen]
    rest.sort(key=lambda item: (-item[2], fold(item[0])))
    lines += [QuotaLine(kind, name, Target(units), donors) for name, donors, units in rest]
    return tuple(lines)


def assemble(
    counts: Counts,
    *,
    scope: Scope,
    year: int | None,
    campaign_ids: Sequence[int],
    today: date,
    targets: Targets,
    quotas: Sequence[QuotaPlan],
    population: int | None,
) -> Figures:
    """The figures from the counts: every derived number is worked out here, once.

    Under a ward or organisation scope the unit target is that ward's or organisation's quota (if it has
    one), and there is no share of the population (the population is the area's).
    """
    units_by_day: dict[date, int] = {}
    by_volume: dict[int | None, int] = {}
    for (day, volume), n in counts.units_by_day_volume.items():
        units_by_day[day] = units_by_day.get(day, 0) + n
        by_volume[volume] = by_volume.get(volume, 0) + n
    total = sum(units_by_day.values())
    known = by_volume.get(250, 0) + by_volume.get(350, 0) + by_volume.get(450, 0)
    volumes = Volumes(
        ml250=by_volume.get(250, 0),
        ml350=by_volume.get(350, 0),
        ml450=by_volume.get(450, 0),
        unknown=total - known,
        share_350_plus=Share(by_volume.get(350, 0) + by_volume.get(450, 0), known, targets.share_350),
    )

    years = sorted({key[0] for key in counts.donors_by})
    # A year's figures count the donors of that year; a campaign filter (no year) counts every row.
    per_year: dict[int, tuple[int, int]] = {}  # year → (first-time donors, repeat donors)
    wards: dict[str, tuple[int, int]] = {}
    organisations: dict[str, tuple[int, int]] = {}
    first = again = attributed = 0
    for (y, ward, organisation, repeat), (donors, units) in counts.donors_by.items():
        was_first, was_again = per_year.get(y, (0, 0))
        per_year[y] = (was_first, was_again + donors) if repeat else (was_first + donors, was_again)
        if year is not None and y != year:
            continue
        attributed += units
        if repeat:
            again += donors
        else:
            first += donors
        for table, name in ((wards, ward), (organisations, organisation)):
            if name:
                d, u = table.get(name, (0, 0))
                table[name] = (d + donors, u + units)
    mix = DonorMix(first, again, Share(again, first + again, targets.repeat_share))
    repeat_by_year = tuple(
        (y, Share(per_year[y][1], sum(per_year[y]), targets.repeat_share if y == year else None))
        for y in years
    )

    unit_target = targets.units
    if scope.name is not None:
        own = next(
            (q for q in quotas if q.kind == scope.kind.value and fold(q.name) == fold(scope.name)), None
        )
        unit_target = own.units if own is not None else None
    area = scope.kind is ScopeKind.AREA

    tag_units: dict[Tag, tuple[int, int, int | None]] = {}  # tag → (campaigns, units, target)
    for campaign_id, tags in counts.campaign_tags.items():
        units = counts.units_by_campaign.get(campaign_id, 0)
        target = counts.campaign_targets.get(campaign_id)
        for tag in tags:
            n, u, t = tag_units.get(tag, (0, 0, None))
            tag_units[tag] = (n + 1, u + units, t if target is None else (t or 0) + target)
    by_tag = tuple(
        TagLine(tag, n, Target(u, t)) for tag in Tag if tag in tag_units for n, u, t in [tag_units[tag]]
    )

    reserve_total = sum(counts.reserve_by_group.values())
    return Figures(
        scope=scope,
        year=year,
        campaign_ids=tuple(campaign_ids),
        today=today,
        funnel=counts.funnel,
        units=Target(total, unit_target),
        population=population if area else None,
        population_share=total / population if area and population else None,
        volumes=volumes,
        donors=mix,
        deferrals=tuple(sorted(counts.deferrals.items(), key=lambda item: (-item[1], item[0]))),
        wards=_quota_lines(scope, "ward", wards, quotas),
        organisations=_quota_lines(scope, "organisation", organisations, quotas),
        reserve_by_group=tuple(
            (g, counts.reserve_by_group[g]) for g in _GROUP_ORDER if counts.reserve_by_group.get(g)
        ),
        reserve=Target(reserve_total, targets.reserve_donors),
        emergency_ready=Target(counts.emergency_ready, targets.emergency_ready),
        progress=cumulative(units_by_day),
        repeat_by_year=repeat_by_year,
        by_tag=by_tag,
        unattributed_units=total - attributed if scope.kind is ScopeKind.AREA else 0,
    )
