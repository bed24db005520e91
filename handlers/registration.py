"""Registration: consent → name, birth date, sex, phone, blood group, ward, donation history → summary
→ Confirm, in at most 10 turns from /start (tests/e2e/test_flow.py counts them).

The language question is asked only when the platform does not say vi or en; otherwise the consent
message carries one button for the other language. Weight and organisation are offered in /hoso, and
the reserve question comes right after Confirm, so a first-time donor answers only what matters.

Nothing is written to the donor tables before Confirm; the answers so far live in the conversation
state for at most `bot.conversation_ttl_hours` (the consent text says so), and /huy, Decline or a
confirmed out-of-range birth date delete them. A phone number that is already registered links this
chat to that donor when the birth date given earlier matches; otherwise the dialogue goes on as for a
new number, and only Confirm says the number cannot be used (handlers/linking).
See docs/registration.mmd for the diagram.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from domain.blood import BloodGroup
from domain.calendar import age_on
from domain.choices import match_option
from domain.ids import parse_id
from handlers import linking, profile
from handlers.context import Context
from handlers.fields import FIELDS, Parsed, age_problem, ask_again, tell_converted
from handlers.messages import InputKind
from models import conversations, donors
from models.tables import Donor

NAME = "registration"


class Step(StrEnum):
    LANGUAGE = "language"  # only when the platform gives no vi/en hint
    CONSENT = "consent"
    FULL_NAME = "full_name"
    DATE_OF_BIRTH = "date_of_birth"
    CONFIRM_AGE = "confirm_age"  # "is this right?" once, when the birth date is outside 18–60
    SEX = "sex"
    PHONE = "phone"
    LINK_CHECK = "link_check"  # no longer asked; dialogues saved there go on at BLOOD_GROUP
    BLOOD_GROUP = "blood_group"
    WARD = "ward"
    DONATED_BEFORE = "donated_before"
    LAST_DONATION = "last_donation"
    SUMMARY = "summary"
    EDIT = "edit"
    # No longer asked during registration (offered in /hoso, or after Confirm): dialogues an older
    # version saved at one of them take that answer and go on with the new order.
    WEIGHT = "weight"
    ORGANISATION = "organisation"
    ORGANISATION_TYPE = "organisation_type"
    RESERVE = "reserve"


# The order of the questions: each step's successor.
NEXT: dict[Step, Step] = {
    Step.LANGUAGE: Step.CONSENT,
    Step.CONSENT: Step.FULL_NAME,
    Step.FULL_NAME: Step.DATE_OF_BIRTH,
    Step.DATE_OF_BIRTH: Step.SEX,
    Step.SEX: Step.PHONE,
    Step.PHONE: Step.BLOOD_GROUP,
    Step.BLOOD_GROUP: Step.WARD,
    Step.WARD: Step.DONATED_BEFORE,
    Step.DONATED_BEFORE: Step.LAST_DONATION,  # "Never" skips it
    Step.LAST_DONATION: Step.SUMMARY,
}
LEGACY_NEXT: dict[Step, Step] = {
    Step.WEIGHT: Step.WARD,
    Step.ORGANISATION: Step.DONATED_BEFORE,
    Step.ORGANISATION_TYPE: Step.DONATED_BEFORE,
    Step.RESERVE: Step.SUMMARY,
}
FIELD_STEPS = [step for step in NEXT if step.value in FIELDS]

_DONATED_WORDS = {
    "never": ["chưa", "chưa từng", "chưa bao giờ", "chưa hiến", "chưa từng hiến", "không", "never", "no"],
    "yes": ["rồi", "có", "đã từng", "đã hiến", "từng hiến rồi", "yes", "i have"],
}
_LANGUAGE_WORDS = {
    "vi": ["tieng viet", "viet", "vietnamese", "vi", "vn"],
    "en": ["english", "tieng anh", "anh", "en"],
}


async def start(ctx: Context, args: str) -> None:
    """/start and /dangky: welcomes back a registered donor, otherwise asks for consent.

    The consent comes first in the platform's language (vi or en) with a button for the other one;
    only without such a hint is the language asked first. A deep link's argument is kept: `drive_<id>`
    shows that session once the person is registered (a bad id is kept as 0, so the person hears that
    the session is not available).
    """
    then = f"drive_{parse_id(args.removeprefix('drive_')) or 0}" if args.startswith("drive_") else None
    if ctx.donor is not None:
        ctx.state.clear()
        if then is None:
            ctx.say("welcome_back", name=ctx.donor.full_name)
        return
    known = ctx.catalogs.languages()
    lang = ctx.state.language or ctx.incoming.language_hint
    ctx.state.go(NAME, Step.CONSENT if lang in known else Step.LANGUAGE)
    if lang in known:
        ctx.state.language = lang
    if then is not None:
        ctx.state.data["then"] = then
    ask(ctx)


def _ttl_hours(ctx: Context) -> int:
    return ctx.settings.bot.conversation_ttl_hours


def ask(ctx: Context, page: int = 0) -> None:
    """Asks the question of the current step."""
    step = Step(ctx.state.step or Step.LANGUAGE)
    if step is Step.LANGUAGE:
        ctx.say(
            "ask_language",
            choices=[ctx.language_choices("lang")],
        )
    elif step is Step.CONSENT:
        other = [c for c in ctx.language_choices("lang") if c.value != f"lang:{ctx.lang}"]
        ctx.say(
            "ask_consent",
            hours=_ttl_hours(ctx),
            choices=[
                [
                    ctx.choice("button_agree", "consent:yes"),
                    ctx.choice("button_decline", "consent:no"),
                ],
                other,
            ],
            # the other language replaces the message instead of adding one
            edit=(ctx.picked("lang") or "") in ctx.catalogs.languages(),
        )
    elif step is Step.CONFIRM_AGE:
        born = date.fromisoformat(ctx.state.data["born_unsure"])
        ctx.say(
            "ask_confirm_age",
            date=ctx.t.date(born),
            age=age_on(born, on=ctx.today()),
            choices=[
                [
                    ctx.choice("button_age_right", "age:right"),
                    ctx.choice("button_age_retype", "age:retype"),
                ]
            ],
        )
    elif step is Step.DONATED_BEFORE:
        ctx.say(
            "ask_donated_before",
            choices=[
                [
                    ctx.choice("button_never_donated", "last_donation:never"),
                    ctx.choice("button_donated_before", "donated:yes"),
                ]
            ],
        )
    elif step is Step.LAST_DONATION and not ctx.state.data.get("editing"):
        ctx.say("ask_last_donation_date")  # they said they have donated: no "Never" button
    elif step is Step.SUMMARY:
        ask_summary(ctx)
    elif step is Step.EDIT:
        ask_edit(ctx)
    else:
        FIELDS[step.value].ask(ctx, page)


class RegistrationFlow:
    name = NAME

    async def on_input(self, ctx: Context) -> None:
        step = Step(ctx.state.step or Step.LANGUAGE)
        if step is Step.LANGUAGE:
            on_language(ctx)
        elif step is Step.CONSENT:
            on_consent(ctx)
        elif step is Step.CONFIRM_AGE:
            await on_confirm_age(ctx)
        elif step is Step.LINK_CHECK:
            await on_legacy_link_check(ctx)
        elif step is Step.DONATED_BEFORE:
            on_donated_before(ctx)
        elif step is Step.SUMMARY:
            await on_summary(ctx)
        elif step is Step.EDIT:
            on_edit(ctx)
        else:
            await on_field(ctx, step)

    async def reprompt(self, ctx: Context) -> None:
        ask(ctx)


FLOW = RegistrationFlow()


def advance(ctx: Context, step: Step) -> None:
    """Moves to the step after `step` — or back to the summary when the person was editing."""
    if ctx.state.data.get("editing") and step.value in FIELDS:
        ctx.state.data.pop("editing")
        ctx.state.step = Step.SUMMARY
    else:
        ctx.state.step = LEGACY_NEXT.get(step) or NEXT[step]
    ask(ctx)


def _chosen_language(ctx: Context) -> str | None:
    inc = ctx.incoming
    if inc.kind is InputKind.CHOICE and inc.choice in ("lang:vi", "lang:en"):
        return inc.choice[5:]
    if inc.kind is InputKind.TEXT and inc.text:
        return match_option(inc.text, _LANGUAGE_WORDS)
    return None


def on_language(ctx: Context) -> None:
    """Stores the chosen language, asks for consent."""
    lang = _chosen_language(ctx)
    if lang is None:
        ctx.say("error_button_expired" if ctx.incoming.kind is InputKind.CHOICE else "error_language")
        ask(ctx)
        return
    ctx.state.language = lang
    advance(ctx, Step.LANGUAGE)


def on_consent(ctx: Context) -> None:
    """Agree → asks for the name; Decline → forgets the chat and stores nothing; the other language's
    button shows the consent again in that language."""
    inc = ctx.incoming
    if (lang := _chosen_language(ctx)) is not None:
        ctx.state.language = lang
        ask(ctx)
        return
    answer: bool | None = None
    if inc.kind is InputKind.CHOICE and inc.choice in ("consent:yes", "consent:no"):
        answer = inc.choice == "consent:yes"
    if answer is None:
        ctx.say("error_button_expired" if inc.kind is InputKind.CHOICE else "error_consent_buttons")
        ask(ctx)
        return
    if not answer:
        ctx.say("consent_declined")
        ctx.state.clear()
        ctx.state.language = None  # nothing at all stays behind
        return
    ctx.state.data["consent"] = True
    advance(ctx, Step.CONSENT)


def _refuse_age(ctx: Context, born_iso: str) -> None:
    """Explains why this birth date is outside the donor age range and forgets every answer."""
    if (problem := age_problem(ctx, born_iso)) is not None:
        key, params = problem
        ctx.say_text(ctx.t(key, **params))
    ctx.state.clear()  # outside the donor age range: keep nothing


async def on_field(ctx: Context, step: Step) -> None:
    """Reads one profile answer; on success stores it in the dialogue and asks the next question."""
    fld = FIELDS[step.value]
    parsed = fld.parse(ctx)
    if not parsed.ok:
        ask_again(ctx, fld, parsed)
        return
    data = ctx.state.data
    if step is Step.DATE_OF_BIRTH and age_problem(ctx, parsed.value):
        if data.get("age_asked"):  # asked once already: this is what they mean
            _refuse_age(ctx, parsed.value)
            return
        data["age_asked"], data["born_unsure"] = True, parsed.value
        ctx.state.step = Step.CONFIRM_AGE  # a typo (2015 for 1995) should not end the registration
        ask(ctx)
        return
    if step is Step.DATE_OF_BIRTH:
        data.pop("age_asked", None)
        data.pop("born_unsure", None)
    if step is Step.PHONE:
        data[step.value] = parsed.value
        ctx.say("phone_received", remove_keyboard=True)  # the share button's keyboard goes away
        tell_converted(ctx, parsed)
        existing = await donors.donor_by_phone(ctx.session, parsed.value)
        birth = data.get("date_of_birth")
        if existing is not None and birth and await linking.try_link(ctx, existing, birth):
            return
        # Otherwise the dialogue goes on exactly as for a new number (no "already registered" oracle).
    data[step.value] = parsed.value
    advance(ctx, step)


async def on_confirm_age(ctx: Context) -> None:
    """ "Is this right?" for a birth date outside 18–60: Right → the kind refusal; a new date → read."""
    picked = ctx.picked("age")
    if picked == "right":
        _refuse_age(ctx, ctx.state.data["born_unsure"])
        return
    if picked == "retype":
        ctx.state.step = Step.DATE_OF_BIRTH
        ask(ctx)
        return
    if ctx.incoming.kind is InputKind.CHOICE:
        ctx.say("error_button_expired")
        ask(ctx)
        return
    ctx.state.step = Step.DATE_OF_BIRTH  # a typed date is the corrected birth date
    await on_field(ctx, Step.DATE_OF_BIRTH)


def on_donated_before(ctx: Context) -> None:
    """ "Have you donated before?": Never → the summary; Yes → asks when; a typed date answers both."""
    parsed = FIELDS["last_donation"].parse(ctx)  # the "Never" button, or a date typed straight away
    typed = ctx.typed()
    said = match_option(typed, _DONATED_WORDS) if typed and not parsed.ok else None
    if ctx.picked("donated") == "yes" or said == "yes":
        ctx.state.step = Step.LAST_DONATION
        ask(ctx)
        return
    if parsed.ok or said == "never":
        ctx.state.data["last_donation"] = parsed.value if parsed.ok else None
        advance(ctx, Step.LAST_DONATION)
        return
    # A date that is wrong in itself (in the future, impossible) is explained; anything else is not a date.
    key = parsed.error if parsed.error and parsed.error != "error_last_donation" else "error_donated_before"
    ctx.say_text(ctx.t(key, **parsed.params))
    ask(ctx)


async def on_legacy_link_check(ctx: Context) -> None:
    """A dialogue saved at the old separate birth-date check: carry on with the next question."""
    ctx.state.step = Step.BLOOD_GROUP
    ask(ctx)


def summary_lines(ctx: Context) -> str:
    data = ctx.state.data
    return "\n".join(
        f"• {ctx.t(FIELDS[s.value].label_key)}: {FIELDS[s.value].show(ctx, data.get(s.value))}"
        for s in FIELD_STEPS
    )


def ask_summary(ctx: Context) -> None:
    ctx.say(
        "ask_summary",
        lines=summary_lines(ctx),
        hours=_ttl_hours(ctx),
        choices=[
            [
                ctx.choice("button_confirm", "summary:confirm"),
                ctx.choice("button_edit", "summary:edit"),
            ]
        ],
    )


async def on_summary(ctx: Context) -> None:
    """Confirm → writes the donor; Edit → offers the fields to change."""
    inc = ctx.incoming
    if inc.kind is InputKind.CHOICE and inc.choice == "summary:edit":
        ctx.state.step = Step.EDIT
        ask(ctx)
        return
    if not (inc.kind is InputKind.CHOICE and inc.choice == "summary:confirm"):
        ctx.say("error_button_expired" if inc.kind is InputKind.CHOICE else "error_summary_buttons")
        ask(ctx)
        return
    await confirm(ctx)


async def confirm(ctx: Context) -> None:
    """Writes the donor, the chat link and a reported last donation in this turn's transaction."""
    data = ctx.state.data
    if (existing := await donors.donor_by_phone(ctx.session, data["phone"])) is not None:
        await phone_in_use(ctx, existing)
        return
    blood = BloodGroup.from_code(data["blood_group"])
    new = donors.NewDonor(
        full_name=data["full_name"],
        phone=data["phone"],
        date_of_birth=date.fromisoformat(data["date_of_birth"]),
        sex=data["sex"],
        blood_abo=blood.abo.value if blood.abo else None,
        blood_rh=blood.rh.value if blood.rh else None,
        weight_kg=data.get("weight"),
        ward=data.get("ward"),
        organisation=data.get("organisation"),
        organisation_type=data.get("organisation_type"),
        is_reserve=bool(data.get("reserve")),
        language=ctx.lang,
        last_donation_on=(date.fromisoformat(data["last_donation"]) if data.get("last_donation") else None),
    )
    inc = ctx.incoming
    try:
        async with ctx.session.begin_nested():
            await donors.register(
                ctx.session,
                new,
                platform=inc.platform,
                user_id=inc.user_id,
                chat_id=inc.chat_id,
                now=ctx.now(),
            )
    except donors.PhoneTaken:  # the same phone registered from elsewhere a moment ago
        if (existing := await donors.donor_by_phone(ctx.session, data["phone"])) is not None:
            await phone_in_use(ctx, existing)
        return
    ctx.say("registered", name=new.full_name)
    # Joining the reserve is a separate, explicit choice, asked once the profile exists.
    ctx.say(
        "ask_reserve",
        choices=[[ctx.choice("button_yes", "joinres:yes"), ctx.choice("button_no", "joinres:no")]],
    )
    then = data.get("then")
    ctx.state.clear()
    ctx.state.language = None  # from now on the donor's stored language applies
    await conversations.forget(ctx.session, platform=inc.platform, chat_id=inc.chat_id)
    if then:
        from handlers import drives  # drives imports registration: resolved at call time

        await drives.show_session(ctx, then.removeprefix("drive_"))


async def phone_in_use(ctx: Context, existing: Donor) -> None:
    """Confirm with a phone that has a profile: links when the birth date matches, else says why not.

    Only here, after a whole registration, can the dialogue show that a number is in use (as any sign-up
    must); wrong birth dates are counted and locked out like the early check at the phone step.
    """
    inc = ctx.incoming
    if not await donors.may_link(
        ctx.session, donor_id=existing.id, platform=inc.platform, user_id=inc.user_id
    ):
        ctx.state.clear()
        ctx.say("link_refused", hotline=ctx.settings.bot.hotline)
        return
    if (until := await linking.locked_until(ctx, existing.phone)) is not None:
        local = until.astimezone(ctx.settings.tz)
        ctx.say(
            "link_locked",
            time=f"{local:%H:%M}",
            date=ctx.t.date(local.date()),
            hotline=ctx.settings.bot.hotline,
        )
        ask_summary(ctx)
        return
    if await linking.try_link(ctx, existing, ctx.state.data["date_of_birth"]):
        return
    ctx.say("phone_in_use", hotline=ctx.settings.bot.hotline)
    ask_summary(ctx)


def ask_edit(ctx: Context) -> None:
    rows = [
        [ctx.choice(FIELDS[s.value].label_key, f"edit:{s.value}") for s in FIELD_STEPS[i : i + 2]]
        for i in range(0, len(FIELD_STEPS), 2)
    ]
    rows.append([ctx.choice("button_back_to_summary", "edit:summary")])
    ctx.say("ask_edit_field", choices=rows)


def on_edit(ctx: Context) -> None:
    """Goes to the chosen field's question; its answer returns to the summary."""
    inc = ctx.incoming
    picked = inc.choice[5:] if inc.kind is InputKind.CHOICE and inc.choice else ""
    if inc.choice and inc.choice.startswith("edit:") and picked == "summary":
        ctx.state.step = Step.SUMMARY
    elif inc.choice and inc.choice.startswith("edit:") and picked in FIELDS:
        ctx.state.step = picked
        ctx.state.data["editing"] = True
    else:
        ctx.say("error_button_expired")
    ask(ctx)


async def on_join_reserve(ctx: Context, payload: str) -> None:
    """The reserve question after Confirm: Yes → call-outs may ask this donor; No → nothing changes."""
    donor = ctx.donor
    if donor is None or payload not in ("yes", "no"):
        ctx.say("error_button_expired")
        return
    donor.is_reserve = payload == "yes"
    donor.updated_at = ctx.now()
    if not donor.is_reserve:
        ctx.say("reserve_not_joined")
    elif donor.weight_kg is not None:
        ctx.say("reserve_joined")
    else:  # call-outs never ask a donor of unknown weight (models/callouts.py): ask it now, in /hoso's way
        ctx.say("reserve_joined_weight")
        ctx.state.go(profile.NAME, "weight")
        FIELDS["weight"].ask(ctx, 0)


__all__ = ["FLOW", "NAME", "Parsed", "Step", "on_join_reserve", "start"]
