"""Who a session is for: "open" to everyone, or one sector, offered only to donors of that kind of place.

A donor says what kind of organisation they belong to (a school, a company, a state agency, or none);
a session's ``audience`` (plan files, ``donorbot drive add --audience``) is "open" or a sector name. Each
sector name belongs to one organisation type, and a plan naming any other sector is refused at import:
a session no donor could ever see would silently stay empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

__all__ = ["OPEN", "SECTORS", "OrganisationType", "admits", "audiences_for", "is_audience"]

OPEN: Final = "open"


class OrganisationType(StrEnum):
    SCHOOL = "school"  # schools, colleges, universities: pupils, students, teachers
    COMPANY = "company"  # companies, factories, cooperatives
    AGENCY = "agency"  # state agencies, the army and police, public services
    NONE = "none"  # none of these (retired, freelance, at home...)


SECTORS: Final[Mapping[str, OrganisationType]] = {
    "education": OrganisationType.SCHOOL,  # "ngành giáo dục", as in the Kinh Môn 2020 plan
    "school": OrganisationType.SCHOOL,
    "company": OrganisationType.COMPANY,
    "agency": OrganisationType.AGENCY,
}
"""Every sector name a session may be for, and the organisation type of the donors it is offered to."""


def is_audience(name: str) -> bool:
    """Whether ``name`` is "open" or a known sector."""
    return name == OPEN or name in SECTORS


def admits(audience: str, organisation_type: str | None) -> bool:
    """Whether a donor of this organisation type (None: never said) may see and book the session."""
    if audience == OPEN:
        return True
    sector = SECTORS.get(audience)
    return sector is not None and sector is not OrganisationType.NONE and sector.value == organisation_type


def audiences_for(organisation_type: str | None) -> tuple[str, ...]:
    """The audiences of the sessions a donor of this type is offered: "open" and their sectors."""
    return (OPEN, *(name for name, sector in SECTORS.items() if sector.value == organisation_type))
