"""/hoso: the donor's profile with an edit button per field; an edit is saved as soon as it is valid."""

from __future__ import annotations

from datetime import date
from typing import Any

from core import buttons
from domain.blood import ABO, BloodGroup, Rh
from domain.milestones import next_milestone, reached
from handlers import linking, verdicts
from handlers.context import Context
from handlers.fields import FIELDS, age_problem, tell_converted
from handlers.flow import END, Dialogue, Edge, Parsed
from handlers.messages import Choice
from models import donors, honours
from models.tables import Donation, Donor
from services import recognition

NAME = "profile_edit"


def field_values(donor: Donor, last_donation: Donation | None) -> dict[str, Any]:
    """The donor's stored values in the same shape the dialogue fields use."""
    return {
        "full_name": donor.full_name,
        "date_of_birth": donor.date_of_birth.isoformat(),
        "sex": donor.sex,
        "phone": donor.phone,
        "blood_group": BloodGroup(
            ABO(donor.blood_abo) if donor.blood_abo else None,
            Rh(donor.blood_rh) if donor.blood_rh else None,
        ).code,
        "weight": donor.weight_kg,
        "ward": donor.ward,
        "organisation": donor.organisation,
        "organisation_type": donor.organisation_type,
        "last_donation": last_donation.donated_on.isoformat() if last_donation else None,
        "earlier_donations": donor.earlier_donations,
        "reserve": donor.is_reserve,
    }


async def show(ctx: Context, _args: str = "") -> None:
    """Shows the profile with one edit button per field."""
    donor = ctx.donor
    if donor is None:
        ctx.say("not_registered")
        return
    history = await donors.donations_of(ctx.session, donor.id)
    values = field_values(donor, history[-1] if history else None)
    lines = "\n".join(f"• {ctx.t(f.label_key)}: {f.show(ctx, values[name])}" for name, f in FIELDS.items())
    names = list(FIELDS)
    rows = [
        [
            Choice(
                ctx.t("button_edit_field", field=ctx.t(FIELDS[n].label_key)), buttons.ProfileEdit(n).pack()
            )
            for n in pair
        ]
        for pair in (names[i : i + 2] for i in range(0, len(names), 2))
    ]
    donations = "\n• ".join(await donation_lines(ctx, donor))
    if donor.eligible_from is not None:
        lines += "\n• " + ctx.t("profile_eligible_from", date=ctx.t.date(donor.eligible_from))
        rows.append([ctx.choice("button_forget_date", buttons.ForgetDate())])
    ctx.say("profile", lines=lines, donations=donations, choices=rows)


async def donation_lines(ctx: Context, donor: Donor) -> list[str]:
    """The count (earlier donations included), when the donor may give next (the one decision, as
    /kiemtra), the milestones reached and how far the next one is."""
    count = await honours.total_count(ctx.session, donor.id)
    lines = [ctx.t.plural("donations_count", count)]
    earliest = (await verdicts.decide_today(ctx)).earliest
    if earliest is not None:
        today = earliest <= ctx.today()
        lines.append(
            ctx.t("profile_next_today") if today else ctx.t("profile_next", date=ctx.t.date(earliest))
        )
    milestones = ctx.settings.recognition.milestones
    if done := reached(count, milestones):
        lines.append(ctx.t("profile_milestones", milestones=ctx.t.join([ctx.t.number(n) for n in done])))
    upcoming = next_milestone(count, milestones)
    if upcoming is not None:
        lines.append(ctx.t.plural("profile_next_milestone", upcoming - count, milestone=upcoming))
    else:
        lines.append(ctx.t("profile_all_milestones"))
    return lines


async def on_edit_button(ctx: Context, pressed: buttons.ProfileEdit) -> None:
    """An edit button under the profile: asks that field's question."""
    field_name = pressed.field
    if ctx.donor is None or field_name not in FIELDS:
        ctx.say("error_button_expired")
        return
    if field_name == "phone" and not await linking.guard(ctx, "phone"):
        return
    if field_name == "earlier_donations" and (checked := ctx.donor.earlier_checked_at) is not None:
        ctx.say("earlier_donations_checked", date=ctx.t.date(checked.astimezone(ctx.settings.tz).date()))
        return
    if field_name == "blood_group" and (confirmed := ctx.donor.blood_confirmed_on) is not None:
        ctx.say("blood_group_confirmed", date=ctx.t.date(confirmed))  # the lab's, recorded at the desk
        return
    await FLOW.begin(ctx, field_name)


async def on_answer(ctx: Context, answer: Parsed) -> None:
    """Saves a valid answer to the donor and shows the profile again."""
    donor = ctx.donor
    assert donor is not None  # the dialogue is for donors only
    name = ctx.state.step or ""
    fld = FIELDS[name]
    if name == "date_of_birth" and (problem := age_problem(ctx, answer.value)):
        key, params = problem
        ctx.say_text(ctx.t(key, **params))
        ctx.say("profile_not_changed")
        ctx.state.clear()
        return
    if name == "blood_group" and donor.blood_confirmed_on is not None:  # confirmed while it was asked
        ctx.state.clear()
        ctx.say("blood_group_confirmed", date=ctx.t.date(donor.blood_confirmed_on))
        return
    if name == "phone" and answer.value != donor.phone:
        if not await _phone_free(ctx, answer.value):
            return
        await linking.tell_phone_changed(ctx, donor)
    await apply(ctx, donor, name, answer.value)
    ctx.state.clear()
    tell_converted(ctx, answer)
    ctx.say("profile_saved", field=ctx.t(fld.label_key))
    await show(ctx)


FLOW = Dialogue(
    name=NAME,
    steps=tuple(
        f.step(on_answer, edges=(Edge(END, "a valid answer: saved, the profile again"),))
        for f in FIELDS.values()
    ),
    donors=True,
    entries=(Edge("full_name", "/hoso, the field's edit button (any field)"),),
    notes=("Bad input: an explanation with an example, same question again.",),
)
"""/hoso's edits: one step per profile field, each saved as soon as it is valid."""


async def _phone_free(ctx: Context, phone: str) -> bool:
    """False (and the person told) when another profile has `phone` or this chat asked too often.

    "Taken" tells whether a number is registered, so each such answer counts like a wrong birth date
    (per chat) and the same lock-out applies: nobody can test numbers one after another.
    """
    if (until := await linking.locked_until(ctx, None)) is not None:
        local = until.astimezone(ctx.settings.tz)
        ctx.state.clear()
        ctx.say("phone_change_locked", time=f"{local:%H:%M}", date=ctx.t.date(local.date()))
        return False
    if await donors.donor_by_phone(ctx.session, phone) is None:
        return True
    await linking.record_failure(ctx, "", about=None)
    ctx.say("error_phone_taken")
    FIELDS["phone"].ask(ctx, 0)
    return False


async def apply(ctx: Context, donor: Donor, name: str, value: Any) -> None:
    """Writes one field to the donor (a changed last donation replaces the self-reported one)."""
    if name == "blood_group":
        group = BloodGroup.from_code(value)
        donor.blood_abo = group.abo.value if group.abo else None
        donor.blood_rh = group.rh.value if group.rh else None
    elif name == "date_of_birth":
        donor.date_of_birth = date.fromisoformat(value)
    elif name == "weight":
        donor.weight_kg = value
    elif name == "reserve":
        donor.is_reserve = bool(value)
    elif name == "last_donation":  # a donation the bot did not see may reach a milestone
        before = await honours.total_count(ctx.session, donor.id)
        await donors.set_reported_last_donation(
            ctx.session, donor, date.fromisoformat(value) if value else None, now=ctx.now()
        )
        if await recognition.settle(
            ctx.session,
            settings=ctx.settings,
            catalogs=ctx.catalogs,
            donor_id=donor.id,
            before=before,
            now=ctx.now(),
        ):
            ctx.pushed = True
    else:
        setattr(donor, name, value)
    donor.updated_at = ctx.now()
