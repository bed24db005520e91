"""Registration: consent → name, birth date, sex, phone, blood group, ward, donation history → summary
(where a repeat donor may type how many times they gave before)
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

from dataclasses import replace
from datetime import date
from typing import Any

from core import buttons
from domain.blood import BloodGroup
from domain.calendar import age_on
from domain.choices import match_option
from domain.ids import parse_id
from handlers import linking, profile
from handlers.context import Context
from handlers.fields import FIELDS, age_problem, tell_converted
from handlers.flow import END, Dialogue, Edge, Parsed, Step
from handlers.messages import InputKind
from models import accounts, conversations, donors
from models.tables import Donor

NAME = "registration"

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
    ctx.state.go(NAME, "consent" if lang in known else "language")
    if lang in known:
        ctx.state.language = lang
    if then is not None:
        ctx.state.data["then"] = then
    await FLOW.ask(ctx)


def _ttl_hours(ctx: Context) -> int:
    return ctx.settings.bot.conversation_ttl_hours


def _next(ctx: Context, step: str) -> str:
    """The question after `step` — or the summary again when the person was editing one answer."""
    if ctx.state.data.get("editing") and step in FIELDS:
        ctx.state.data.pop("editing")
        return "summary"
    asked = [s.name for s in QUESTIONS]
    return asked[asked.index(step) + 1] if step in asked else _LEGACY_NEXT[step]


def _answered(ctx: Context, answer: Parsed) -> str:
    """A field's answer: kept in the dialogue until Confirm; on to the next question."""
    step = ctx.state.step or ""
    ctx.state.data[step] = answer.value
    return _next(ctx, step)


# --- language and consent ----------------------------------------------------------------------------


def _chosen_language(ctx: Context) -> str | None:
    """The language of a pressed language button, or of "English", "tiếng Việt" typed."""
    if (pressed := ctx.pressed(buttons.Language)) is not None:
        return pressed.lang
    inc = ctx.incoming
    if inc.kind is InputKind.TEXT and inc.text:
        return match_option(inc.text, _LANGUAGE_WORDS)
    return None


def ask_language(ctx: Context, _page: int) -> None:
    ctx.say("ask_language", choices=[ctx.language_choices(buttons.Language)])


def read_language(ctx: Context) -> Parsed:
    lang = _chosen_language(ctx)
    return Parsed(lang) if lang is not None else Parsed(error="error_language")


def on_language(ctx: Context, answer: Parsed) -> str:
    ctx.state.language = answer.value
    return _next(ctx, "language")


def ask_consent(ctx: Context, _page: int) -> None:
    other = [
        c for c in ctx.language_choices(buttons.Language) if c.value != buttons.Language(ctx.lang).pack()
    ]
    ctx.say(
        "ask_consent",
        hours=_ttl_hours(ctx),
        choices=[
            [
                ctx.choice("button_agree", buttons.Consent("yes")),
                ctx.choice("button_decline", buttons.Consent("no")),
            ],
            other,
        ],
        # the other language replaces the message instead of adding one
        edit=ctx.pressed(buttons.Language) is not None,
    )


def read_consent(ctx: Context) -> Parsed:
    if (lang := _chosen_language(ctx)) is not None:
        return Parsed(buttons.Language(lang))
    if (pressed := ctx.pressed(buttons.Consent)) is not None:
        return Parsed(pressed.answer == "yes")
    return Parsed(error="error_consent_buttons")


def on_consent(ctx: Context, answer: Parsed) -> str | None:
    """Agree → asks for the name; Decline → forgets the chat and stores nothing; the other language's
    button shows the consent again in that language."""
    if isinstance(answer.value, buttons.Language):
        ctx.state.language = answer.value.lang
        return "consent"
    if not answer.value:
        ctx.say("consent_declined")
        ctx.state.clear()
        ctx.state.language = None  # nothing at all stays behind
        return None
    ctx.state.data["consent"] = True
    return _next(ctx, "consent")


# --- birth date (with "is this right?" outside the age range) and phone --------------------------------


def _refuse_age(ctx: Context, born_iso: str) -> None:
    """Explains why this birth date is outside the donor age range and forgets every answer."""
    if (problem := age_problem(ctx, born_iso)) is not None:
        key, params = problem
        ctx.say_text(ctx.t(key, **params))
    ctx.state.clear()  # outside the donor age range: keep nothing


def on_birth_date(ctx: Context, answer: Parsed) -> str | None:
    data = ctx.state.data
    if age_problem(ctx, answer.value):
        if data.get("age_asked"):  # asked once already: this is what they mean
            _refuse_age(ctx, answer.value)
            return None
        data["age_asked"], data["born_unsure"] = True, answer.value
        return "confirm_age"  # a typo (2015 for 1995) should not end the registration
    data.pop("age_asked", None)
    data.pop("born_unsure", None)
    return _answered(ctx, answer)


def ask_confirm_age(ctx: Context, _page: int) -> None:
    born = date.fromisoformat(ctx.state.data["born_unsure"])
    ctx.say(
        "ask_confirm_age",
        date=ctx.t.date(born),
        age=age_on(born, on=ctx.today()),
        choices=[
            [
                ctx.choice("button_age_right", buttons.ConfirmAge("right")),
                ctx.choice("button_age_retype", buttons.ConfirmAge("retype")),
            ]
        ],
    )


def read_confirm_age(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.ConfirmAge)
    return Parsed(pressed.answer if pressed is not None else "typed")


async def on_confirm_age(ctx: Context, answer: Parsed) -> str | None:
    """ "Is this right?" for a birth date outside 18–60: Right → the kind refusal; a new date → read."""
    if answer.value == "right":
        _refuse_age(ctx, ctx.state.data["born_unsure"])
        return None
    ctx.state.step = "date_of_birth"
    if answer.value == "typed":  # a typed date is the corrected birth date
        await FLOW.on_input(ctx)
        return None
    return "date_of_birth"


async def on_phone(ctx: Context, answer: Parsed) -> str | None:
    data = ctx.state.data
    data["phone"] = answer.value
    ctx.say("phone_received", remove_keyboard=True)  # the share button's keyboard goes away
    tell_converted(ctx, answer)
    existing = await donors.donor_by_phone(ctx.session, answer.value)
    birth = data.get("date_of_birth")
    if existing is not None and birth and await linking.try_link(ctx, existing, birth):
        return None
    # Otherwise the dialogue goes on exactly as for a new number (no "already registered" oracle).
    return _answered(ctx, answer)


# --- donation history --------------------------------------------------------------------------------


def ask_donated_before(ctx: Context, _page: int) -> None:
    ctx.say(
        "ask_donated_before",
        choices=[
            [
                ctx.choice("button_never_donated", buttons.NeverDonated()),
                ctx.choice("button_donated_before", buttons.DonatedBefore()),
            ]
        ],
    )


def read_donated_before(ctx: Context) -> Parsed:
    """ "Have you donated before?": Never, Yes, or a date typed straight away (answering both)."""
    parsed = FIELDS["last_donation"].parse(ctx)  # the "Never" button, or a date typed straight away
    typed = ctx.typed()
    said = match_option(typed, _DONATED_WORDS) if typed and not parsed.ok else None
    if ctx.pressed(buttons.DonatedBefore) is not None or said == "yes":
        return Parsed("yes")
    if parsed.ok or said == "never":
        return Parsed(("on", parsed.value if parsed.ok else None))
    # A date that is wrong in itself (in the future, impossible) is explained; anything else is not a date.
    key = parsed.error if parsed.error and parsed.error != "error_last_donation" else "error_donated_before"
    return Parsed(error=key, params=parsed.params)


def on_donated_before(ctx: Context, answer: Parsed) -> str:
    if answer.value == "yes":
        return "last_donation"
    ctx.state.data["last_donation"] = answer.value[1]
    return _next(ctx, "last_donation")


def ask_last_donation(ctx: Context, page: int) -> None:
    if ctx.state.data.get("editing"):
        FIELDS["last_donation"].ask(ctx, page)
    else:
        ctx.say("ask_last_donation_date")  # they said they have donated: no "Never" button


# --- summary, Confirm, Edit --------------------------------------------------------------------------


def _earlier(data: dict[str, Any]) -> int | None:
    """Donations before the bot: as typed at the summary; 0 for someone who never donated."""
    if "earlier_donations" in data:
        value: int | None = data["earlier_donations"]
        return value
    return None if data.get("last_donation") else 0


def summary_lines(ctx: Context) -> str:
    data = {**ctx.state.data, "earlier_donations": _earlier(ctx.state.data)}
    lines = "\n".join(
        f"• {ctx.t(FIELDS[name].label_key)}: {FIELDS[name].show(ctx, data.get(name))}" for name in FIELD_STEPS
    )
    if data.get("last_donation") and "earlier_donations" not in ctx.state.data:  # not answered yet
        lines += "\n\n" + ctx.t("summary_earlier_hint")  # asked here, so that it costs no turn
    return lines


def ask_summary(ctx: Context, _page: int = 0) -> None:
    ctx.say(
        "ask_summary",
        lines=summary_lines(ctx),
        hours=_ttl_hours(ctx),
        choices=[
            [
                ctx.choice("button_confirm", buttons.Summary("confirm")),
                ctx.choice("button_edit", buttons.Summary("edit")),
            ]
        ],
    )


def read_summary(ctx: Context) -> Parsed:
    """Confirm or Edit; or, from a repeat donor, how many times they gave before ("3", "ba lần")."""
    pressed = ctx.pressed(buttons.Summary)
    if pressed is not None:
        return Parsed(pressed.action)
    if ctx.typed() and ctx.state.data.get("last_donation"):
        count = FIELDS["earlier_donations"].parse(ctx)
        return Parsed(("earlier", count.value)) if count.ok else Parsed(error="error_summary_or_count")
    return Parsed(error="error_summary_buttons")


async def on_summary(ctx: Context, answer: Parsed) -> str | None:
    """Confirm → writes the donor; Edit → offers the fields to change; a count → the summary again."""
    if isinstance(answer.value, tuple):
        ctx.state.data["earlier_donations"] = answer.value[1]
        return "summary"
    if answer.value == "edit":
        return "edit"
    await confirm(ctx)
    return None


def ask_edit(ctx: Context, _page: int = 0) -> None:
    rows = [
        [ctx.choice(FIELDS[name].label_key, buttons.EditField(name)) for name in FIELD_STEPS[i : i + 2]]
        for i in range(0, len(FIELD_STEPS), 2)
    ]
    rows.append([ctx.choice("button_back_to_summary", buttons.EditField("summary"))])
    ctx.say("ask_edit_field", choices=rows)


def read_edit(ctx: Context) -> Parsed:
    pressed = ctx.pressed(buttons.EditField)
    if pressed is not None and (pressed.field == "summary" or pressed.field in FIELDS):
        return Parsed(pressed.field)
    return Parsed(error="error_button_expired")  # typed text too: this question has only buttons


def on_edit(ctx: Context, answer: Parsed) -> str:
    """Goes to the chosen field's question; its answer returns to the summary."""
    if answer.value != "summary":
        ctx.state.data["editing"] = True
    return str(answer.value)


def _carry_on(ctx: Context, _page: int) -> None:
    """A dialogue saved at the old separate birth-date check: carry on with the next question."""
    ctx.state.step = "blood_group"
    FIELDS["blood_group"].ask(ctx, 0)


def _linked(rows: tuple[Step, ...]) -> tuple[Step, ...]:
    """The rows, each drawn with a move to the next row unless it names its own moves."""
    return tuple(
        row if row.edges or i + 1 == len(rows) else replace(row, edges=(Edge(rows[i + 1].name),))
        for i, row in enumerate(rows)
    )


QUESTIONS: tuple[Step, ...] = _linked((
    Step("language", ask_language, read_language, on_language, buttons=(buttons.Language,),
         edges=(Edge("consent", "Tiếng Việt / English"),)),
    Step("consent", ask_consent, read_consent, on_consent, buttons=(buttons.Consent, buttons.Language),
         edges=(Edge("consent", "the other language's button (the message is replaced)"),
                Edge(END, "Decline (nothing stored)"), Edge("full_name", "Agree"))),
    FIELDS["full_name"].step(_answered),
    FIELDS["date_of_birth"].step(on_birth_date, edges=(Edge("confirm_age", "outside 18–60"), Edge("sex"))),
    FIELDS["sex"].step(_answered),
    FIELDS["phone"].step(on_phone, edges=(
        Edge(END, "phone registered and birth date matches → chat linked, older chats told"),
        Edge("blood_group", "📱 contact button (one tap) or typed; any other number (the same reply whether"
             " registered or not)"))),
    FIELDS["blood_group"].step(_answered),
    FIELDS["ward"].step(_answered, edges=(Edge("ward", "‹ / › page (the question is replaced)"),
                                          Edge("donated_before"))),
    Step("donated_before", ask_donated_before, read_donated_before, on_donated_before,
         buttons=(buttons.NeverDonated, buttons.DonatedBefore),
         edges=(Edge("summary", "Never donated, or the last date typed at once"),
                Edge("last_donation", "I have donated"))),
    Step("last_donation", ask_last_donation, FIELDS["last_donation"].parse, _answered,
         buttons=(buttons.NeverDonated,), edges=(Edge("summary", 'date or "2 tháng trước"'),)),
    Step("summary", ask_summary, read_summary, on_summary, buttons=(buttons.Summary,), edges=(
        Edge("edit", "Edit"),
        Edge(END, "Confirm → donor, chat account, reported donation written;"
             ' then "join the reserve?" (Yes / No)'),
        Edge("summary", "Confirm with a registered phone and another birth date →"
             ' "cannot save, check the birth date" (counted; 3 in 24 h lock)'),
        Edge(END, "Confirm from a chat the profile removed → hotline"),
        Edge("summary", 'a repeat donor types how many times before ("3", "3 lần", "ba"): optional'))),
))  # fmt: skip
"""The registration's questions in the order they are asked: each answer leads to the next row.
A new question is one more row here (and its catalog keys; see docs/ARCHITECTURE.md, "Dialogues")."""

DETOURS: tuple[Step, ...] = (
    Step("confirm_age", ask_confirm_age, read_confirm_age, on_confirm_age, buttons=(buttons.ConfirmAge,),
         edges=(Edge("date_of_birth", '"Type it again" or a new date typed'),
                Edge(END, '"Yes, that is right", or outside 18–60 again (explained, nothing stored)'))),
    Step("edit", ask_edit, read_edit, on_edit, buttons=(buttons.EditField,),
         edges=(Edge("full_name", "any field (then back to summary)"),)),
    FIELDS["earlier_donations"].step(_answered, edges=(Edge("summary", "from Edit only"),)),
)  # fmt: skip
"""Steps off the straight line: reached from a question, and back to one."""

# Dialogues an older version saved at a step no longer asked during registration (weight, organisation
# and reserve are offered in /hoso or after Confirm) take that answer and go on in the new order.
_LEGACY_NEXT = {
    "weight": "ward",
    "organisation": "donated_before",
    "organisation_type": "donated_before",
    "reserve": "summary",
}
_ASKED = {step.name for step in QUESTIONS}
LEGACY: tuple[Step, ...] = (
    Step("link_check", _carry_on, lambda _ctx: Parsed(page=0), None, foreign=None),  # moves on at once
    *(FIELDS[name].step(_answered) for name in _LEGACY_NEXT if name not in _ASKED),
)
FIELD_STEPS = [step.name for step in QUESTIONS if step.name in FIELDS] + ["earlier_donations"]
"""The fields of the summary and its Edit buttons: the questions asked, and the donations before the
bot, which a repeat donor may type at the summary (an optional answer: no turn for those who skip it)."""

FLOW = Dialogue(
    name=NAME,
    steps=QUESTIONS + DETOURS + LEGACY,
    restart="dangky",
    entries=(
        Edge("consent", "/start, /dangky (the platform says vi or en)"),
        Edge("language", "/start, /dangky (no vi/en hint)"),
    ),
    note_on="summary",
    notes=(
        "/huy at any step: answers forgotten.",
        "Bad input at any step: an explanation with an example, same question again.",
        "Weight and organisation: in /hoso, after registering.",
    ),
)


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
        earlier_donations=_earlier(data),
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
        choices=[[ctx.choice(f"button_{a}", buttons.JoinReserve(a)) for a in ("yes", "no")]],
    )
    then = data.get("then")
    ctx.state.clear()
    ctx.state.language = None  # from now on the donor's stored language applies
    await conversations.forget(ctx.session, platform=inc.platform, chat_id=inc.chat_id)
    # The deep-linked drive day, shown by its button's handler (handlers.drives imports this module), or a
    # button another dialogue left to run after Confirm (a club's join code: "clbjoin:CLB7K2MQX").
    if then:
        ctx.then = "drive:" + then.removeprefix("drive_") if then.startswith("drive_") else then


async def phone_in_use(ctx: Context, existing: Donor) -> None:
    """Confirm with a phone that has a profile: links when the birth date matches, else says why not.

    Only here, after a whole registration, can the dialogue show that a number is in use (as any sign-up
    must); wrong birth dates are counted and locked out like the early check at the phone step.
    """
    inc = ctx.incoming
    if not await accounts.may_link(
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


async def on_join_reserve(ctx: Context, pressed: buttons.JoinReserve) -> None:
    """The reserve question after Confirm: Yes → call-outs may ask this donor; No → nothing changes."""
    donor = ctx.donor
    if donor is None:
        ctx.say("error_button_expired")
        return
    donor.is_reserve = pressed.answer == "yes"
    donor.updated_at = ctx.now()
    if not donor.is_reserve:
        ctx.say("reserve_not_joined")
    elif donor.weight_kg is not None:
        ctx.say("reserve_joined")
    else:  # call-outs never ask a donor of unknown weight (models/callouts.py): ask it now, in /hoso's way
        ctx.say("reserve_joined_weight")
        await profile.FLOW.begin(ctx, "weight")


__all__ = ["FLOW", "NAME", "QUESTIONS", "on_join_reserve", "start"]
