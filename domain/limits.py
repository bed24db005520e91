"""Every text limit in one place: the columns that store a text and every path that lets one in.

models/tables.py declares each String column with one of these (`String(limits.PLACE)`), and each input
path that writes the column checks the same constant: the dialogues (handlers/), the command line
(bot/*_cli.py), the plan file (domain/plan_file.load_plan) and config.toml (the ward names). PostgreSQL
refuses a value longer than its varchar(n) — the whole turn then fails — while SQLite keeps it, so a
limit that differs between a dialogue and its column shows only on PostgreSQL.
tests/unit/test_limits.py walks every String column of every table and checks both sides.

Changing a value here changes the schema: it needs a migration (models/migrations/versions/).
"""

from __future__ import annotations

from typing import Final

# --- what people and organisers type ---------------------------------------------------------------

FULL_NAME: Final = 80
ORGANISATION: Final = 120  # a donor's school, company or office
WARD: Final = 80  # ward names come from config.toml [area] wards
PLACE: Final = 160  # a drive session's place, a call-out's place
ADDRESS: Final = 300
CONTACT: Final = 300  # who to call, shown to donors who accept a call-out
ORGANISER_UNIT: Final = 120  # `donorbot organiser add --unit`
CLUB_NAME: Final = 120  # a blood donors' club, a "living blood bank", a school or company team

# --- campaign plans (`donorbot drive import`, `drive add`) ------------------------------------------

KEY: Final = 64  # campaign and session keys: lower-case letters, digits and dashes
CAMPAIGN_NAME: Final = 160
ORGANISING_UNIT: Final = 160
SLOGAN: Final = 200
DESCRIPTION: Final = 2000
PATH: Final = 300  # a poster file
URL: Final = 500  # a map link
AUDIENCE: Final = 40  # "open" or a sector name (domain.organisations.SECTORS)

# --- set by the bot (values from code, ids, or the platform) ---------------------------------------

PHONE: Final = 20  # E.164: at most 15 digits and "+"
SEX: Final = 6
ORGANISATION_TYPE: Final = 12  # domain.organisations.OrganisationType values
BLOOD_ABO: Final = 2
BLOOD_RH: Final = 1
LANGUAGE: Final = 5
DONATION_KIND: Final = 24
PLATFORM: Final = 16
USER_ID: Final = 64  # a platform's user id (`donorbot organiser add --user-id`)
CHAT_ID: Final = 64
MESSAGE_ID: Final = 32
STATUS: Final = 12
CHECKIN_CODE: Final = 12
INVITE_HASH: Final = 64  # domain.invites.code_hash: 32 bytes in hex
WEB_TOKEN_HASH: Final = 64  # bot.web: a login token's or session id's sha256 in hex
DEFERRAL_REASON: Final = 200
FEELING: Final = 12
FLOW: Final = 32
STEP: Final = 32
ROLE: Final = 16
ACTOR: Final = 80  # "telegram:123", "cli:<os user>" (cut to fit)
ACTION: Final = 48
TARGET: Final = 80
OUTBOX_KEY: Final = 160
OUTBOX_KIND: Final = 24
ERROR: Final = 300  # the last delivery error (cut to fit)
BATCH: Final = 64
APPROVAL_ACTION: Final = 16  # "erase", "phone", "mydata"
COMPONENT: Final = 16
SCOPE: Final = 140  # an organiser's scope: "area", "ward:<name>" or "organisation:<name>" (domain.figures)
TAG: Final = 24  # a named campaign's tag (domain.figures.Tag)
QUOTA_KIND: Final = 16  # "ward" | "organisation"
CONSENT_SOURCE: Final = 16  # "chat" | "desk_paper" | "import_paper" (models.tables.people.Donor)
CLUB_KEY: Final = 40  # a club's short key (`donorbot club create --key`): lower-case letters, digits, dashes
CLUB_KIND: Final = 12  # domain.clubs.KINDS
CLUB_CODE: Final = 12  # domain.clubs: a join code as stored ("CLB7K2MQX")
CLUB_ROLE: Final = 8  # "member" | "leader"
CLUB_SOURCE: Final = 12  # "chat" | "import" | "organiser"
