"""Every String column of every table, and every path that lets text into it, share one limit.

The length is read from the column itself; each input path — a dialogue step, a command-line option,
a plan file key, config.toml — must take a text of exactly that length and refuse one character more.
A column nobody types into is listed with where its values come from. A new String column fails
`test_every_string_column_is_accounted_for` until it is listed here.
"""

from __future__ import annotations

import ast
import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import CheckConstraint, Column, String

from bot.cli import main
from core.config import PROJECT_ROOT, AreaSettings, load_settings
from core.i18n import Catalogs
from domain import limits, plan_file
from handlers import callouts, campaigns, clubs, organiser_drives
from handlers.context import Context, State
from handlers.fields import FIELDS
from handlers.messages import Incoming, InputKind
from models.tables import Base
from tests.helpers import FixedClock, shared_knowledge

Accepts = Callable[[int], bool]  # does this path take a text of n characters?


# --- dialogue steps --------------------------------------------------------------------------------


def _context(text: str) -> Context:
    return Context(
        session=None,  # type: ignore[arg-type]  # these steps read text only
        settings=load_settings(environ={}),
        catalogs=Catalogs(),
        clock=FixedClock(),
        incoming=Incoming("telegram", "1", "1", InputKind.TEXT, text=text),
        state=State(),
        knowledge=shared_knowledge(),
    )


def field(name: str) -> Accepts:
    """Registration and /hoso read a profile field with the same definition."""
    return lambda n: FIELDS[name].parse(_context("a" * n)).ok


def taodot_place() -> Accepts:
    return lambda n: organiser_drives.read_place(_context("a" * n)).ok


def taodot_address() -> Accepts:
    return lambda n: organiser_drives.read_address(_context("a" * n)).ok


def taochiendich(step: str) -> Accepts:
    """A typed step of /taochiendich's step table."""
    found = campaigns.FLOW.step(step)
    assert found is not None, step
    return lambda n: found.read(_context("a" * n)).ok  # type: ignore[union-attr]


def khancap(step: str) -> Accepts:
    """A typed step of /khancap's step table."""
    found = callouts.FLOW.step(step)
    assert found is not None, step
    return lambda n: found.read(_context("a" * n)).ok


def config_ward(n: int) -> bool:
    try:
        AreaSettings(wards=("a" * n,))
    except ValidationError:
        return False
    return True


# --- plan files ------------------------------------------------------------------------------------

PLAN = {
    "campaign": {"key": "c", "name": "Chiến dịch", "year": 2026},
    "sessions": [
        {
            "key": "s",
            "date": "2026-12-01",
            "start": "07:00",
            "end": "11:00",
            "place": "Hội trường",
            "capacity": 50,
        }
    ],
}


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def plan(table: str, key: str, *, text: Callable[[int], str] = lambda n: "a" * n) -> Accepts:
    def accepts(n: int) -> bool:
        values = {name: dict(part) for name, part in (("campaign", PLAN["campaign"]),)}
        session = dict(PLAN["sessions"][0])  # type: ignore[index]
        (values["campaign"] if table == "campaign" else session)[key] = text(n)
        lines = ["[campaign]", *(f"{k} = {_toml(v)}" for k, v in values["campaign"].items())]
        lines += ["[[sessions]]", *(f"{k} = {_toml(v)}" for k, v in session.items())]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plan.toml"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            try:
                plan_file.load_plan(path)
            except plan_file.PlanError:
                return False
        return True

    return accepts


# --- the command line ------------------------------------------------------------------------------


class Cli:
    """`donorbot …` in-process on one SQLite file (with the example plan imported)."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        folder = Path(self.tmp.name)
        self.config = folder / "config.toml"
        self.config.write_text(
            f'[database]\nurl = "sqlite+aiosqlite:///{folder / "cli.sqlite3"}"\n', encoding="utf-8"
        )
        assert self("drive", "import", str(PROJECT_ROOT / "examples" / "kinh-mon-2020.toml")) == 0
        self.keys = 0

    def __call__(self, *args: str) -> int:
        return main(["--config", str(self.config), "--log-level", "WARNING", *args])

    def unique(self) -> str:
        self.keys += 1
        return f"k{self.keys}"


_CLI: list[Cli] = []


def cli() -> Cli:
    if not _CLI:
        _CLI.append(Cli())
    return _CLI[0]


def drive_add(option: str, *, text: Callable[[int], str] = lambda n: "a" * n) -> Accepts:
    def accepts(n: int) -> bool:
        run = cli()
        args = {"--place": "Hội trường", "--key": run.unique()}
        args[option] = text(n)
        flat = [item for pair in args.items() for item in pair]
        return run("drive", "add", "--campaign", "kinh-mon-2020", "--date", "2026-12-01",
                   "--start", "07:00", "--end", "11:00", *flat) == 0  # fmt: skip

    return accepts


def drive_edit(option: str) -> Accepts:
    return lambda n: cli()("drive", "edit", "1", option, "a" * n) == 0


def callout_create(option: str) -> Accepts:
    def accepts(n: int) -> bool:
        args = {"--place": "Bệnh viện", "--address": "Phường An Lưu", "--contact": "BS Hùng"}
        args[option] = "a" * n
        flat = [item for pair in args.items() for item in pair]
        # --dry-run: the checks are the same, and an empty database has nobody to send it to (refused)
        create = ("callout", "create", "--dry-run", "--groups", "O+", "--units", "1", "--deadline", "23:59")
        return cli()(*create, *flat) == 0

    return accepts


def organiser_add(
    option: str, *, text: Callable[[int], str] = lambda n: "a" * n, platform: str = "telegram"
) -> Accepts:
    def accepts(n: int) -> bool:
        args = {"--platform": platform, "--user-id": str(100 + cli().keys), "--unit": "Hội Chữ thập đỏ"}
        cli().unique()
        args[option] = text(n)
        return cli()("organiser", "add", *(item for pair in args.items() for item in pair)) == 0

    return accepts


def club_create_name() -> Accepts:
    def accepts(n: int) -> bool:
        cli().unique()
        return cli()("club", "create", "a" * n, "--key", f"k{cli().keys}") == 0

    return accepts


def club_create_key() -> Accepts:
    def accepts(n: int) -> bool:
        prefix = cli().unique()
        key = prefix + "a" * (n - len(prefix))
        return cli()("club", "create", "CLB Tam Lưu", "--key", key) == 0

    return accepts


def taoclb_name() -> Accepts:
    return lambda n: clubs.read_name(_context("a" * n)).ok


def organiser_invite(option: str) -> Accepts:
    def accepts(n: int) -> bool:
        return cli()("organiser", "invite", option, "a" * n) == 0

    return accepts


# --- the columns -----------------------------------------------------------------------------------

INPUTS: dict[str, dict[str, Accepts]] = {
    "donors.full_name": {"registration, /hoso": field("full_name")},
    "donors.organisation": {"registration, /hoso": field("organisation")},
    "donors.ward": {"config.toml [area] wards (the ward buttons)": config_ward},
    "drive_sessions.place_name": {
        "/taodot": taodot_place(),
        "plan sessions.place": plan("sessions", "place"),
        "drive add --place": drive_add("--place"),
        "drive edit --place": drive_edit("--place"),
    },
    "drive_sessions.address": {
        "/taodot": taodot_address(),
        "plan sessions.address": plan("sessions", "address"),
        "drive add --address": drive_add("--address"),
        "drive edit --address": drive_edit("--address"),
    },
    "drive_sessions.ward": {
        "config.toml [area] wards (/taodot's ward buttons)": config_ward,
        "plan sessions.ward": plan("sessions", "ward"),
        "drive add --ward": drive_add("--ward"),
    },
    "drive_sessions.map_url": {"plan sessions.map_url": plan("sessions", "map_url")},
    "drive_sessions.key": {
        "plan sessions.key": plan("sessions", "key"),
        "drive add --key": drive_add("--key"),
    },
    "campaigns.key": {"plan campaign.key": plan("campaign", "key")},
    "campaigns.name": {"plan campaign.name": plan("campaign", "name"), "/taochiendich": taochiendich("name")},
    "campaigns.organising_unit": {
        "plan campaign.organising_unit": plan("campaign", "organising_unit"),
        "/taochiendich": taochiendich("unit"),
    },
    "campaigns.slogan": {
        "plan campaign.slogan": plan("campaign", "slogan"),
        "/taochiendich": taochiendich("slogan"),
    },
    "campaigns.description": {"plan campaign.description": plan("campaign", "description")},
    "campaigns.poster_path": {"plan campaign.poster": plan("campaign", "poster")},
    "callouts.place": {
        "/khancap": khancap("place"),
        "callout create --place": callout_create("--place"),
    },
    "callouts.address": {
        "/khancap": khancap("address"),
        "callout create --address": callout_create("--address"),
    },
    "callouts.contact": {
        "/khancap": khancap("contact"),
        "callout create --contact": callout_create("--contact"),
    },
    "organisers.unit": {"organiser add --unit": organiser_add("--unit")},
    "invites.unit": {"organiser invite --unit": organiser_invite("--unit")},
    "clubs.name": {"/taoclb": taoclb_name(), "club create NAME": club_create_name()},
    "clubs.key": {"club create --key": club_create_key()},
    "clubs.ward": {
        "config.toml [area] wards (club create --ward; /taoclb: the organiser's ward)": config_ward
    },
    "channel_accounts.user_id": {
        # Telegram ids are numbers below 2**52; a Zalo id is a string the column must hold whole
        "organiser add --user-id": organiser_add("--user-id", text=lambda n: "1" * n, platform="zalo")
    },
}

# Columns nobody types into, and where their values come from.
INTERNAL: dict[str, str] = {
    "donors.phone": "E.164 from domain.phone.parse_phone",
    "donors.sex": "CHECK values",
    "donors.blood_abo": "CHECK values",
    "donors.blood_rh": "CHECK values",
    "donors.language": "catalog language codes",
    "donors.last_donation_kind": "donation kinds (models.checkin.KINDS)",
    "donors.organisation_type": "CHECK values (domain.organisations.OrganisationType)",
    "donors.consent_source": "CHECK values (chat, desk_paper, import_paper)",
    "donors.consent_taken_by": "an actor (models.audit.actor_for), cut to limits.ACTOR",
    "drive_sessions.audience": '"open" or a name of domain.organisations.SECTORS (plan, drive add)',
    "channel_accounts.platform": "adapter names (telegram, console)",
    "channel_accounts.chat_id": "the platform's chat id",
    "donations.kind": "CHECK values",
    "donations.place": "not written by the bot yet",
    "drive_sessions.status": "CHECK values",
    "signups.code": "domain.slots.new_code",
    "signups.status": "CHECK values",
    "signups.deferral_reason": "the deferral buttons (handlers.checkin.DEFERRALS)",
    "signups.feeling": "CHECK values",
    "conversations.platform": "adapter names",
    "conversations.chat_id": "the platform's chat id",
    "conversations.flow": "flow names in handlers/registry.py",
    "conversations.step": "step names of the flows",
    "conversations.language": "catalog language codes",
    "organisers.role": "CHECK values",
    "invites.role": "CHECK values",
    "invites.code_hash": "domain.invites.code_hash (64 hex characters)",
    "web_logins.token_hash": "models.web_sessions.digest: sha256 in hex (64 characters)",
    "web_sessions.session_hash": "models.web_sessions.digest: sha256 in hex (64 characters)",
    "web_sessions.csrf_token": "secrets.token_urlsafe(32): 43 characters",
    "web_sessions.lang": "bot.web.pages.LANGS values",
    "invites.scope": "domain.figures.Scope.text, as organisers.scope (organiser invite --scope)",
    "invites.created_by": "cli:<os user>, as in the audit log",
    "invite_failures.platform": "adapter names",
    "clubs.kind": "CHECK values (domain.clubs.KINDS)",
    "clubs.join_code": "domain.clubs.new_code",
    "clubs.created_by": "platform:user id or cli:<os user>, as in the audit log",
    "club_members.role": "CHECK values",
    "club_members.source": "CHECK values",
    "club_join_failures.platform": "adapter names",
    "club_join_failures.user_id": "the platform's user id",
    "invite_failures.user_id": "the platform's user id",
    "audit_log.actor": "platform:user id or cli:<os user>, cut to fit by models.audit",
    "announcements.actor": "platform:user id or cli:<os user>, as in the audit log",
    "audit_log.action": "action names in code",
    "audit_log.target": "ids, cut to fit by models.audit",
    "outbox.key": "idempotency keys made of ids",
    "outbox.kind": "push kinds in code",
    "outbox.status": "CHECK values",
    "outbox.last_error": "delivery errors, cut to fit by models.outbox",
    "outbox.batch": "announcement:<id>",
    "callouts.component": "CHECK values",
    "callouts.status": "CHECK values",
    "callouts.tally_chat_id": "the platform's chat id",
    "callouts.tally_message_id": "the platform's message id",
    "callout_recipients.status": "CHECK values",
    "link_failures.phone": "the profile's E.164 phone (donors.phone), or empty",
    "link_failures.platform": "adapter names",
    "link_failures.user_id": "the platform's user id",
    "approvals.action": "CHECK values",
    "approvals.status": "CHECK values",
    "organisers.scope": "domain.figures.Scope.text, length checked by Scope.parse (organiser add --scope)",
    "campaign_tags.tag": "domain.figures.Tag values",
    "quotas.kind": "CHECK values",
    "quotas.name": "a ward of [area] wards, or an organisation cut to limits.ORGANISATION by the plan file "
    "and `quota set` (tests/integration/test_targets_cli.py)",
}


def string_columns() -> dict[str, Column[object]]:
    return {
        f"{table.name}.{column.name}": column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String)
    }


def test_every_string_column_is_accounted_for() -> None:
    columns = set(string_columns())
    listed = set(INPUTS) | set(INTERNAL)
    assert not set(INPUTS) & set(INTERNAL)
    assert columns == listed, {"not listed": columns - listed, "no such column": listed - columns}


def test_every_column_length_comes_from_domain_limits() -> None:
    sources = sorted((PROJECT_ROOT / "models" / "tables").glob("*.py"))  # the tables, by area
    calls = [
        node
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "String"
    ]
    assert len(calls) == len(string_columns())
    for call in calls:
        (arg,) = call.args
        assert isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name), ast.unparse(call)
        assert arg.value.id == "limits" and hasattr(limits, arg.attr), ast.unparse(call)


def test_check_constraint_values_fit_their_column() -> None:
    for name, column in string_columns().items():
        length = column.type.length  # type: ignore[attr-defined]
        for constraint in column.table.constraints:
            if isinstance(constraint, CheckConstraint) and re.search(
                rf"\b{column.name} IN \(", str(constraint.sqltext)
            ):
                values = re.findall(r"'([^']*)'", str(constraint.sqltext))
                assert values and all(len(v) <= length for v in values), (name, values)


@pytest.mark.parametrize(
    ("column", "path"), [(column, path) for column, paths in INPUTS.items() for path in paths]
)
def test_each_input_path_takes_exactly_what_the_column_holds(column: str, path: str) -> None:
    length = string_columns()[column].type.length  # type: ignore[attr-defined]
    assert isinstance(length, int)
    accepts = INPUTS[column][path]
    assert accepts(length), f"{path} refuses {length} characters, which {column} holds"
    assert not accepts(length + 1), f"{path} takes {length + 1} characters; {column} holds {length}"
