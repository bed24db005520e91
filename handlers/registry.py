"""Every command, dialogue and button prefix of the bot, registered in one place."""

from __future__ import annotations

from core import buttons
from domain.commands import COMMANDS, CommandSpec, typed_command
from domain.roles import Capability
from handlers import (
    announce,
    away,
    callout_answers,
    callouts,
    campaigns,
    checkin,
    clubs,
    common,
    desk,
    drives,
    invites,
    linking,
    my_signups,
    organiser_drives,
    posters,
    privacy,
    profile,
    questions,
    rare_donors,
    registration,
    reminders,
    rosters,
    selfcheck,
    start,
    stats,
    web,
)
from handlers.context import Context
from handlers.flow import Dialogue, on_press, organiser_only
from handlers.router import Command, Flow, Routes

# Commands shown in the platform's menu and in /help, in this order (descriptions are catalog keys
# `cmd_<key>`; names per language come from domain/commands.py).
MENU = tuple(spec.key for spec in COMMANDS if spec.menu)

# Every multi-step dialogue (a test checks that none defined in handlers/ is missing here).
FLOWS: tuple[Flow, ...] = (
    registration.FLOW,
    profile.FLOW,
    privacy.FLOW,
    selfcheck.FLOW,
    organiser_drives.CREATE_FLOW,
    organiser_drives.MOVE_FLOW,
    checkin.WEIGHT_FLOW,
    desk.WALK_IN_FLOW,
    announce.FLOW,
    callouts.FLOW,
    campaigns.FLOW,
    clubs.CREATE_FLOW,
)


# The command that starts each dialogue again, named in the "stopped" answer of /huy.
RESTART: dict[str, str] = {
    **{f.name: f.restart for f in FLOWS if isinstance(f, Dialogue) and f.restart is not None},
    profile.NAME: "hoso",
}

# What each command of domain/commands.py runs. False: it answers and the dialogue in progress goes on.
HANDLERS: dict[str, Command] = {
    "start": Command(start.start),
    "dangky": Command(registration.start),
    "lichhien": Command(drives.list_drive_days),
    "lichcuatoi": Command(my_signups.my_signups),
    "nhacnho": Command(reminders.show),
    "vangmat": Command(away.pause_callouts),
    "kiemtra": Command(selfcheck.start),
    "hoso": Command(profile.show),
    "mydata": Command(privacy.my_data, replaces_flow=False),
    "xoa": Command(privacy.start_erase),
    "ngonngu": Command(common.language, replaces_flow=False),
    "huy": Command(common.cancel_command(RESTART)),
    "help": Command(common.help_, replaces_flow=False),
    "toi": Command(invites.whoami, replaces_flow=False),
    "nhanma": Command(invites.redeem, replaces_flow=False),
    "checkin": Command(checkin.check_in),
    "timnguoi": Command(desk.find),
    "vanglai": Command(desk.start_walk_in),
    "taodot": Command(organiser_drives.start_create),
    "khancap": Command(callouts.start),
    "dskhancap": Command(callout_answers.show_running),
    "hiemmau": Command(rare_donors.show),
    "thongbao": Command(announce.start),
    "tiendo": Command(announce.show_progress),
    "thongke": Command(stats.show_stats),
    "danhsach": Command(rosters.show_roster),
    "taochiendich": Command(campaigns.start),
    "apphich": Command(posters.show_poster),
    "thamgia": Command(clubs.join),
    "clbcuatoi": Command(clubs.my_clubs),
    "taoclb": Command(clubs.start_create),
    "clb": Command(clubs.show_clubs),
    "web": Command(web.send_link, replaces_flow=False),
}


# --- who may do what: the capability (domain/roles.py) of every organiser command, dialogue and button.
# A command's is on its CommandSpec (domain/commands.py refuses an organiser command without one); a
# dialogue with organisers=True or an organiser button missing here fails at start (build_routes), and
# tests/e2e/test_roles_matrix.py walks them all.
COMMAND_CAPABILITIES: dict[str, Capability] = {
    spec.key: spec.capability for spec in COMMANDS if spec.capability is not None
}
FLOW_CAPABILITIES: dict[str, Capability] = {
    organiser_drives.CREATE_FLOW.name: Capability.DRIVE_CREATE,
    organiser_drives.MOVE_FLOW.name: Capability.DRIVE_CHANGE,
    checkin.WEIGHT_FLOW.name: Capability.CHECKIN,
    announce.FLOW.name: Capability.ANNOUNCE,
    callouts.FLOW.name: Capability.CALLOUT,
    desk.WALK_IN_FLOW.name: Capability.CHECKIN,
    campaigns.FLOW.name: Capability.CAMPAIGN,
    clubs.CREATE_FLOW.name: Capability.CLUBS,
}
BUTTON_CAPABILITIES: dict[str, Capability] = {
    "res": Capability.RESULT,
    "desk": Capability.CHECKIN,
    "orgdrive": Capability.DRIVE_CHANGE,
    "cov": Capability.CALLOUT,
    "annprog": Capability.ANNOUNCE,
}


def _guarded(spec: CommandSpec) -> Command:
    """The command's handler, behind its capability check when it is an organiser's."""
    command = HANDLERS[spec.key]
    if not spec.organiser:
        return command
    capability = COMMAND_CAPABILITIES[spec.key]  # KeyError: declare the new command's capability above
    handler = command.handler

    async def checked(ctx: Context, args: str) -> None:
        if await organiser_only(ctx, capability):
            await handler(ctx, args)

    return Command(checked, replaces_flow=command.replaces_flow)


def _flow(flow: Flow) -> Flow:
    if isinstance(flow, Dialogue) and flow.organisers:
        return flow.needing(FLOW_CAPABILITIES[flow.name])  # KeyError: declare its capability above
    return flow


def _organisers(prefix: str) -> Capability:
    return BUTTON_CAPABILITIES[prefix]


def build_routes() -> Routes:
    return Routes(
        commands={name: _guarded(spec) for spec in COMMANDS for name in spec.names},
        typed_command=typed_command,
        flows={flow.name: _flow(flow) for flow in FLOWS},
        buttons={
            "hoso": on_press(buttons.ProfileEdit, profile.on_edit_button),
            "setlang": on_press(buttons.SetLanguage, common.on_language_button),
            "faq": on_press(buttons.Faq, questions.on_faq_button),
            "eligfrom": on_press(buttons.ForgetDate, selfcheck.on_forget_date),
            "joinres": on_press(buttons.JoinReserve, registration.on_join_reserve),
            # a bad id kept from a deep link through registration ("drive:0") reads "not available"
            "drive": on_press(buttons.Drive, drives.on_drive, invalid="drive_not_available"),
            "slot": on_press(buttons.Slot, drives.on_slot),
            "mysu": on_press((buttons.MoveSignup, buttons.CancelSignup), my_signups.on_my_signup),
            "mvslot": on_press(buttons.MoveToSlot, my_signups.on_move_slot),
            "res": on_press(buttons.Result, checkin.on_result, capability=_organisers("res")),
            "desk": on_press(checkin.DESK_BUTTONS, checkin.on_desk, capability=_organisers("desk")),
            "dsk": desk.on_button,  # checks the checkin capability first on every press
            "remind": on_press(buttons.Reminders, reminders.on_toggle),
            "feel": on_press(buttons.Feeling, reminders.on_feeling),
            "orgdrive": on_press(
                organiser_drives.DRIVE_BUTTONS, organiser_drives.on_button, capability=_organisers("orgdrive")
            ),
            "co": callout_answers.on_answer,
            "cov": on_press(
                buttons.CalloutTally, callout_answers.tally_pressed, capability=_organisers("cov")
            ),
            "annprog": on_press(
                buttons.AnnounceProgress, announce.on_progress_button, capability=_organisers("annprog")
            ),
            "unlink": on_press(buttons.Unlink, linking.on_unlink),
            "appr": on_press(buttons.Approval, linking.on_approval),
            "clbjoin": on_press(buttons.ClubJoin, clubs.on_join_button),
            "clbleave": on_press(buttons.ClubLeave, clubs.on_leave),
        },
        fallback=questions.answer,
    )
