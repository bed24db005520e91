"""Who may do what: the organiser roles, their scopes, and the one permission table. Pure.

An organiser row holds a role and a scope (`domain.figures.Scope`, stored as its text). What a role may
do depends on the kind of scope it holds, so the table is keyed by both:

* `admin` (always the area): everything.
* `organiser`, scope `area`: every organiser capability but invites and organiser administration.
* `organiser`, scope `ward:<name>`: the desk, rosters, figures, announcements, drive days (create, move,
  cancel), call-outs, rare donors and exports — each inside the ward (a call-out asks its donors only).
* `organiser`, scope `organisation:<name>`: the desk for their people, rosters, figures, announcements,
  rare donors and exports — inside the organisation; no drive days and no call-outs (a school or a
  company runs no drive day of its own in the data: a drive day has a ward, not an organisation).
* `club_leader`, scope `club:<key>`: no organiser command; /clb shows them that club and its members,
  as it does a member marked leader in the club (`CLUB_LEADER`, `models.clubs.can_see_members`).
* `desk`, scope `drive_day:<id>`: check-in and results at that drive day only (and /web: the web page,
  whose pages check their own capability).

Call-outs: an emergency in a ward's hospital may need donors of every ward, so a call-out across the
area is an area organiser's or an admin's; a ward organiser's asks the donors of their ward only
(`callouts.wards_only`, said in the preview). An organisation's organiser sends none: its people are
spread over the wards, and a hospital's need is the area's or a ward's business.

The CLI is the operator: it is trusted and audited as `cli:<user>`, and keeps every action area-wide;
this table is for the chat. Which command needs which capability is declared once: on its
`domain.commands.CommandSpec`, and in `handlers.registry` for dialogues and buttons (`FLOW_CAPABILITIES`,
`BUTTON_CAPABILITIES`); whether a
target (a drive day, a donor) is inside the scope is `Scope.holds_drive_day` / `Scope.covers`, asked by
the handler that has the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from domain.figures import Scope, ScopeKind

__all__ = [
    "CAPABILITIES",
    "CLUB_LEADER",
    "GRANTS",
    "ROLES",
    "SCOPE_KINDS",
    "Capability",
    "Grant",
    "Role",
    "scope_problem",
]


class Role(StrEnum):
    ADMIN = "admin"  # the area's administrator: everything
    ORGANISER = "organiser"  # organiser work inside their scope (area, ward or organisation)
    CLUB_LEADER = "club_leader"  # their club's members (scope "club:<key>")
    DESK = "desk"  # desk staff: check-in and results of one drive day (scope "drive_day:<id>")


ROLES: Final = tuple(role.value for role in Role)
"""The values `organisers.role` and `invites.role` may hold (their CHECK constraints)."""


class Capability(StrEnum):
    """One kind of organiser work; each organiser command, button and dialogue needs exactly one."""

    CHECKIN = "checkin"  # /checkin, the desk screen, the weight measured at the desk
    RESULT = "result"  # a donation or deferral recorded at the desk
    ROSTER = "roster"  # /danhsach
    STATS = "stats"  # /thongke
    ANNOUNCE = "announce"  # /thongbao, /tiendo
    DRIVE_CREATE = "drive_create"  # /taodot
    DRIVE_CHANGE = "drive_change"  # move or cancel a drive day
    CALLOUT = "callout"  # /khancap, /dskhancap and the tally's buttons
    RARE_DONORS = "rare_donors"  # /hiemmau
    EXPORT = "export"  # files with donors' data (the roster's and report's workbooks go with their command)
    CAMPAIGN = "campaign"  # /taochiendich: a campaign with its targets and ward quotas (the area's business)
    POSTER = "poster"  # /apphich: a drive day's printable poster
    CLUBS = "clubs"  # /taoclb: create a club (who sees a club's members: models.clubs.can_see_members)
    WEB = "web"  # /web: a one-time link to the organiser's web page (each page checks its own capability)
    INVITE = "invite"  # invite codes (the CLI's today)
    ORGANISER_ADMIN = "organiser_admin"  # grant and remove roles (the CLI's today)


CAPABILITIES: Final = tuple(Capability)

_ORGANISER_WORK: Final = frozenset(Capability) - {Capability.INVITE, Capability.ORGANISER_ADMIN}

CLUB_LEADER: Final = frozenset[Capability]()
"""No organiser command: a club leader (this role with scope `club:<key>`, or a member marked leader in
`club_members`) sees that club and its members with /clb (`models.clubs.can_see_members`). Not yet: their
members' roster and figures, or announcements to their club — `models.rosters` and `models.figures` read
any scope but the area's and a ward's as an organisation's (`Donor.organisation`), so they must learn the
club scope (its members) first."""

GRANTS: Final[Mapping[tuple[Role, ScopeKind], frozenset[Capability]]] = {
    (Role.ADMIN, ScopeKind.AREA): frozenset(Capability),
    (Role.ORGANISER, ScopeKind.AREA): _ORGANISER_WORK,
    (Role.ORGANISER, ScopeKind.WARD): _ORGANISER_WORK - {Capability.CAMPAIGN},
    (Role.ORGANISER, ScopeKind.ORGANISATION): _ORGANISER_WORK
    - {Capability.DRIVE_CREATE, Capability.DRIVE_CHANGE, Capability.CALLOUT, Capability.CAMPAIGN},
    (Role.CLUB_LEADER, ScopeKind.CLUB): CLUB_LEADER,
    (Role.DESK, ScopeKind.DRIVE_DAY): frozenset({Capability.CHECKIN, Capability.RESULT, Capability.WEB}),
}
"""The permission table: (role, kind of scope) → what it may do. A pair not here may do nothing."""

SCOPE_KINDS: Final[Mapping[Role, tuple[ScopeKind, ...]]] = {
    Role.ADMIN: (ScopeKind.AREA,),
    Role.ORGANISER: (ScopeKind.AREA, ScopeKind.WARD, ScopeKind.ORGANISATION),
    Role.CLUB_LEADER: (ScopeKind.CLUB,),
    Role.DESK: (ScopeKind.DRIVE_DAY,),
}
"""The scopes each role is granted with (`scope_problem`)."""


def scope_problem(role: str, scope: Scope) -> str | None:
    """Why `role` cannot be granted with `scope` (English, for the CLI), or None."""
    try:
        known = Role(role)
    except ValueError:
        return f"{role!r} is not a role ({', '.join(ROLES)})"
    if known is Role.ADMIN:
        return None  # an admin's scope is the area whatever was given
    kinds = SCOPE_KINDS[known]
    if scope.kind not in kinds:
        wanted = " or ".join(kind.value + ("" if kind is ScopeKind.AREA else ":…") for kind in kinds)
        return f"the role {known.value} needs a scope {wanted}, not {scope.text!r}"
    return None


@dataclass(frozen=True)
class Grant:
    """One chat account's role and scope, as stored (an unknown role string may do nothing)."""

    role: str
    scope: Scope

    @property
    def known_role(self) -> Role | None:
        try:
            return Role(self.role)
        except ValueError:
            return None

    @property
    def effective_scope(self) -> Scope:
        """The scope the role works in: the area for an admin, whatever the column says."""
        return Scope.area() if self.known_role is Role.ADMIN else self.scope

    @property
    def capabilities(self) -> frozenset[Capability]:
        role = self.known_role
        if role is None:
            return frozenset()
        return GRANTS.get((role, self.effective_scope.kind), frozenset())

    def may(self, capability: Capability) -> bool:
        return capability in self.capabilities
