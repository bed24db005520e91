"""The check-in desk on a laptop (issue 17): the chat's desk (/timnguoi, /checkin CODE and its buttons,
/vanglai) as three pages, with the same rules — every one of them is a service or model call the chat
makes too (`models.desk.search|sessions_for|can_see|walk_in_signup`, `models.checkin.check_in`,
`services.checkin.record_desk_result|record_weight|record_lab_group|register_walk_in`).

* `GET /desk`: today's sessions the role serves (`models.desk.sessions_for`: a desk its own day, a ward
  its ward's) and a search box (`?q=`: a phone in any form, a name with or without diacritics, a ticket
  code) whose results are /timnguoi's cards — name, masked phone, ward, today's booking with its code and
  state, or a warning when the booking is for another day — each with one button: open that booking
  (its POST checks it in) or check in as a walk-in on today's session. Nothing found: the walk-in form.
* `GET/POST /desk/signup/{id}`: one sign-up's desk screen — who, the session's date and place, checked
  in or not — with the results in one click (the volumes the donor's weight allows, the deferrals), the
  weight measured here and the lab's blood group. A booking for another day is checked in only by an
  explicit "check in anyway". A recorded result changes only from the correction screen (`?fix=1`).
  Every POST answers 303 back to the screen, which says what was recorded (`?done=`); bad input is shown
  on the screen (400/409) with what was typed.
* `GET/POST /desk/walkin`: the walk-in form; nothing is stored unless "the paper consent form is signed"
  is ticked; a phone already registered shows that donor instead (no duplicate). `POST
  /desk/walkin/{donor_id}`: a known donor checked in on one of today's sessions.

Scope as the chat: the search within the role's scope; a sign-up's screen and actions only where the
role holds it (`Scope.holds_signup`); a session only among `sessions_for`. Out of scope: 403, audited
`organiser.refused` (`pages.audit_refusal`). Check-ins, results, weights, lab groups and walk-ins are
audited by the services as in the chat; a search `desk.search` (counts only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from bot.web.pages import Pages, Refused, Visit, may_list
from bot.web.server import WebServer
from core.buttons import BLOOD_GROUPS
from domain.blood import ABO, BloodGroup, Rh
from domain.ids import parse_id, parse_int
from domain.roles import Capability
from handlers import checkin as chat_checkin
from handlers import fields
from handlers.desk import masked_phone, status_text, walk_in_birth
from handlers.flow import Parsed
from models import audit, checkin, desk, donors, drive_days, honours
from models.checkin import CheckInRefusal
from models.tables import Donor, DriveDay, Signup
from services.checkin import (
    DEFERRALS,
    RESULTS,
    THANKS_DELAY,
    DeskResultKind,
    allowed_volumes,
    desk_signup,
    record_desk_result,
    record_lab_group,
    record_weight,
    register_walk_in,
)

MAX_QUERY: Final = 100  # a search longer than any name, phone or code is cut (nothing is stored)
DONE: Final = (
    "checked_in",
    "walk_in",
    "donated",
    "donated_no_chat",
    "deferred",
    "same",
    "weight",
    "lab_same",
    "lab_new",
    "lab_differs",
    "lab_corrected",
)
"""What a POST may say it did (`?done=`): anything else in the address is ignored."""
WALK_IN_FIELDS: Final = (
    "drive_day_id",
    "full_name",
    "phone",
    "date_of_birth",
    "sex",
    "blood_group",
    "weight",
)


def _text(form: MultiDictProxy[Any], name: str, limit: int = 200) -> str:
    value = form.get(name)
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _screen_path(signup_id: int, **query: str) -> str:
    return f"/desk/signup/{signup_id}" + (f"?{urlencode(query)}" if query else "")


def _see_other(path: str) -> web.Response:
    return web.Response(status=303, headers={"Location": path, "Cache-Control": "no-store"})


@dataclass
class Opened:
    """A sign-up the desk may work on: the sign-up, its donor and its drive day."""

    signup: Signup
    donor: Donor
    drive: DriveDay


class DeskPages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.app = pages.app

    def _today(self) -> date:
        return self.app.clock.now().astimezone(self.app.settings.tz).date()

    def _session_label(self, visit: Visit, drive: DriveDay) -> str:
        return visit.t(
            "desk_session_label",
            start=drive.start_time.strftime("%H:%M"),
            end=drive.end_time.strftime("%H:%M"),
            place=drive.place_name,
        )

    # --- GET /desk: today's sessions and the search ---------------------------------------------------

    async def home(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t, db, today = visit.t, visit.db, self._today()
        sessions = await desk.sessions_for(db, today, visit.scope)
        query = " ".join(request.query.get("q", "").split())[:MAX_QUERY]
        cards: list[dict[str, Any]] = []
        kind, more = "", False
        if query:
            result = await desk.search(db, query, scope=visit.scope, today=today)
            kind, more = result.kind, result.more
            await audit.record(
                db,
                actor=visit.opened.actor,
                action="desk.search",
                details={"by": result.kind, "found": len(result.found), "via": "web"},
                now=self.app.clock.now(),
            )
            cards = [await self._card(visit, found) for found in result.found]
        return self.pages.render(
            t,
            "desk.html",
            visit=visit,
            today=t.day(today),
            sessions=[{"id": d.id, "label": self._session_label(visit, d)} for d in sessions],
            query=query,
            kind=kind,
            cards=cards,
            more=more,
        )

    async def _card(self, visit: Visit, found: desk.Found) -> dict[str, Any]:
        """One donor as /timnguoi shows them, and the one thing the desk can do for them here."""
        t = visit.t
        card: dict[str, Any] = {
            "donor_id": found.donor_id,
            "name": found.name,
            "phone": masked_phone(found.phone),
            "ward": found.ward or t("desk_no_ward"),
            "today": None,
            "other": None,
            "open": None,
            "elsewhere": False,
        }
        if (b := found.today) is not None:
            card["today"] = t(
                "desk_found_today",
                start=b.slot.strftime("%H:%M"),
                place=b.place,
                code=b.code or "?",
                status=status_text(t, b.status),
            )
            drive = await visit.db.get(DriveDay, b.drive_day_id)
            donor = await visit.db.get(Donor, found.donor_id)
            held = (
                drive is not None
                and donor is not None
                and visit.scope.holds_signup(
                    drive_day_id=drive.id,
                    ward=drive.ward,
                    donor_ward=donor.ward,
                    donor_organisation=donor.organisation,
                )
            )
            card["open"] = b.signup_id if held else None
            card["elsewhere"] = not held
        elif (b := found.other) is not None:
            card["other"] = t("desk_found_other_day", day=t.day(b.day), place=b.place, code=b.code or "?")
            card["other_id"] = b.signup_id
        else:
            card["other"] = None
            card["none"] = t("desk_found_no_booking")
        return card

    # --- one sign-up's screen -------------------------------------------------------------------------

    async def _opened(self, request: web.Request, visit: Visit) -> Opened:
        """The sign-up the address names, if the role holds it (else 403, audited); 404 if there is none."""
        number = parse_id(request.match_info["signup_id"])
        signup = await visit.db.get(Signup, number) if number is not None else None
        if signup is None or signup.donor_id is None or signup.status == "cancelled":
            raise Refused(404, "wdesk_signup_unknown")
        donor = await visit.db.get(Donor, signup.donor_id)
        drive = await visit.db.get(DriveDay, signup.drive_day_id)
        if donor is None or drive is None:
            raise Refused(404, "wdesk_signup_unknown")
        if not visit.scope.holds_signup(
            drive_day_id=drive.id,
            ward=drive.ward,
            donor_ward=donor.ward,
            donor_organisation=donor.organisation,
        ):
            await self.pages.audit_refusal(visit, f"drive_day:{drive.id}", Capability.CHECKIN)
            raise Refused(403, "wdesk_out_of_scope", id=drive.id)
        return Opened(signup, donor, drive)

    async def screen(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        opened = await self._opened(request, visit)
        done = request.query.get("done", "")
        was = request.query.get("was", "")
        note = await self._note(visit, opened, done if done in DONE else "", was)
        return await self._render_screen(visit, opened, correcting=request.query.get("fix") == "1", note=note)

    async def _note(self, visit: Visit, opened: Opened, done: str, was: str) -> str:
        """What the last POST recorded, said as the chat says it."""
        t, donor, signup = visit.t, opened.donor, opened.signup
        group = _group_of(donor)
        old = BloodGroup.from_code(was).label if was in BLOOD_GROUPS else "?"
        if done == "checked_in":
            return t("wdesk_done_checked_in", name=donor.full_name)
        if done == "walk_in":
            return t("desk_walkin_done", name=donor.full_name, code=signup.code or "?")
        if done == "donated":
            return t("result_recorded_donated", minutes=int(THANKS_DELAY.total_seconds() // 60))
        if done == "donated_no_chat":
            return t("desk_result_recorded_no_chat")
        if done == "deferred":
            return t("result_recorded_deferred")
        if done == "same":
            return t("desk_result_same", result=chat_checkin.describe_result(t, signup))
        if done == "weight" and donor.weight_kg is not None:
            return t("desk_weight_saved", kg=chat_checkin.kg(t, donor.weight_kg), name=donor.full_name)
        if done.startswith("lab_") and group is not None:
            if done in ("lab_differs", "lab_corrected"):
                return t(f"desk_{done}", name=donor.full_name, old=old, new=group.label)
            return t(f"desk_{done}", name=donor.full_name, group=group.label)
        return ""

    async def _render_screen(
        self,
        visit: Visit,
        opened: Opened,
        *,
        correcting: bool = False,
        note: str = "",
        error: str = "",
        weight_typed: str = "",
        status: int = 200,
    ) -> web.Response:
        t, signup, donor, drive = visit.t, opened.signup, opened.donor, opened.drive
        today = self._today()
        view = await drive_days.drive_day_view(visit.db, drive.id)
        count = await honours.total_count(visit.db, donor.id)
        recorded = signup.status in RESULTS
        served = signup.status in ("checked_in", *RESULTS)
        volumes = allowed_volumes(self.app.knowledge.rules, donor)
        if donor.weight_kg is None:
            weight = t("wdesk_weight_unknown")
        else:
            weight = chat_checkin.weight_line(t, self.app.knowledge.rules, donor, volumes)
        other_day = signup.status == "active" and drive.day != today
        return self.pages.render(
            t,
            "desk_signup.html",
            status=status,
            visit=visit,
            signup_id=signup.id,
            name=donor.full_name,
            phone=masked_phone(donor.phone),
            session=t(
                "wdesk_session_line",
                day=t.day(drive.day),
                start=drive.start_time.strftime("%H:%M"),
                end=drive.end_time.strftime("%H:%M"),
                place=view.place_name if view else drive.place_name,
            ),
            booking=t(
                "wdesk_booking_line",
                slot=signup.slot_start.strftime("%H:%M"),
                code=signup.code or "?",
                count=count,
            ),
            state=t("wdesk_state_line", status=status_text(t, signup.status)),
            is_today=drive.day == today,
            active=signup.status == "active",
            other_day=(
                t(
                    "desk_other_day",
                    code=signup.code or "?",
                    name=donor.full_name,
                    day=t.day(drive.day),
                    place=drive.place_name,
                    today=t.day(today),
                ).splitlines()
                if other_day
                else []
            ),
            anyway=t("desk_button_check_in_anyway", date=t.date(today)),
            served=served,
            recorded=recorded and not correcting,
            correcting=correcting and recorded,
            result=chat_checkin.describe_result(t, signup) if recorded else "",
            volumes=list(volumes.allowed),
            deferrals=list(DEFERRALS),
            weight_line=weight,
            blood_line=t("desk_blood_line", group=chat_checkin.blood_text(t, donor)),
            groups=[(code, BloodGroup.from_code(code).label) for code in BLOOD_GROUPS],
            note=note,
            error=error,
            weight_typed=weight_typed,
        )

    async def act(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """The screen's forms: check in (anyway), a result, the weight, the lab's group; 303 back."""
        opened = await self._opened(request, visit)
        form = await request.post()
        action = _text(form, "action", 20)
        if action in ("checkin", "checkin_anyway"):
            return await self._check_in(visit, opened, anyway=action == "checkin_anyway")
        if action == "result":
            return await self._result(visit, opened, _text(form, "outcome", 30), fix=form.get("fix") == "1")
        if action == "weight":
            return await self._weight(visit, opened, _text(form, "weight", 20))
        if action == "lab":
            return await self._lab(visit, opened, _text(form, "group", 5))
        return await self._render_screen(visit, opened, error=visit.t("wdesk_error_action"), status=400)

    async def _check_in(self, visit: Visit, opened: Opened, *, anyway: bool) -> web.Response:
        result = await checkin.check_in(
            visit.db,
            signup_id=opened.signup.id,
            actor=visit.opened.actor,
            now=self.app.clock.now(),
            today=self._today(),
            any_day=anyway,
        )
        if result is CheckInRefusal.OTHER_DAY:  # the screen says which day, with "check in anyway"
            return _see_other(_screen_path(opened.signup.id))
        if result is CheckInRefusal.NOT_FOUND:
            raise Refused(404, "wdesk_signup_unknown")
        return _see_other(_screen_path(opened.signup.id, done="checked_in"))

    async def _result(self, visit: Visit, opened: Opened, outcome: str, *, fix: bool) -> web.Response:
        t = visit.t
        if not visit.grant.may(Capability.RESULT):
            await self.pages.audit_refusal(visit, f"capability:{Capability.RESULT.value}", Capability.RESULT)
            raise Refused(403, "web_refused", task=t("role_may_result"), may=may_list(visit.grant, t))
        volume = parse_int(outcome, minimum=min(checkin.VOLUMES), maximum=max(checkin.VOLUMES))
        donated = volume in checkin.VOLUMES
        reason = outcome.removeprefix("defer_") if outcome.startswith("defer_") else None
        if not donated and reason not in DEFERRALS:
            return await self._render_screen(visit, opened, error=t("wdesk_error_outcome"), status=400)
        done = await record_desk_result(
            visit.db,
            settings=self.app.settings,
            catalogs=self.app.catalogs,
            rules=self.app.knowledge.rules,
            signup_id=opened.signup.id,
            donated=donated,
            volume_ml=volume if donated else None,
            deferral_reason=reason,
            correcting=fix,
            actor=visit.opened.actor,
            now=self.app.clock.now(),
            today=self._today(),
        )
        if done.kind is DeskResultKind.GONE:
            return await self._render_screen(visit, opened, error=t("wdesk_error_not_checked_in"), status=409)
        if done.kind is DeskResultKind.VOLUME_REFUSED:
            return await self._render_screen(
                visit, opened, error=t("desk_volume_refused", ml=volume), correcting=fix, status=409
            )
        if done.kind is DeskResultKind.DIFFERS:
            error = t(
                "desk_result_differs",
                result=chat_checkin.describe_result(t, opened.signup),
                button=t("desk_button_fix"),
            )
            return await self._render_screen(visit, opened, error=error, status=409)
        if done.kind is DeskResultKind.SAME:
            return _see_other(_screen_path(opened.signup.id, done="same"))
        said = "deferred" if not donated else "donated" if done.has_chat else "donated_no_chat"
        return _see_other(_screen_path(opened.signup.id, done=said))

    async def _weight(self, visit: Visit, opened: Opened, typed: str) -> web.Response:
        found = await desk_signup(visit.db, opened.signup.id)
        if found is None:
            error = visit.t("wdesk_error_not_checked_in")
            return await self._render_screen(visit, opened, error=error, weight_typed=typed, status=409)
        parsed = fields.read_weight(typed)
        if not parsed.ok:
            error = visit.t(parsed.error or "error_weight", **parsed.params)
            return await self._render_screen(visit, opened, error=error, weight_typed=typed, status=400)
        await record_weight(
            visit.db,
            donor=opened.donor,
            weight_kg=parsed.value,
            signup_id=opened.signup.id,
            actor=visit.opened.actor,
            now=self.app.clock.now(),
        )
        return _see_other(_screen_path(opened.signup.id, done="weight"))

    async def _lab(self, visit: Visit, opened: Opened, code: str) -> web.Response:
        if code not in BLOOD_GROUPS:
            return await self._render_screen(visit, opened, error=visit.t("wdesk_error_group"), status=400)
        if await desk_signup(visit.db, opened.signup.id) is None:
            return await self._render_screen(
                visit, opened, error=visit.t("wdesk_error_not_checked_in"), status=409
            )
        donor, group = opened.donor, BloodGroup.from_code(code)
        was_confirmed = donor.blood_confirmed_on is not None
        before = await record_lab_group(
            visit.db,
            donor=donor,
            group=group,
            signup_id=opened.signup.id,
            actor=visit.opened.actor,
            today=self._today(),
            now=self.app.clock.now(),
        )
        if before.code == group.code:
            said = "lab_same"
        elif before.abo is None and before.rh is None:
            said = "lab_new"
        else:
            said = "lab_corrected" if was_confirmed else "lab_differs"
        query = {"done": said} | ({"was": before.code} if said in ("lab_differs", "lab_corrected") else {})
        return _see_other(_screen_path(opened.signup.id, **query))

    # --- walk-ins ---------------------------------------------------------------------------------------

    async def _session_in_scope(self, visit: Visit, sessions: list[DriveDay], typed: str) -> DriveDay | None:
        """The session a form names among today's the role serves; one outside them is refused, audited."""
        number = parse_id(typed)
        chosen = next((d for d in sessions if d.id == number), None)
        if chosen is None and number is not None and await visit.db.get(DriveDay, number) is not None:
            await self.pages.audit_refusal(visit, f"drive_day:{number}", Capability.CHECKIN)
            raise Refused(403, "wdesk_session_out_of_scope", id=number)
        return chosen

    async def walk_in_known(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """A registered donor found by the search, checked in on one of today's sessions."""
        number = parse_id(request.match_info["donor_id"])
        donor = await visit.db.get(Donor, number) if number is not None else None
        if donor is None:
            raise Refused(404, "wdesk_donor_unknown")
        if not await desk.can_see(visit.db, donor.id, visit.scope):
            await self.pages.audit_refusal(visit, f"donor:{donor.id}", Capability.CHECKIN)
            raise Refused(403, "wdesk_donor_out_of_scope")
        form = await request.post()
        sessions = await desk.sessions_for(visit.db, self._today(), visit.scope)
        if not sessions:
            raise Refused(409, "wdesk_no_session")
        typed = _text(form, "drive_day_id", 12)
        chosen = await self._session_in_scope(visit, sessions, typed) if typed else sessions[0]
        if chosen is None or (not typed and len(sessions) > 1):
            raise Refused(400, "wdesk_pick_session")
        signup = await desk.walk_in_signup(
            visit.db,
            drive_day_id=chosen.id,
            donor_id=donor.id,
            today=self._today(),
            now=self.app.clock.now(),
            tz=self.app.settings.tz,
            actor=visit.opened.actor,
        )
        if signup is None:
            raise Refused(409, "wdesk_no_session")
        return _see_other(_screen_path(signup.id, done="checked_in"))

    async def walk_in_form(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        return await self._render_walk_in(visit, {}, {})

    async def _render_walk_in(
        self,
        visit: Visit,
        values: dict[str, str],
        errors: dict[str, str],
        *,
        status: int = 200,
        known: list[dict[str, Any]] | None = None,
        problem: str = "",
    ) -> web.Response:
        t = visit.t
        sessions = await desk.sessions_for(visit.db, self._today(), visit.scope)
        return self.pages.render(
            t,
            "desk_walkin.html",
            status=status,
            visit=visit,
            sessions=[{"id": d.id, "label": self._session_label(visit, d)} for d in sessions],
            values={name: values.get(name, "") for name in (*WALK_IN_FIELDS, "consent")},
            errors=errors,
            groups=[(code, BloodGroup.from_code(code).label) for code in BLOOD_GROUPS],
            known=known,
            problem=problem,
        )

    async def walk_in(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """The walk-in form's POST: every field read as the chat reads it; stored only when consent is
        ticked; a known phone shows that donor (no duplicate); errors shown with the values kept."""
        t, db, today = visit.t, visit.db, self._today()
        form = await request.post()
        values = {name: _text(form, name) for name in WALK_IN_FIELDS}
        values["consent"] = "yes" if form.get("consent") == "yes" else ""
        errors: dict[str, str] = {}
        sessions = await desk.sessions_for(db, today, visit.scope)
        if not sessions:
            return await self._render_walk_in(visit, values, errors, status=409)
        drive = await self._session_in_scope(visit, sessions, values["drive_day_id"])
        if drive is None and len(sessions) == 1 and not values["drive_day_id"]:
            drive = sessions[0]

        def said(answer: Parsed) -> str:
            key = answer.error or "wdesk_error_field"
            return t("wdesk_error_age" if key == "desk_walkin_error_age" else key, **answer.params)

        name = fields.read_full_name(values["full_name"] or None)
        phone = fields.read_phone(values["phone"] or None)
        born = walk_in_birth(
            values["date_of_birth"] or None, today=today, rules=self.app.settings.registration, t=t
        )
        weight = fields.read_weight(values["weight"]) if values["weight"] else Parsed(None)
        if phone.ok:
            found = await desk.search(db, phone.value, scope=visit.scope, today=today)
            if found.found:  # registered already: that donor, no second profile
                known = [await self._card(visit, f) for f in found.found]
                return await self._render_walk_in(visit, values, {}, status=409, known=known)
            if await donors.donor_by_phone(db, phone.value) is not None:
                errors["phone"] = t("desk_walkin_phone_out_of_scope")
        if drive is None:
            errors["drive_day_id"] = t("wdesk_error_session")
        for field_name, answer in (
            ("full_name", name),
            ("phone", phone),
            ("date_of_birth", born),
            ("weight", weight),
        ):
            if not answer.ok and field_name not in errors:
                errors[field_name] = said(answer)
        if values["sex"] not in ("male", "female"):
            errors["sex"] = t("wdesk_error_sex")
        if values["blood_group"] not in (*BLOOD_GROUPS, "unknown"):
            errors["blood_group"] = t("wdesk_error_blood")
        if values["consent"] != "yes":
            errors["consent"] = t("wdesk_error_consent")
        if errors or drive is None:
            return await self._render_walk_in(visit, values, errors, status=400)
        blood = BloodGroup.from_code(values["blood_group"]) if values["blood_group"] in BLOOD_GROUPS else None
        new = desk.PaperDonor(
            full_name=name.value,
            phone=phone.value,
            date_of_birth=date.fromisoformat(born.value),
            sex=values["sex"],
            blood_abo=blood.abo.value if blood and blood.abo else None,
            blood_rh=blood.rh.value if blood and blood.rh else None,
            weight_kg=weight.value,
            language=self.app.settings.bot.default_language,
        )
        try:
            made = await register_walk_in(
                db,
                new,
                drive_day_id=drive.id,
                actor=visit.opened.actor,
                today=today,
                now=self.app.clock.now(),
                tz=self.app.settings.tz,
            )
        except desk.PhoneTaken:
            errors["phone"] = t("wdesk_error_phone_taken_now")
            return await self._render_walk_in(visit, values, errors, status=409)
        if made is None:
            problem = t("wdesk_error_session_gone")
            return await self._render_walk_in(visit, values, errors, status=409, problem=problem)
        return _see_other(_screen_path(made[1].id, done="walk_in"))


def _group_of(donor: Donor) -> BloodGroup | None:
    """The blood group on the profile, or None when none is known."""
    group = BloodGroup(
        ABO(donor.blood_abo) if donor.blood_abo else None, Rh(donor.blood_rh) if donor.blood_rh else None
    )
    return group if group.label else None


def mount(server: WebServer, pages: Pages) -> None:
    """Adds this area's routes."""
    desk_pages = DeskPages(pages)
    checkin_page = Capability.CHECKIN
    server.add_route("GET", "/desk", pages.page(checkin_page, desk_pages.home), name="web_desk")
    server.add_route(
        "GET", "/desk/signup/{signup_id}", pages.page(checkin_page, desk_pages.screen), name="web_desk_signup"
    )
    server.add_route(
        "POST",
        "/desk/signup/{signup_id}",
        pages.page(checkin_page, desk_pages.act),
        name="web_desk_signup_post",
    )
    server.add_route(
        "GET", "/desk/walkin", pages.page(checkin_page, desk_pages.walk_in_form), name="web_desk_walkin"
    )
    server.add_route(
        "POST", "/desk/walkin", pages.page(checkin_page, desk_pages.walk_in), name="web_desk_walkin_post"
    )
    server.add_route(
        "POST",
        "/desk/walkin/{donor_id}",
        pages.page(checkin_page, desk_pages.walk_in_known),
        name="web_desk_walkin_known",
    )
