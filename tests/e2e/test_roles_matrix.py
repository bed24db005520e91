"""Who may do what (domain/roles.py), walked through the real PTB stack and the emulator.

Generated from the registry: every organiser command (`COMMAND_CAPABILITIES`) and button kind
(`BUTTON_CAPABILITIES`) × every role (nobody, admin, organiser of the area, of ward Tam Lưu, of the
organisation "THPT Kinh Môn", the desk of drive day D, a club leader) × a target inside or outside the
scope. The expected outcome comes from the permission table itself: allowed → the command's normal first
answer; a role without the capability → the role's refusal, naming what it may do; a target outside the
scope → the scope's refusal; and nothing written for any refusal (the audit log aside). A command, button
or dialogue added later without a capability fails here (and at start: `build_routes`).

The data, today 03/08/2020 08:00:

  drive day   ward        booked by                                  donor's ward / organisation
  D           Tam Lưu     Lan (O−, reserve)                          Tam Lưu / THPT Kinh Môn
  E           Nhị Chiểu   Hoa (O−, reserve)                          Nhị Chiểu / —

So D is inside every scope but the club's (held in Tam Lưu, booked by a donor of THPT Kinh Môn, the
desk's own day), E only inside the area's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core import buttons
from core.i18n import Catalogs
from domain.commands import COMMANDS
from domain.figures import Scope, ScopeKind
from domain.roles import Capability, Grant
from handlers.flow import Dialogue
from handlers.registry import (
    BUTTON_CAPABILITIES,
    COMMAND_CAPABILITIES,
    FLOW_CAPABILITIES,
    FLOWS,
    build_routes,
)
from models.tables import (
    AnnouncementRow,
    AuditEntry,
    Callout,
    Donation,
    DriveDay,
    Outbox,
    Signup,
)
from tests.e2e.test_booking import book, load, plan, session
from tests.helpers import BotHarness, FixedClock, SimUser, running_bot, texts

BEFORE = datetime(2020, 7, 20, 2, 0, tzinfo=UTC)
ON_THE_DAY = datetime(2020, 8, 3, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
SCHOOL = "THPT Kinh Môn"
VI = Catalogs().get("vi")


@dataclass(frozen=True)
class Role:
    name: str
    user_id: int
    grant: Grant | None  # None: nobody (no role)

    def in_scope(self, target: str | None) -> bool:
        """D is inside every scope but a club's; E only inside the area's (see the module docstring)."""
        if self.grant is None or target is None:
            return True
        scope = self.grant.effective_scope
        if target == "E":
            return scope == Scope.area()
        return scope.kind.value != "club"


def roles(drive_day_d: int) -> list[Role]:
    return [
        Role("nobody", 9100, None),
        Role("admin", 9101, Grant("admin", Scope.area())),
        Role("area", 9102, Grant("organiser", Scope.area())),
        Role("ward", 9103, Grant("organiser", Scope.ward("Tam Lưu"))),
        Role("organisation", 9104, Grant("organiser", Scope.organisation(SCHOOL))),
        Role("desk", 9105, Grant("desk", Scope.drive_day(drive_day_d))),
        Role("club", 9106, Grant("club_leader", Scope.club("clb-tam-luu"))),
    ]


@dataclass(frozen=True)
class Ids:
    d: int
    e: int
    code_d: str
    code_e: str
    signup_d: int
    signup_e: int


@dataclass(frozen=True)
class Case:
    """One organiser command or button kind and how to try it on a target."""

    key: str  # a command key or a button prefix of the registry
    attempt: Callable[[Ids], str]  # the command typed, or the button data forged
    allowed: Callable[[str, Role], bool]  # the normal first answer
    target: str | None = None  # "D", "E" or None (no target)
    button: bool = False
    writes: bool = False  # the allowed outcome writes: tried only by the roles it must refuse
    out_of_scope: str | None = None  # the command's own answer outside the scope (rosters)


def _rare(text: str, role: Role) -> bool:
    scope = role.grant.effective_scope if role.grant else Scope.area()
    return f"Người hiến dự bị nhóm Rh âm (hiếm): {2 if scope == Scope.area() else 1}" in text


def _announce(text: str, role: Role) -> bool:
    return text.startswith(VI("ann_ask_audience"))


CASES: tuple[Case, ...] = (
    Case("checkin", lambda i: f"/checkin {i.code_d}", lambda t, _: "Đã check-in: Lan" in t, "D"),
    Case("checkin", lambda i: f"/checkin {i.code_e}", lambda t, _: "Đã check-in: Hoa" in t, "E"),
    Case("taodot", lambda _: "/taodot", lambda t, _: t.startswith("Buổi hiến máu mới thuộc chiến dịch nào?")),
    Case("khancap", lambda _: "/khancap", lambda t, _: t == VI("callout_ask_groups")),
    Case("dskhancap", lambda _: "/dskhancap", lambda t, _: t == VI("callout_none_running")),
    Case("hiemmau", lambda _: "/hiemmau", _rare),
    Case("thongbao", lambda _: "/thongbao", _announce),
    Case("tiendo", lambda _: "/tiendo", lambda t, _: t == VI("ann_progress_none")),
    Case("thongke", lambda _: "/thongke", lambda t, _: "Kết quả công tác vận động hiến máu" in t),
    Case(
        "danhsach",
        lambda i: f"/danhsach {i.d}",
        lambda t, _: "Danh sách đăng ký buổi hiến máu số" in t,
        "D",
    ),
    Case(
        "danhsach",
        lambda i: f"/danhsach {i.e}",
        lambda t, _: "Danh sách đăng ký buổi hiến máu số" in t,
        "E",
        out_of_scope="không thuộc phạm vi bạn phụ trách",
    ),
    Case("taochiendich", lambda _: "/taochiendich", lambda t, _: t == VI("cmp_ask_name")),
    Case("taoclb", lambda _: "/taoclb", lambda t, _: t == VI("club_ask_name")),
    # /web: no web.public_url in this bot, so the allowed answer is that the page is not set up.
    Case("web", lambda _: "/web", lambda t, _: t == VI("web_not_set_up")),
    Case(
        "apphich",
        lambda i: f"/apphich {i.d}",
        lambda t, _: t.startswith("Áp phích A4 cho buổi hiến máu") and "Nhà văn hóa Tam Lưu" in t,
        "D",
    ),
    # The desk's search: Lan (booked on D) is inside every scope that has the desk's work.
    Case("timnguoi", lambda _: "/timnguoi lan", lambda t, _: "Tìm thấy 1 người" in t and "Lan" in t, "D"),
    # A walk-in: two sessions today for the area's and an organisation's organiser; only D, the session
    # held in its ward, for Tam Lưu's (`models.desk.sessions_for`), and for D's desk.
    Case(
        "vanglai",
        lambda _: "/vanglai",
        lambda t, role: (
            VI("desk_walkin_ask_name") in t
            if role.grant is not None
            and role.grant.effective_scope.kind in (ScopeKind.DRIVE_DAY, ScopeKind.WARD)
            else VI("desk_walkin_ask_session") in t
        ),
    ),
    Case(
        "orgdrive",
        lambda i: buttons.DriveCancel(i.d).pack(),
        lambda t, _: t.startswith("Hủy buổi hiến máu"),
        "D",
        button=True,
    ),
    Case(
        "orgdrive",
        lambda i: buttons.DriveCancel(i.e).pack(),
        lambda t, _: t.startswith("Hủy buổi hiến máu"),
        "E",
        button=True,
    ),
    Case(
        "orgdrive", lambda i: buttons.DriveCancelYes(i.e).pack(), lambda t, _: False, "E", True, writes=True
    ),
    Case(
        "desk", lambda i: buttons.DeskFix(i.signup_d).pack(), lambda t, _: "Đã check-in: Lan" in t, "D", True
    ),
    Case(
        "desk", lambda i: buttons.DeskFix(i.signup_e).pack(), lambda t, _: "Đã check-in: Hoa" in t, "E", True
    ),
    Case(
        "res",
        lambda i: buttons.Result(i.signup_d, "250").pack(),
        lambda t, _: t.startswith(("Đã ghi nhận kết quả hiến máu", "Kết quả này đã được ghi rồi")),
        "D",
        True,
    ),
    Case(
        "res",
        lambda i: buttons.Result(i.signup_e, "250").pack(),
        lambda t, _: t.startswith(("Đã ghi nhận kết quả hiến máu", "Kết quả này đã được ghi rồi")),
        "E",
        True,
    ),
    Case(
        "cov",
        lambda _: buttons.CalloutTally("refresh", 999).pack(),
        lambda t, _: t == VI("error_button_expired"),
        button=True,
    ),
    Case(
        "annprog",
        lambda _: buttons.AnnounceProgress(999).pack(),
        lambda t, _: t == VI("ann_progress_not_found", id=999),
        button=True,
    ),
)


def _capability(case: Case) -> Capability:
    return (BUTTON_CAPABILITIES if case.button else COMMAND_CAPABILITIES)[case.key]


def _may_list(grant: Grant) -> str:
    allowed = [VI(f"role_may_{c.value}") for c in Capability if grant.may(c)]
    return ", ".join(allowed) if allowed else VI("role_may_nothing")


def refusal(grant: Grant, capability: Capability, *, scope: bool) -> str:
    """The text a role hears when the table (or, with `scope`, its scope) refuses `capability`."""
    effective = grant.effective_scope
    return VI(
        "role_refused_scope" if scope else "role_refused",
        role=VI(f"role_{grant.role}"),
        scope=VI(f"role_scope_{effective.kind.value}", name=effective.name or ""),
        task=VI(f"role_may_{capability.value}"),
        may=_may_list(grant),
    )


async def _snapshot(bot: BotHarness) -> tuple[Any, ...]:
    """Everything an organiser action could write, but the audit log."""
    signups = [(s.id, s.status, s.checked_in_at) for s in await bot.rows(select(Signup).order_by(Signup.id))]
    days = [
        (d.id, d.status, d.day, d.start_time) for d in await bot.rows(select(DriveDay).order_by(DriveDay.id))
    ]
    counts = [
        await bot.scalar(select(func.count()).select_from(t))
        for t in (Donation, Outbox, AnnouncementRow, Callout)
    ]
    return (signups, days, counts)


async def _setup(bot: BotHarness, tmp_path: Path) -> tuple[Ids, dict[str, SimUser], list[Role]]:
    found = await load(
        bot,
        tmp_path,
        plan(
            2020,
            session("d", "2020-08-03", "Nhà văn hóa Tam Lưu", "Tam Lưu"),
            session("e", "2020-08-03", "Trường Nhị Chiểu", "Nhị Chiểu"),
        ),
    )
    lan, hoa = bot.user(8801, name="Lan"), bot.user(8802, name="Hoa")
    rh_negative = {"blood_rh": "-", "is_reserve": True}
    await bot.add_donor(lan, phone="+84912880001", organisation=SCHOOL, **rh_negative)
    await bot.add_donor(hoa, phone="+84912880002", ward="Nhị Chiểu", **rh_negative)
    await book(bot, lan, "Nhà văn hóa Tam Lưu", "07:00")
    await book(bot, hoa, "Trường Nhị Chiểu", "07:00")
    by_day = {s.drive_day_id: s for s in await bot.rows(select(Signup))}
    d, e = by_day[found["d"]], by_day[found["e"]]
    ids = Ids(found["d"], found["e"], d.code, e.code, d.id, e.id)
    table = roles(ids.d)
    users: dict[str, SimUser] = {}
    for role in table:
        users[role.name] = bot.user(role.user_id, name=f"Cán bộ {role.name}")
        if role.grant is not None:
            await bot.make_organiser(users[role.name], role=role.grant.role, scope=role.grant.scope)
    bot.clock.current = ON_THE_DAY
    return ids, users, table


def test_every_organiser_command_button_and_dialogue_declares_a_capability() -> None:
    organiser_commands = {spec.key for spec in COMMANDS if spec.organiser}
    assert set(COMMAND_CAPABILITIES) == organiser_commands
    assert {case.key for case in CASES if not case.button} == organiser_commands, "a case per command"
    assert {case.key for case in CASES if case.button} == set(BUTTON_CAPABILITIES), "a case per button"
    organiser_flows = {f.name for f in FLOWS if isinstance(f, Dialogue) and f.organisers}
    assert set(FLOW_CAPABILITIES) == organiser_flows == set(FLOW_ENTRIES)
    routes = build_routes()
    for name in organiser_flows:
        flow = routes.flows[name]
        assert isinstance(flow, Dialogue) and flow.capability is FLOW_CAPABILITIES[name]


async def test_every_command_and_button_for_every_role_and_scope(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        ids, users, table = await _setup(bot, tmp_path)
        tried = 0
        for case in CASES:
            capability = _capability(case)
            for role in table:
                user, grant = users[role.name], role.grant
                may = grant is not None and grant.may(capability)
                allowed = may and role.in_scope(case.target)
                if allowed and case.writes:
                    continue
                before = await _snapshot(bot)
                attempt = case.attempt(ids)
                sent = await (bot.forge(user, attempt) if case.button else bot.send(user, attempt))
                said = texts(sent)
                where = f"{case.key} {attempt} as {role.name}: {said!r}"
                if allowed:
                    assert case.allowed(said, role), where
                    assert "⛔" not in said, where
                else:
                    if grant is None:
                        assert said == VI("organiser_only"), where
                    elif not may:
                        assert said == refusal(grant, capability, scope=False), where
                    elif case.out_of_scope is not None:
                        assert case.out_of_scope in said, where
                    else:
                        assert said == refusal(grant, capability, scope=True), where
                    assert await _snapshot(bot) == before, f"{where}: something was written"
                await bot.send(user, "/huy")  # whatever dialogue the answer began
                tried += 1
        assert tried > 100
        # A ward organiser's scope refusal is audited with ids only; nobody's curiosity is not.
        refused = await bot.rows(select(AuditEntry).where(AuditEntry.action == "organiser.refused"))
        assert {"telegram:9100"} & {entry.actor for entry in refused} == set()
        ward = [e for e in refused if e.actor == "telegram:9103"]
        assert {e.target for e in ward} >= {f"drive_day:{ids.e}"}
        desk = [e for e in refused if e.actor == "telegram:9105"]
        assert {e.target for e in desk} >= {f"drive_day:{ids.e}", "capability:callout"}
        for entry in refused:
            assert set(entry.details or {}) <= {"capability", "role", "scope", "scope_id"}
            assert "Lan" not in str(entry.details) and "Tam Lưu" not in str(entry.details)


# --- every dialogue checks the capability on every step -------------------------------------------------


async def _enter_create(bot: BotHarness, user: SimUser, ids: Ids) -> None:
    await bot.send(user, "/taodot")


async def _enter_move(bot: BotHarness, user: SimUser, ids: Ids) -> None:
    await bot.forge(user, buttons.DriveMove(ids.d).pack())


async def _enter_announce(bot: BotHarness, user: SimUser, ids: Ids) -> None:
    await bot.send(user, "/thongbao")


async def _enter_callout(bot: BotHarness, user: SimUser, ids: Ids) -> None:
    await bot.send(user, "/khancap")


async def _enter_weight(bot: BotHarness, user: SimUser, ids: Ids) -> None:
    await bot.send(user, f"/checkin {ids.code_d}")
    await bot.forge(user, buttons.DeskWeight(ids.signup_d).pack())


async def _enter_walk_in(bot: BotHarness, user: SimUser, ids: Ids) -> None:
    await bot.send(user, "/vanglai")


async def _enter_campaign(bot: BotHarness, user: SimUser, ids: Ids) -> None:
    await bot.send(user, "/taochiendich")


async def _enter_club(bot: BotHarness, user: SimUser, ids: Ids) -> None:
    await bot.send(user, "/taoclb")


FLOW_ENTRIES = {
    "drive_create": _enter_create,
    "drive_move": _enter_move,
    "announce": _enter_announce,
    "callout_create": _enter_callout,
    "desk_weight": _enter_weight,
    "desk_walk_in": _enter_walk_in,
    "campaign_create": _enter_campaign,
    "club_create": _enter_club,
}


async def test_a_dialogue_stops_when_the_role_no_longer_allows_it(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FixedClock(BEFORE)) as bot:
        ids, users, _ = await _setup(bot, tmp_path)
        user = users["area"]
        club = Grant("club_leader", Scope.club("clb-tam-luu"))
        for name, enter in FLOW_ENTRIES.items():
            await bot.make_organiser(user)  # the area's organiser again
            await enter(bot, user, ids)
            await bot.make_organiser(user, role="club_leader", scope=club.scope)  # meanwhile
            before = await _snapshot(bot)
            said = texts(await bot.send(user, "55"))
            assert said == refusal(club, FLOW_CAPABILITIES[name], scope=False), f"{name}: {said!r}"
            assert await _snapshot(bot) == before
            # the dialogue is over: the next message is a question like any other, not an answer
            assert "⛔" not in texts(await bot.send(user, "55"))
