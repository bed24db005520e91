"""ORM tables. Times are stored in UTC; personal data lives only in `donors` and `donations`.

Erasure (models.erasure.erase) deletes the person and keeps anonymous counts: donations, sign-ups and
call-out answers whose donor columns are NULL (see docs/ARCHITECTURE.md, "Data and privacy").

The tables are grouped by area in this package's modules; every caller imports them from here
(`from models.tables import Donor`), and Alembic reads `Base.metadata` with every table in it
(`models/migrations/env.py`), which importing this package guarantees.
"""

from models.tables.base import Base, UtcDateTime, utcnow
from models.tables.callouts import Callout, CalloutRecipient
from models.tables.clubs import Club, ClubJoinFailure, ClubMember
from models.tables.drives import Campaign, DriveDay, Signup
from models.tables.invites import Invite, InviteFailure
from models.tables.links import Approval, LinkFailure, LinkNotice
from models.tables.outbox import AnnouncementRow, Outbox
from models.tables.people import AuditEntry, ChannelAccount, Conversation, Donation, Donor, Organiser
from models.tables.targets import CampaignTag, Quota, YearTarget
from models.tables.web import WebLogin, WebSession

__all__ = [
    "AnnouncementRow",
    "Approval",
    "AuditEntry",
    "Base",
    "Callout",
    "CalloutRecipient",
    "Campaign",
    "CampaignTag",
    "ChannelAccount",
    "Club",
    "ClubJoinFailure",
    "ClubMember",
    "Conversation",
    "Donation",
    "Donor",
    "DriveDay",
    "Invite",
    "InviteFailure",
    "LinkFailure",
    "LinkNotice",
    "Organiser",
    "Outbox",
    "Quota",
    "Signup",
    "UtcDateTime",
    "WebLogin",
    "WebSession",
    "YearTarget",
    "utcnow",
]
