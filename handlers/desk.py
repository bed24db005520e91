"""The check-in desk beyond a code: find a donor, serve a walk-in, record the lab's blood group.

Organisers only: every command, button and dialogue turn checks the role again.

* `/timnguoi <phone | name | code>` (/find) lists at most `models.desk.SEARCH_LIMIT` donors within the
  organiser's scope — name, masked phone (09•••••678), ward, today's booking with its code and whether
  they are checked in, or a warning when their booking is for another day — with one button each: the
  desk screen of today's booking (checked in by the press), or "check in as a walk-in" on today's
  session. Nothing found: a button to register a walk-in.
* `/vanglai` (/walkin), or that button: the walk-in dialogue — today's session, name, phone, birth date,
  sex, blood group, weight (optional), and the explicit "signed the paper consent form". Only that yes
  writes anything: the donor (`consent_source="desk_paper"`, who took it, today), a sign-up with a code,
  checked in, then the desk screen, so the walk-in is served in the same flow. A phone that belongs to a
  donor ends the dialogue with that donor's card (no duplicate). The walk-in gets no chat message.
* The desk screen's "🧪 blood group from the lab" (also offered with the first donation's result)
  stores the lab's group as confirmed; a different self-reported one is said (old → new).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from core import buttons
from core.buttons import BLOOD_GROUPS
from core.config import RegistrationSettings
from core.i18n import Translator
from domain.blood import BloodGroup
from domain.calendar import age_on
from domain.choices import match_option, parse_yes_no
from domain.figures import Scope
from domain.ids import parse_id
from domain.phone import display_phone
from domain.roles import Capability
from handlers import checkin
from handlers.context import Context
from handlers.fields import FIELDS, read_date_of_birth, tell_converted
from handlers.flow import END, Dialogue, Edge, Parsed, Step, organiser_only, save_as
from handlers.messages import Choice, InputKind
from models import audit, desk, donors, organisers
from models.checkin import CheckInRefusal
from models.checkin import check_in as check_in_signup
from models.tables import Donor, DriveDay, Signup
from services.checkin import RESULTS, desk_signup, record_lab_group, register_walk_in

WALK_IN: Final = "desk_walk_in"


def masked_phone(e164: str) -> str:
    """The phone as the desk shows it in a list: the first two and last three digits, "09•••••678"."""
    digits = "".join(ch for ch in display_phone(e164) if ch.isdigit())
    prefix = "+" if not display_phone(e164).startswith("0") else ""
    if len(digits) < 7:
        return prefix + "•" * max(len(digits) - 2, 0) + digits[-2:]
    return prefix + digits[:2] + "•" * (len(digits) - 5) + digits[-3:]


async def _scope(ctx: Context) -> Scope | None:
    return await organisers.scope_of(
        ctx.session, platform=ctx.incoming.platform, user_id=ctx.incoming.user_id
    )


# --- /timnguoi ---------------------------------------------------------------------------------------


def status_text(t: Translator, status: str) -> str:
    """A sign-up's state as the desk names it (not checked in, checked in, donated, deferred)."""
    return t(f"desk_status_{status}") if status in (*RESULTS, "active", "checked_in") else status


def _status(ctx: Context, status: str) -> str:
    return status_text(ctx.t, status)


def _card(ctx: Context, n: int, found: desk.Found) -> str:
    ward = found.ward or ctx.t("desk_no_ward")
    lines = [f"{n}. {found.name} · {masked_phone(found.phone)} · {ward}"]
    if (b := found.today) is not None:
        lines.append(
            ctx.t(
                "desk_found_today",
                start=b.slot.strftime("%H:%M"),
                place=b.place,
                code=b.code or "?",
                status=_status(ctx, b.status),
            )
        )
    elif (b := found.other) is not None:
        lines.append(ctx.t("desk_found_other_day", day=ctx.t.day(b.day), place=b.place, code=b.code or "?"))
    else:
        lines.append(ctx.t("desk_found_no_booking"))
    return "\n   ".join(lines)


def _card_button(ctx: Context, n: int, found: desk.Found, has_session: bool) -> Choice | None:
    if found.today is not None:
        return ctx.choice("desk_button_open", buttons.DeskOpen(found.today.signup_id), n=n, name=found.name)
    if has_session:
        return ctx.choice("desk_button_walk_in", buttons.DeskWalkIn(found.donor_id), n=n, name=found.name)
    return None


async def show_found(ctx: Context, result: desk.SearchResult, *, heading: str | None = None) -> None:
    """The search's answer: one card per donor, one button each, and whether more matched."""
    has_session = bool(await _walk_in_sessions(ctx))
    cards = [_card(ctx, n, found) for n, found in enumerate(result.found, 1)]
    text = "\n\n".join([heading or ctx.t("desk_found_heading", count=len(result.found)), *cards])
    if result.more:
        text += "\n\n" + ctx.t("desk_found_more", limit=len(result.found))
    if not has_session and any(f.today is None for f in result.found):
        text += "\n\n" + ctx.t("desk_no_session_today")
    rows = [
        [choice]
        for n, found in enumerate(result.found, 1)
        if (choice := _card_button(ctx, n, found, has_session)) is not None
    ]
    ctx.say_text(text, choices=rows)


async def find(ctx: Context, args: str) -> None:
    """/timnguoi <phone | name | code>: the matching donors within the organiser's scope."""
    if not await organiser_only(ctx):
        return
    scope = await _scope(ctx)
    if scope is None:  # the role went between the check and now
        ctx.say("organiser_only")
        return
    query = " ".join(args.split())
    if not query:
        ctx.say("desk_find_usage")
        return
    result = await desk.search(ctx.session, query, scope=scope, today=ctx.today())
    await audit.record(
        ctx.session,
        actor=ctx.actor,
        action="desk.search",
        details={"by": result.kind, "found": len(result.found)},
        now=ctx.now(),
    )
    if result.kind == "none":
        ctx.say("desk_find_usage")
    elif not result.found:
        ctx.say(
            "desk_found_none",
            query=query,
            choices=[[ctx.choice("desk_button_new_walk_in", buttons.DeskNewWalkIn())]],
        )
    else:
        await show_found(ctx, result)


# --- the desk's buttons --------------------------------------------------------------------------------

DeskButton = (
    buttons.DeskOpen
    | buttons.DeskWalkIn
    | buttons.DeskWalkInAt
    | buttons.DeskNewWalkIn
    | buttons.DeskBlood
    | buttons.DeskLabGroup
)
DESK_BUTTONS: Final = (
    buttons.DeskOpen,
    buttons.DeskWalkIn,
    buttons.DeskWalkInAt,
    buttons.DeskNewWalkIn,
    buttons.DeskBlood,
    buttons.DeskLabGroup,
)


async def on_button(ctx: Context, payload: str) -> None:
    """Every `dsk:` button (organisers only, checked first on each press)."""
    if not await organiser_only(ctx, Capability.CHECKIN):
        return
    pressed: DeskButton | None = None
    for kind in DESK_BUTTONS:
        if (pressed := kind.parse_payload(payload)) is not None:
            break
    if pressed is None:
        ctx.say("error_button_expired")
        return
    if ctx.state.flow in (checkin.WEIGHT, WALK_IN):
        ctx.state.clear()  # another screen's button: the question asked before is not awaited any more
    if isinstance(pressed, buttons.DeskOpen):
        await _open(ctx, pressed.signup_id)
    elif isinstance(pressed, buttons.DeskWalkIn):
        await _walk_in_known(ctx, pressed.donor_id, None)
    elif isinstance(pressed, buttons.DeskWalkInAt):
        await _walk_in_known(ctx, pressed.donor_id, pressed.drive_id)
    elif isinstance(pressed, buttons.DeskNewWalkIn):
        await start_walk_in(ctx, "")
    elif isinstance(pressed, buttons.DeskBlood):
        await _ask_lab_group(ctx, pressed.signup_id)
    else:
        await _lab_group(ctx, pressed.signup_id, pressed.group)


async def _open(ctx: Context, signup_id: int) -> None:
    """A search result's booking: checked in (on its day) and its desk screen, in one press (only for
    a donor the organiser's search may show)."""
    booked = await ctx.session.get(Signup, signup_id)
    donor = await ctx.session.get(Donor, booked.donor_id) if booked and booked.donor_id else None
    if donor is None or not await _in_scope(ctx, donor):
        ctx.say("error_button_expired")
        return
    result = await check_in_signup(
        ctx.session, signup_id=signup_id, actor=ctx.actor, now=ctx.now(), today=ctx.today()
    )
    if isinstance(result, Signup):
        await checkin.show_desk(ctx, result)
    elif result is CheckInRefusal.OTHER_DAY:
        signup = await ctx.session.get(Signup, signup_id)
        assert signup is not None
        await checkin.ask_other_day(ctx, signup)
    else:
        ctx.say("error_button_expired")


async def _in_scope(ctx: Context, donor: Donor) -> bool:
    scope = await _scope(ctx)
    return scope is not None and scope.covers(ward=donor.ward, organisation=donor.organisation)


def _session_label(ctx: Context, drive: DriveDay) -> str:
    return ctx.t(
        "desk_session_label",
        start=drive.start_time.strftime("%H:%M"),
        end=drive.end_time.strftime("%H:%M"),
        place=drive.place_name,
    )


async def _walk_in_known(ctx: Context, donor_id: int, drive_id: int | None) -> None:
    """A registered donor without a booking today: a sign-up on today's session, checked in, the screen."""
    donor = await ctx.session.get(Donor, donor_id)
    if donor is None or not await _in_scope(ctx, donor):
        ctx.say("error_button_expired")
        return
    sessions = await _walk_in_sessions(ctx)
    if not sessions:
        ctx.say("desk_no_session_today")
        return
    if drive_id is not None and drive_id not in {drive.id for drive in sessions}:
        ctx.say("error_button_expired")
        return
    if drive_id is None and len(sessions) > 1:
        rows = [
            [Choice(_session_label(ctx, drive), buttons.DeskWalkInAt(donor.id, drive.id).pack())]
            for drive in sessions
        ]
        ctx.say("desk_walk_in_which_session", name=donor.full_name, choices=rows)
        return
    chosen = drive_id if drive_id is not None else sessions[0].id
    signup = await desk.walk_in_signup(
        ctx.session,
        drive_day_id=chosen,
        donor_id=donor.id,
        today=ctx.today(),
        now=ctx.now(),
        tz=ctx.settings.tz,
        actor=ctx.actor,
    )
    if signup is None:
        ctx.say("error_button_expired")
        return
    await checkin.show_desk(ctx, signup)


# --- the lab's blood group ---------------------------------------------------------------------------


async def _desk_donor(ctx: Context, signup_id: int) -> tuple[Signup, Donor] | None:
    return await desk_signup(ctx.session, signup_id)


async def _ask_lab_group(ctx: Context, signup_id: int) -> None:
    found = await _desk_donor(ctx, signup_id)
    if found is None:
        ctx.say("error_button_expired")
        return
    signup, donor = found
    rows = [
        [
            Choice(BloodGroup.from_code(code).label, buttons.DeskLabGroup(signup.id, code).pack())
            for code in BLOOD_GROUPS[i : i + 2]
        ]
        for i in range(0, len(BLOOD_GROUPS), 2)
    ]
    ctx.say("desk_lab_ask", name=donor.full_name, group=checkin.blood_text(ctx.t, donor), choices=rows)


async def _lab_group(ctx: Context, signup_id: int, code: str) -> None:
    found = await _desk_donor(ctx, signup_id)
    if found is None:
        ctx.say("error_button_expired")
        return
    signup, donor = found
    group = BloodGroup.from_code(code)
    was_confirmed = donor.blood_confirmed_on is not None
    before = await record_lab_group(
        ctx.session,
        donor=donor,
        group=group,
        signup_id=signup.id,
        actor=ctx.actor,
        today=ctx.today(),
        now=ctx.now(),
    )
    if before.code == group.code:
        ctx.say("desk_lab_same", name=donor.full_name, group=group.label)
    elif before.abo is None and before.rh is None:
        ctx.say("desk_lab_new", name=donor.full_name, group=group.label)
    else:
        key = "desk_lab_corrected" if was_confirmed else "desk_lab_differs"
        ctx.say(key, name=donor.full_name, old=before.label, new=group.label)
    await checkin.show_desk(ctx, signup)


# --- the walk-in dialogue ------------------------------------------------------------------------------


async def start_walk_in(ctx: Context, _args: str = "") -> None:
    """/vanglai (/walkin): a walk-in at the desk; with one session today it is not asked."""
    grant = await ctx.grant()
    if grant is None or not await organiser_only(ctx):
        return
    # desk staff: their drive day only; a ward's organiser: the sessions held in the ward
    sessions = await desk.sessions_for(ctx.session, ctx.today(), grant.effective_scope)
    if not sessions:
        ctx.state.clear()
        ctx.say("desk_no_session_today")
        return
    if len(sessions) == 1:
        ctx.state.go(WALK_IN, "name")
        ctx.state.data["drive_day_id"] = sessions[0].id
        ctx.say("desk_walkin_session_one", session=_session_label(ctx, sessions[0]))
        await WALK_IN_FLOW.ask(ctx)
        return
    await WALK_IN_FLOW.begin(ctx)


async def _walk_in_sessions(ctx: Context) -> list[DriveDay]:
    return await desk.sessions_for(ctx.session, ctx.today(), await _scope(ctx) or Scope.drive_day(0))


async def _ask_session(ctx: Context, _page: int = 0) -> None:
    sessions = await _walk_in_sessions(ctx)
    rows = [[Choice(_session_label(ctx, d), buttons.WalkInSession(d.id).pack())] for d in sessions]
    ctx.say("desk_walkin_ask_session", choices=rows)


async def _read_session(ctx: Context) -> Parsed:
    sessions = {d.id: d for d in await _walk_in_sessions(ctx)}
    if (pressed := ctx.pressed(buttons.WalkInSession)) is not None:
        return (
            Parsed(pressed.drive_id) if pressed.drive_id in sessions else Parsed(error="error_button_expired")
        )
    typed = ctx.typed()
    key = match_option(typed, {str(i): [d.place_name] for i, d in sessions.items()}) if typed else None
    chosen = parse_id(key) if key else None
    return Parsed(chosen) if chosen is not None else Parsed(error="desk_walkin_error_session")


def _ask_name(ctx: Context, _page: int = 0) -> None:
    ctx.say("desk_walkin_ask_name")


def _ask_phone(ctx: Context, _page: int = 0) -> None:
    ctx.say("desk_walkin_ask_phone", name=ctx.state.data.get("full_name", ""))


def _read_phone(ctx: Context) -> Parsed:
    if ctx.incoming.kind is InputKind.CONTACT:  # the organiser's own contact is not the walk-in's phone
        return Parsed(error="desk_walkin_error_contact")
    return FIELDS["phone"].parse(ctx)


async def _on_phone(ctx: Context, answer: Parsed) -> str | None:
    """A phone already registered: that donor's card instead (no duplicate); else the birth date."""
    existing = await desk.search(
        ctx.session, answer.value, scope=await _scope(ctx) or Scope.area(), today=ctx.today()
    )
    if existing.found:
        ctx.state.clear()
        await show_found(ctx, existing, heading=ctx.t("desk_walkin_phone_known"))
        return None
    if await donors.donor_by_phone(ctx.session, answer.value) is not None:
        ctx.state.clear()
        ctx.say("desk_walkin_phone_out_of_scope")
        return None
    ctx.state.data["phone"] = answer.value
    tell_converted(ctx, answer)
    return "date_of_birth"


def _ask_birth(ctx: Context, _page: int = 0) -> None:
    ctx.say("desk_walkin_ask_birth")


def _read_birth(ctx: Context) -> Parsed:
    return walk_in_birth(ctx.typed(), today=ctx.today(), rules=ctx.settings.registration, t=ctx.t)


def walk_in_birth(text: str | None, *, today: date, rules: RegistrationSettings, t: Translator) -> Parsed:
    """A walk-in's birth date as typed (`fields.read_date_of_birth`), inside the donor age range."""
    parsed = read_date_of_birth(text, today=today)
    if not parsed.ok:
        return parsed
    born = date.fromisoformat(parsed.value)
    age = age_on(born, on=today)
    if not rules.min_age <= age <= rules.max_age:
        params = {"age": age, "min_age": rules.min_age, "max_age": rules.max_age, "date": t.date(born)}
        return Parsed(error="desk_walkin_error_age", params=params)
    return parsed


def _ask_sex(ctx: Context, _page: int = 0) -> None:
    choices = [[ctx.choice(f"sex_{sex}", buttons.Sex(sex)) for sex in ("male", "female")]]
    ctx.say("desk_walkin_ask_sex", choices=choices)


def _ask_blood(ctx: Context, _page: int = 0) -> None:
    rows: list[list[Choice]] = [
        [
            Choice(BloodGroup.from_code(code).label, buttons.Blood(code).pack())
            for code in BLOOD_GROUPS[i : i + 2]
        ]
        for i in range(0, len(BLOOD_GROUPS), 2)
    ]
    rows.append([ctx.choice("blood_unknown", buttons.Blood("unknown"))])
    ctx.say("desk_walkin_ask_blood", choices=rows)


def _ask_weight(ctx: Context, _page: int = 0) -> None:
    ctx.say("desk_walkin_ask_weight", choices=[[ctx.choice("button_skip", buttons.WeightSkip())]])


def _summary(ctx: Context) -> str:
    data = ctx.state.data
    shown = ("full_name", "phone", "date_of_birth", "sex", "blood_group", "weight")
    return "\n".join(
        f"• {ctx.t(FIELDS[name].label_key)}: {FIELDS[name].show(ctx, data.get(name))}" for name in shown
    )


def _ask_consent(ctx: Context, _page: int = 0) -> None:
    choices = [
        [
            ctx.choice("desk_walkin_button_signed", buttons.WalkInConsent("yes")),
            ctx.choice("desk_walkin_button_not_signed", buttons.WalkInConsent("no")),
        ]
    ]
    ctx.say("desk_walkin_ask_consent", lines=_summary(ctx), choices=choices)


def _read_consent(ctx: Context) -> Parsed:
    if (pressed := ctx.pressed(buttons.WalkInConsent)) is not None:
        return Parsed(pressed.answer == "yes")
    typed = ctx.typed()
    answer = parse_yes_no(typed) if typed else None
    return Parsed(answer) if answer is not None else Parsed(error="desk_walkin_error_consent")


async def _on_consent(ctx: Context, answer: Parsed) -> None:
    """Signed: the donor, the sign-up checked in, the desk screen. Not signed: nothing is stored."""
    data = dict(ctx.state.data)
    ctx.state.clear()
    if not answer.value:
        ctx.say("desk_walkin_not_signed")
        return
    blood = BloodGroup.from_code(data["blood_group"])
    new = desk.PaperDonor(
        full_name=data["full_name"],
        phone=data["phone"],
        date_of_birth=date.fromisoformat(data["date_of_birth"]),
        sex=data["sex"],
        blood_abo=blood.abo.value if blood.abo else None,
        blood_rh=blood.rh.value if blood.rh else None,
        weight_kg=data.get("weight"),
        language=ctx.settings.bot.default_language,
    )
    try:
        made = await register_walk_in(
            ctx.session,
            new,
            drive_day_id=int(data["drive_day_id"]),
            actor=ctx.actor,
            today=ctx.today(),
            now=ctx.now(),
            tz=ctx.settings.tz,
        )
    except desk.PhoneTaken:  # registered from elsewhere while the dialogue went on
        ctx.say("desk_walkin_phone_known_now")
        return
    if made is None:
        ctx.say("desk_walkin_session_gone")
        return
    donor, signup = made
    ctx.say("desk_walkin_done", name=donor.full_name, code=signup.code)
    await checkin.show_desk(ctx, signup)


WALK_IN_FLOW = Dialogue(
    name=WALK_IN,
    steps=(
        Step(
            "session",
            _ask_session,
            _read_session,
            save_as("drive_day_id", "name"),
            edges=(Edge("name"),),
            buttons=(buttons.WalkInSession,),
        ),
        Step(
            "name",
            _ask_name,
            FIELDS["full_name"].parse,
            save_as("full_name", "phone"),
            edges=(Edge("phone"),),
        ),
        Step(
            "phone",
            _ask_phone,
            _read_phone,
            _on_phone,
            edges=(
                Edge("date_of_birth", "a new phone"),
                Edge(END, "a registered phone: that donor's card, nothing stored"),
            ),
        ),
        Step("date_of_birth", _ask_birth, _read_birth, save_as("date_of_birth", "sex"), edges=(Edge("sex"),)),
        Step(
            "sex",
            _ask_sex,
            FIELDS["sex"].parse,
            save_as("sex", "blood_group"),
            edges=(Edge("blood_group"),),
            buttons=(buttons.Sex,),
        ),
        Step(
            "blood_group",
            _ask_blood,
            FIELDS["blood_group"].parse,
            save_as("blood_group", "weight"),
            edges=(Edge("weight"),),
            buttons=(buttons.Blood,),
        ),
        Step(
            "weight",
            _ask_weight,
            FIELDS["weight"].parse,
            save_as("weight", "consent"),
            edges=(Edge("consent"),),
            buttons=(buttons.WeightSkip,),
        ),
        Step(
            "consent",
            _ask_consent,
            _read_consent,
            _on_consent,
            buttons=(buttons.WalkInConsent,),
            edges=(
                Edge(END, "signed: donor (desk_paper) + sign-up checked in, the desk screen"),
                Edge(END, "not signed: nothing stored"),
            ),
        ),
    ),
    restart="vanglai",
    organisers=True,
    entries=(
        Edge("session", "/vanglai, or «register a walk-in» under /timnguoi (several sessions today)"),
        Edge("name", "the same, one session today"),
    ),
    notes=("/huy at any step: nothing stored.", "Bad input: said, the same question again."),
)
"""A walk-in registered at the desk on a paper consent form, then checked in and served."""
