"""`donorbot target set|show|import` and `donorbot quota set|list|remove`: what a year or a campaign is
judged against — units, repeat share, 350 ml share, reserve pool, emergency-ready donors, named-campaign
tags — and the units asked of each ward and organisation, with their headcounts.

One donation is one unit ("đơn vị máu"). Each command is one unit of work audited as `cli:<os user>`
(`bot.cli.harness`); a mistake is one line naming the option, exit code 2. Ward names must be one of
config.toml `[area] wards`, typed with or without diacritics. The same values come from plan files:
`[campaign]` and `[[quotas]]` in a campaign plan (`donorbot drive import`), `[year]` and `[[quotas]]` in a
year plan (`donorbot target import`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import values
from bot.cli.harness import UsageError, cli_actor, run_command, unit_of_work
from core.config import Settings
from domain import limits, plan_file
from domain.figures import TAG_NAMES, Targets, parse_tags
from domain.plan_file import MAX_HEADCOUNT, MAX_UNITS, QuotaEntry, TargetValues
from models import drive_days, plan_import, quotas
from models.tables import Campaign


def _owner_options(parser: argparse.ArgumentParser) -> None:
    owner = parser.add_mutually_exclusive_group(required=True)
    owner.add_argument("--year", metavar="YYYY", help="a year's targets (whatever campaigns it has)")
    owner.add_argument("--campaign", metavar="KEY", help="a campaign's (its key in the plan file)")


def add_parser(subparsers: Any) -> None:
    target = subparsers.add_parser("target", help="targets of a year or a campaign, and campaign tags")
    actions = target.add_subparsers(dest="target_action", required=True)
    put = actions.add_parser("set", help="set some targets (the others stay as they are)")
    _owner_options(put)
    put.add_argument("--units", metavar="N", help="units of blood to collect (one donation = one unit)")
    put.add_argument("--repeat-share", metavar="SHARE", help="share of repeat donors: 0.6 or 60%%")
    put.add_argument("--share-350", metavar="SHARE", help="share of units of 350 ml or more: 0.3 or 30%%")
    put.add_argument("--reserve", metavar="N", help="reserve donors to enrol")
    put.add_argument("--emergency-ready", metavar="N", help="reserve donors ready to give on any day")
    put.add_argument(
        "--tags",
        metavar="TAG,TAG",
        help="a campaign's national campaigns (replacing its tags; empty: none): "
        + ", ".join(f"{tag.value} ({name})" for tag, name in TAG_NAMES.items()),
    )
    show = actions.add_parser("show", help="targets, tags and quotas")
    _owner_options(show)
    imp = actions.add_parser("import", help="a year plan file: [year] targets and [[quotas]]")
    imp.add_argument("file", type=Path, metavar="FILE")

    quota = subparsers.add_parser("quota", help="units asked of a ward or an organisation")
    qactions = quota.add_subparsers(dest="quota_action", required=True)
    qset = qactions.add_parser("set", help="create or change a quota")
    _owner_options(qset)
    _place_options(qset)
    qset.add_argument("--units", metavar="N", help="units asked of it")
    qset.add_argument("--headcount", metavar="N", help="its staff or members, for the share who donated")
    qlist = qactions.add_parser("list", help="the quotas of a year or a campaign")
    _owner_options(qlist)
    qremove = qactions.add_parser("remove", help="remove a quota")
    _owner_options(qremove)
    _place_options(qremove)


def _place_options(parser: argparse.ArgumentParser) -> None:
    place = parser.add_mutually_exclusive_group(required=True)
    place.add_argument("--ward", help="a ward of config.toml [area] wards (diacritics optional)")
    place.add_argument("--organisation", help="a school, company, agency or association")


# --------------------------------------------------------------------------------------------- values


def _share(option: str, text: str | None) -> float | None:
    """A share typed as 0.6, 0,6, 60% or 60 %; a UsageError names anything else."""
    if text is None:
        return None
    cleaned = text.strip().replace(",", ".").replace(" ", "")
    percent = cleaned.endswith("%")
    try:
        value = float(cleaned.removesuffix("%"))
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a share; write 0.6 or 60%") from None
    if percent:
        value /= 100
    if not 0 <= value <= 1:
        raise UsageError(f"{option}: {text!r} must be between 0 and 1 (0.6), or a percentage (60%)")
    return value


def _count(option: str, text: str | None, *, minimum: int, maximum: int) -> int | None:
    return None if text is None else values.whole_number(option, text, minimum=minimum, maximum=maximum)


def _year(text: str) -> int:
    return values.whole_number("--year", text, minimum=2000, maximum=2100)


def _place(args: argparse.Namespace, settings: Settings) -> tuple[str, str]:
    """(kind, name): a ward as config.toml spells it, or an organisation on one line."""
    if args.ward is not None:
        return "ward", values.known_wards([args.ward], settings)[0]
    name = values.one_line(args.organisation)
    if not name:
        raise UsageError("--organisation: must not be empty")
    if len(name) > limits.ORGANISATION:
        raise UsageError(f"--organisation: is too long (at most {limits.ORGANISATION} characters)")
    return "organisation", name


async def _campaign(session: AsyncSession, key: str) -> Campaign:
    campaign = await drive_days.campaign_by_key(session, key.strip())
    if campaign is None:
        raise UsageError(f"--campaign: no campaign {key!r} (see `donorbot drive list`)")
    return campaign


# --------------------------------------------------------------------------------------------- output


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:g} %"


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _targets_text(targets: Targets) -> str:
    return (
        f"  units {_number(targets.units)}; repeat donors {_percent(targets.repeat_share)}; "
        f"350 ml+ {_percent(targets.share_350)}; reserve {_number(targets.reserve_donors)}; "
        f"emergency-ready {_number(targets.emergency_ready)}\n"
    )


def _quota_line(quota: Any) -> str:
    headcount = "" if quota.headcount is None else f", headcount {quota.headcount:,}"
    return f"  {quota.kind:<12} {quota.name}: units {_number(quota.units)}{headcount}\n"


# ------------------------------------------------------------------------------------------- commands


async def run(
    args: argparse.Namespace, settings: Settings, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Runs one `target` or `quota` command in one unit of work; 0, or 2 with a message on a mistake."""
    err = err or sys.stderr
    work = _target(args, settings, out or sys.stdout) if args.command == "target" else None
    if work is None:
        work = _quota(args, settings, out or sys.stdout)
    return await run_command(args.command, work, err=err)


async def _target(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    now = datetime.now(UTC)
    if args.target_action == "import":
        try:
            plan = plan_file.load_year_plan(args.file, wards=settings.area.wards)
        except plan_file.PlanError as exc:
            raise UsageError(f"{args.file}: {exc}") from None
        async with unit_of_work(settings) as session:
            count = await plan_import.import_year_plan(session, plan, actor=cli_actor(), now=now)
        out.write(
            f"Imported the {plan.year} plan: {count} changed ({len(plan.quotas)} quotas in the file).\n"
        )
        return
    year = None if args.year is None else _year(args.year)
    if args.target_action == "set":
        wanted = TargetValues(
            units=_count("--units", args.units, minimum=1, maximum=MAX_UNITS),
            repeat_share=_share("--repeat-share", args.repeat_share),
            share_350=_share("--share-350", args.share_350),
            reserve_donors=_count("--reserve", args.reserve, minimum=0, maximum=MAX_HEADCOUNT),
            emergency_ready=_count(
                "--emergency-ready", args.emergency_ready, minimum=0, maximum=MAX_HEADCOUNT
            ),
        )
        try:
            tags = None if args.tags is None else parse_tags(t for t in args.tags.split(",") if t.strip())
        except ValueError as exc:
            raise UsageError(f"--tags: {exc}") from None
        if tags is not None and year is not None:
            raise UsageError("--tags: tags belong to a campaign (use --campaign KEY)")
        if wanted == TargetValues() and tags is None:
            raise UsageError("nothing to set: give --units, --repeat-share, --share-350, --reserve, "
                             "--emergency-ready or --tags")  # fmt: skip
    async with unit_of_work(settings) as session:
        campaign = None if args.campaign is None else await _campaign(session, args.campaign)
        name = f"campaign {campaign.key}" if campaign is not None else f"year {year}"
        if args.target_action == "set":
            changed = await quotas.set_targets(
                session,
                values=wanted,
                replace=False,
                actor=cli_actor(),
                now=now,
                year=year,
                campaign=campaign,
            )
            if (
                campaign is not None
                and tags is not None
                and await quotas.set_tags(session, campaign, tags, actor=cli_actor(), now=now)
            ):
                changed.append("tags")
            out.write(
                f"Targets of {name}: " + (f"changed {', '.join(changed)}.\n" if changed else "unchanged.\n")
            )
        if campaign is not None:
            targets = await quotas.campaign_targets(session, [campaign.id])
            tag_names = (await quotas.tags_of(session, [campaign.id])).get(campaign.id, ())
            plans = await quotas.quotas(session, campaign_ids=[campaign.id])
        else:
            assert year is not None
            targets, tag_names, plans = (
                await quotas.year_targets(session, year),
                (),
                await quotas.quotas(session, year=year),
            )
    out.write(f"{name.capitalize()}:\n" + _targets_text(targets))
    if tag_names:
        out.write("  tags: " + ", ".join(f"{t.value} ({TAG_NAMES[t]})" for t in tag_names) + "\n")
    if args.target_action == "show":
        out.write("".join(_quota_line(q) for q in plans) or "  no quotas\n")


async def _quota(args: argparse.Namespace, settings: Settings, out: TextIO) -> None:
    now = datetime.now(UTC)
    year = None if args.year is None else _year(args.year)
    if args.quota_action == "set":
        kind, name = _place(args, settings)
        units = _count("--units", args.units, minimum=0, maximum=MAX_UNITS)
        headcount = _count("--headcount", args.headcount, minimum=1, maximum=MAX_HEADCOUNT)
        if units is None and headcount is None:
            raise UsageError("nothing to set: give --units, --headcount or both")
    elif args.quota_action == "remove":
        kind, name = _place(args, settings)
    async with unit_of_work(settings) as session:
        campaign = None if args.campaign is None else await _campaign(session, args.campaign)
        owner: dict[str, Any] = {"campaign_id": campaign.id} if campaign is not None else {"year": year}
        label = f"campaign {campaign.key}" if campaign is not None else f"year {year}"
        if args.quota_action == "set":
            entry = QuotaEntry(kind, name, units=units, headcount=headcount)
            done = await quotas.set_quota(
                session, entry, actor=cli_actor(), now=now, keep_unset=True, **owner
            )
            out.write(f"Quota of {name} for {label}: {'set' if done else 'unchanged'}.\n")
        elif args.quota_action == "remove":
            if not await quotas.remove_quota(
                session, kind=kind, name=name, actor=cli_actor(), now=now, **owner
            ):
                raise UsageError(f"{name} has no quota for {label}", named=False)
            out.write(f"Quota of {name} for {label}: removed.\n")
        plans = (
            await quotas.quotas(session, campaign_ids=[campaign.id])
            if campaign is not None
            else await quotas.quotas(session, year=year)
        )
    if args.quota_action == "list":
        out.write(f"Quotas of {label}:\n" + ("".join(_quota_line(q) for q in plans) or "  none\n"))
