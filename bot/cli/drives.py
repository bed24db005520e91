"""`donorbot drive list|show|add|edit|cancel|import`: organisers manage blood drives from a shell.

Each command is one unit of work and every change goes to the audit log as `cli:<os user>`
(`bot.cli.harness`). Mistakes (an unknown id, a date that does not exist, end before start) print one
line naming the problem and exit with code 2, like argparse does, so scripts can tell them from success.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from core.i18n import Catalogs
from domain import plan_file
from domain.organisations import SECTORS
from domain.slots import has_ended
from models import drive_day_changes, drive_days, signups
from models.tables import Signup
from services import drive_days as drive_day_service


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `drive` and its sub-commands; values are parsed in `run` so mistakes get a clear message."""
    drive = subparsers.add_parser("drive", help="blood drives: import a plan, list, show, add, edit, cancel")
    sub = drive.add_subparsers(dest="drive_command", required=True, metavar="COMMAND")
    imp = sub.add_parser("import", help="create or update a campaign and its sessions from a TOML plan")
    imp.add_argument("file", type=Path, metavar="FILE")
    lst = sub.add_parser("list", help="sessions per campaign, upcoming and past, with sign-ups/capacity")
    lst.add_argument("--campaign", metavar="KEY", help="only this campaign")
    show = sub.add_parser("show", help="one session with its slots and sign-up counts")
    show.add_argument("id", metavar="ID")
    add = sub.add_parser("add", help="add a session to a campaign")
    add.add_argument("--campaign", required=True, metavar="KEY")
    add.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--start", required=True, metavar="HH:MM")
    add.add_argument("--end", required=True, metavar="HH:MM")
    add.add_argument("--place", required=True)
    add.add_argument("--address")
    add.add_argument("--ward")
    add.add_argument("--capacity", default="250", metavar="N")
    add.add_argument("--slot-minutes", default="30", metavar="N")
    add.add_argument(
        "--audience",
        default="open",
        help='"open" (default) or a sector: ' + ", ".join(SECTORS) + " (offered only to its donors)",
    )
    add.add_argument("--round", default="1", metavar="N")
    add.add_argument("--key", help="stable id within the campaign (default: the date)")
    edit = sub.add_parser("edit", help="change a session's date, hours, place or capacity")
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--date", metavar="YYYY-MM-DD")
    edit.add_argument("--start", metavar="HH:MM")
    edit.add_argument("--end", metavar="HH:MM")
    edit.add_argument("--place")
    edit.add_argument("--address")
    edit.add_argument("--capacity", metavar="N")
    cancel = sub.add_parser("cancel", help="cancel a session")
    cancel.add_argument("id", metavar="ID")


# --------------------------------------------------------------------------------------------- parsing


def _drive_day_id(text: str) -> int:
    drive_day_id = values.record_id(text)
    if drive_day_id is None:
        raise UsageError(f"ID: {text!r} is not a session id (see `donorbot drive list`)")
    return drive_day_id


def _text(text: str | None) -> str | None:
    return None if text is None else values.one_line(text)


def _opt_day(option: str, text: str | None) -> date | None:
    return None if text is None else values.day(option, text)


def _opt_time(option: str, text: str | None) -> time | None:
    return None if text is None else values.clock_time(option, text)


# --------------------------------------------------------------------------------------------- output


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _hours(view: drive_days.DriveDayView) -> str:
    return f"{view.start_time:%H:%M}–{view.end_time:%H:%M}"


def _line(view: drive_days.DriveDayView) -> str:
    place = view.place_name + (f" ({view.ward})" if view.ward else "")
    extras = [f"round {view.round}"]
    if view.audience != "open":
        extras.append(f"for {view.audience}")
    if view.status != "scheduled":
        extras.append(view.status.upper())
    return (
        f"    #{view.id:<4} {_dmy(view.day)} {_hours(view)}  {place}  "
        f"{view.taken}/{view.capacity}  [{', '.join(extras)}]"
    )


def _told(told: drive_day_service.Told) -> str:
    """What was queued for the donors signed up to a changed or cancelled session."""
    if told.donors == 0:
        return "No donor had signed up, so no notice was queued."
    notices = "notice" if told.queued == 1 else "notices"
    signed_up = "donor" if told.donors == 1 else "donors"
    return (
        f"{told.queued} {notices} queued for {told.donors} signed-up {signed_up}; the running bot sends them."
    )


def _ward(given: str | None, settings: Settings, err: TextIO, *, where: str) -> str | None:
    """The configured spelling of a ward typed with or without diacritics; an unknown one is kept, with a
    warning (no donor's own ward, so nobody sees the session first)."""
    text = _text(given)
    if not text:
        return None
    known = settings.area.ward_named(text)
    if known is None:
        err.write(
            f"warning: {where}: {text!r} is not in config.toml [area] wards "
            f"({', '.join(settings.area.wards)}), so no donor will see this session first\n"
        )
    return known or text


async def _list(
    session: AsyncSession, out: TextIO, *, campaign_key: str | None, now: datetime, tz: tzinfo
) -> None:
    campaigns = await drive_days.list_campaigns(session)
    if campaign_key is not None:
        campaigns = [c for c in campaigns if c.key == campaign_key]
        if not campaigns:
            raise UsageError(f"--campaign: no campaign with key {campaign_key!r}")
    if not campaigns:
        out.write("No campaigns yet. Import a plan: donorbot drive import FILE\n")
        return
    for campaign in campaigns:
        out.write(f"{campaign.name} [{campaign.key}], {campaign.year}\n")
        views = await drive_days.campaign_drive_days(session, campaign.id)
        over = {v.id for v in views if has_ended(v.day, v.end_time, now=now, tz=tz)}  # in local time
        for title, part in (
            ("Upcoming", [v for v in views if v.id not in over]),
            ("Past", [v for v in views if v.id in over]),
        ):
            out.write(f"  {title}:\n")
            for view in part:
                out.write(_line(view) + "\n")
            if not part:
                out.write("    (none)\n")
        totals = await drive_days.campaign_totals(session, campaign.id)
        out.write(
            f"  Totals: {totals.signups} sign-ups, {totals.donations} donations ({totals.volume_ml:,} ml), "
            f"{totals.deferred} deferred\n"
        )


async def _show(session: AsyncSession, out: TextIO, drive_day_id: int) -> None:
    view = await drive_days.drive_day_view(session, drive_day_id)
    if view is None:
        raise UsageError(f"ID: no session with id {drive_day_id} (see `donorbot drive list`)")
    slots = await signups.free_slots(session, drive_day_id, include_full=True)
    statuses = dict(
        (
            await session.execute(
                select(Signup.status, func.count(Signup.id))
                .where(Signup.drive_day_id == drive_day_id)
                .group_by(Signup.status)
            )
        )
        .tuples()
        .all()
    )
    rows: list[tuple[str, str | None]] = [
        ("Campaign", f"{view.campaign_name}, round {view.round}"),
        ("Key", view.key),
        ("Date", _dmy(view.day)),
        ("Hours", f"{_hours(view)}, slots of {view.slot_minutes} min"),
        ("Place", view.place_name),
        ("Address", view.address),  # rows without a value are left out
        ("Ward", view.ward),
        ("Map", view.map_url),
        ("Audience", view.audience),
        ("Status", view.status),
        ("Sign-ups", f"{view.taken}/{view.capacity} ({view.free} free)"),
        (
            "By status",
            ", ".join(f"{status} {statuses.get(status, 0)}" for status in drive_days.SIGNUP_STATUSES),
        ),
    ]
    out.write(f"Session #{view.id}\n")
    for label, value in rows:
        if value is not None:
            out.write(f"  {label + ':':<11}{value}\n")
    out.write("  Slots:\n")
    for slot in slots:
        out.write(f"    {slot.start:%H:%M}  {slot.taken}/{slot.capacity}\n")


async def _import(
    session: AsyncSession, out: TextIO, err: TextIO, *, path: Path, settings: Settings, now: datetime
) -> None:
    try:
        plan = plan_file.load_plan(path, wards=settings.area.wards)  # ward quotas must name a known ward
    except plan_file.PlanError as exc:
        raise UsageError(f"{path}: {exc}") from None
    plan, unknown = plan_file.unknown_session_wards(plan, settings.area.wards)
    for number in unknown:
        err.write(
            f"warning: {path}: sessions[{number}].ward: {plan.sessions[number - 1].ward!r} is not in "
            f"config.toml [area] wards ({', '.join(settings.area.wards)}), so no donor will see this "
            "session first\n"
        )
    today = now.astimezone(settings.tz).date()
    if plan.sessions and all(entry.day < today for entry in plan.sessions):
        err.write(
            f"warning: {path}: every session is before today ({_dmy(today)}), so none of them is offered "
            "to donors; check the dates (a plan of a past year?)\n"
        )
    imported = await drive_day_service.import_plan(
        session, plan, catalogs=Catalogs(), actor=cli_actor(), tz=settings.tz, now=now
    )
    result = imported.result
    out.write(
        f"Imported {plan.key} ({plan.name}): {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged (the campaign and {len(plan.sessions)} sessions).\n"
    )
    if result.affected_drive_days:
        out.write(f"Dates, hours or places changed: {_told(imported.told)}\n")


async def _add(
    session: AsyncSession,
    out: TextIO,
    err: TextIO,
    args: argparse.Namespace,
    *,
    settings: Settings,
    now: datetime,
) -> None:
    if await drive_days.campaign_by_key(session, args.campaign) is None:
        keys = [c.key for c in await drive_days.list_campaigns(session)]
        known = f" (campaigns: {', '.join(keys)})" if keys else ""
        raise UsageError(
            f"--campaign: no campaign with key {args.campaign!r}{known}. A campaign is created by "
            "importing a plan file: donorbot drive import FILE (see examples/kinh-mon-2020.toml)"
        )
    day = values.day("--date", args.date)
    plan = plan_file.DriveDayPlan(
        key=args.key
        or await drive_day_changes.free_drive_day_key(session, campaign_key=args.campaign, day=day),
        round=values.whole_number("--round", args.round, maximum=plan_file.MAX_ROUND),
        day=day,
        start_time=values.clock_time("--start", args.start),
        end_time=values.clock_time("--end", args.end),
        place_name=_text(args.place) or "",
        address=_text(args.address) or None,
        ward=_ward(args.ward, settings, err, where="--ward"),
        capacity=values.whole_number("--capacity", args.capacity, maximum=plan_file.MAX_CAPACITY),
        slot_minutes=values.whole_number(
            "--slot-minutes", args.slot_minutes, maximum=plan_file.MAX_SLOT_MINUTES
        ),
        audience=_text(args.audience) or "",
    )
    row = await drive_day_changes.add_drive_day(
        session, campaign_key=args.campaign, plan=plan, actor=cli_actor(), now=now
    )
    out.write(
        f"Added session #{row.id} [{row.key}] to {args.campaign}: {_dmy(row.day)} "
        f"{row.start_time:%H:%M}–{row.end_time:%H:%M}, {row.place_name}, capacity {row.capacity}.\n"
    )


async def _edit(
    session: AsyncSession, out: TextIO, args: argparse.Namespace, *, tz: ZoneInfo, now: datetime
) -> None:
    drive_day_id = _drive_day_id(args.id)
    day = _opt_day("--date", args.date)
    start = _opt_time("--start", args.start)
    end = _opt_time("--end", args.end)
    capacity = (
        None
        if args.capacity is None
        else values.whole_number("--capacity", args.capacity, maximum=plan_file.MAX_CAPACITY)
    )
    if all(v is None for v in (day, start, end, args.place, args.address, capacity)):
        raise UsageError("nothing to change: give --date, --start, --end, --place, --address or --capacity")
    before = await drive_days.drive_day_view(session, drive_day_id)
    if before is None:
        raise UsageError(f"ID: no session with id {drive_day_id} (see `donorbot drive list`)")
    told = await drive_day_service.change(
        session,
        catalogs=Catalogs(),
        drive_day_id=drive_day_id,
        day=day,
        start_time=start,
        end_time=end,
        place_name=args.place,
        address=args.address,
        capacity=capacity,
        actor=cli_actor(),
        tz=tz,
        now=now,
    )
    after = await drive_days.drive_day_view(session, drive_day_id)
    if after == before:
        out.write(f"Session #{drive_day_id} already has these values; nothing changed.\n")
        return
    assert after is not None
    out.write(
        f"Updated session #{drive_day_id}: {_dmy(after.day)} {_hours(after)}, {after.place_name}, "
        f"capacity {after.capacity}.\n"
    )
    if told.donors:
        out.write(_told(told) + "\n")


async def _cancel(
    session: AsyncSession, out: TextIO, args: argparse.Namespace, *, tz: ZoneInfo, now: datetime
) -> None:
    drive_day_id = _drive_day_id(args.id)
    view = await drive_days.drive_day_view(session, drive_day_id)
    if view is None:
        raise UsageError(f"ID: no session with id {drive_day_id} (see `donorbot drive list`)")
    if view.status == drive_days.CANCELLED:
        out.write(f"Session #{drive_day_id} was already cancelled.\n")
        return
    told = await drive_day_service.cancel(
        session, catalogs=Catalogs(), drive_day_id=drive_day_id, actor=cli_actor(), tz=tz, now=now
    )
    out.write(f"Cancelled session #{drive_day_id} ({_dmy(view.day)}, {view.place_name}). {_told(told)}\n")


async def run(
    args: argparse.Namespace,
    settings: Settings,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    """Runs one `drive` sub-command in one unit of work; 0 on success, 2 with a message on a mistake."""
    err = err or sys.stderr
    work = _run(args, settings, out=out or sys.stdout, err=err, now=now or datetime.now(UTC))
    return await run_command("drive", work, err=err)


async def _run(
    args: argparse.Namespace, settings: Settings, *, out: TextIO, err: TextIO, now: datetime
) -> None:
    async with unit_of_work(settings) as session:
        command: str = args.drive_command
        try:
            if command == "import":
                await _import(session, out, err, path=args.file, settings=settings, now=now)
            elif command == "list":
                await _list(session, out, campaign_key=args.campaign, now=now, tz=settings.tz)
            elif command == "show":
                await _show(session, out, _drive_day_id(args.id))
            elif command == "add":
                await _add(session, out, err, args, settings=settings, now=now)
            elif command == "edit":
                await _edit(session, out, args, tz=settings.tz, now=now)
            elif command == "cancel":
                await _cancel(session, out, args, tz=settings.tz, now=now)
            else:  # pragma: no cover - argparse only lets the commands above through
                raise UsageError(f"unknown command {command!r}")
        except drive_days.DriveError as exc:  # a change the drive rules refuse, named like a wrong value
            raise UsageError(str(exc)) from None
