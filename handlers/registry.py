"""Every command, dialogue and button prefix of the bot, registered in one place."""

from __future__ import annotations

from domain.commands import COMMANDS, typed_command
from handlers import (
    announce,
    away,
    callouts,
    checkin,
    common,
    drives,
    linking,
    organiser_drives,
    privacy,
    profile,
    questions,
    rare_donors,
    registration,
    reminders,
    selfcheck,
    start,
)
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
    announce.FLOW,
    callouts.FLOW,
)


# The command that starts each dialogue again, named in the "stopped" answer of /huy.
RESTART: dict[str, str] = {
    registration.NAME: "dangky",
    profile.NAME: "hoso",
    privacy.ERASE: "xoa",
    selfcheck.NAME: "kiemtra",
    organiser_drives.CREATE: "taodot",
    organiser_drives.MOVE: "lichhien",
    announce.ANNOUNCE: "thongbao",
    callouts.NAME: "khancap",
    checkin.WEIGHT: "checkin",  # the weight typed at the desk: check the donor in again
}

# What each command of domain/commands.py runs. False: it answers and the dialogue in progress goes on.
HANDLERS: dict[str, Command] = {
    "start": Command(start.start),
    "dangky": Command(registration.start),
    "lichhien": Command(drives.list_sessions),
    "lichcuatoi": Command(drives.my_signups),
    "nhacnho": Command(reminders.show),
    "vangmat": Command(away.pause_callouts),
    "kiemtra": Command(selfcheck.start),
    "hoso": Command(profile.show),
    "mydata": Command(privacy.my_data, replaces_flow=False),
    "xoa": Command(privacy.start_erase),
    "ngonngu": Command(common.language, replaces_flow=False),
    "huy": Command(common.cancel_command(RESTART)),
    "help": Command(common.help_, replaces_flow=False),
    "checkin": Command(checkin.check_in),
    "taodot": Command(organiser_drives.start_create),
    "khancap": Command(callouts.start),
    "dskhancap": Command(callouts.show_running),
    "hiemmau": Command(rare_donors.show),
    "thongbao": Command(announce.start),
    "tiendo": Command(announce.show_progress),
}


def build_routes() -> Routes:
    return Routes(
        commands={name: HANDLERS[spec.key] for spec in COMMANDS for name in spec.names},
        typed_command=typed_command,
        flows={flow.name: flow for flow in FLOWS},
        buttons={
            "hoso": profile.on_edit_button,
            "setlang": common.on_language_button,
            "faq": questions.on_faq_button,
            "eligfrom": selfcheck.on_forget_date,
            "joinres": registration.on_join_reserve,
            "drive": drives.show_session,
            "slot": drives.on_slot,
            "mysu": drives.on_my_signup,
            "mvslot": drives.on_move_slot,
            "res": checkin.on_result,
            checkin.PREFIX: checkin.on_desk,
            "remind": reminders.on_toggle,
            "feel": reminders.on_feeling,
            "orgdrive": organiser_drives.on_button,
            "co": callouts.on_answer,
            "cov": callouts.on_tally_button,
            "annprog": announce.on_progress_button,
            linking.PREFIX: linking.on_unlink,
            linking.APPROVAL_PREFIX: linking.on_approval,
        },
        fallback=questions.answer,
    )
