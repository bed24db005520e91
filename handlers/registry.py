"""Every command, dialogue and button prefix of the bot, registered in one place."""

from __future__ import annotations

from handlers import (
    announce,
    callouts,
    common,
    drives,
    linking,
    organiser,
    organiser_drives,
    privacy,
    profile,
    questions,
    registration,
    reminders,
    selfcheck,
    start,
)
from handlers.router import Command, Flow, Routes

# Commands shown in the platform's menu, in this order (descriptions are catalog keys `cmd_<name>`).
MENU = (
    "dangky",
    "lichhien",
    "lichcuatoi",
    "nhacnho",
    "kiemtra",
    "hoso",
    "mydata",
    "xoa",
    "ngonngu",
    "huy",
    "help",
)


# Every multi-step dialogue (a test checks that none defined in handlers/ is missing here).
FLOWS: tuple[Flow, ...] = (
    registration.FLOW,
    profile.FLOW,
    privacy.FLOW,
    selfcheck.FLOW,
    organiser_drives.CREATE_FLOW,
    organiser_drives.MOVE_FLOW,
    organiser.WEIGHT_FLOW,
    announce.FLOW,
    callouts.FLOW,
)


def build_routes() -> Routes:
    keep = {"replaces_flow": False}
    return Routes(
        commands={
            "start": Command(start.start),
            "dangky": Command(registration.start),
            "register": Command(registration.start),
            "huy": Command(common.cancel),
            "cancel": Command(common.cancel),
            "help": Command(common.help_, **keep),
            "trogiup": Command(common.help_, **keep),
            "hoso": Command(profile.show),
            "profile": Command(profile.show),
            "mydata": Command(privacy.my_data, **keep),
            "xoa": Command(privacy.start_erase),
            "delete": Command(privacy.start_erase),
            "lichhien": Command(drives.list_sessions),
            "drives": Command(drives.list_sessions),
            "lichcuatoi": Command(drives.my_signups),
            "mysignups": Command(drives.my_signups),
            "nhacnho": Command(reminders.show),
            "reminders": Command(reminders.show),
            "checkin": Command(organiser.check_in),
            "taodot": Command(organiser_drives.start_create),
            "khancap": Command(callouts.start),
            "callout": Command(callouts.start),
            "dskhancap": Command(callouts.show_running),
            "callouts": Command(callouts.show_running),
            "vangmat": Command(callouts.away),
            "away": Command(callouts.away),
            "hiemmau": Command(callouts.rare),
            "thongbao": Command(announce.start),
            "announce": Command(announce.start),
            "tiendo": Command(announce.show_progress),
            "progress": Command(announce.show_progress),
            "kiemtra": Command(selfcheck.start),
            "check": Command(selfcheck.start),
            "ngonngu": Command(common.language, **keep),
            "language": Command(common.language, **keep),
        },
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
            "res": organiser.on_result,
            organiser.PREFIX: organiser.on_desk,
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
