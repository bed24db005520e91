"""The web page's emergency call-outs (`Capability.CALLOUT`), on the chat's own services (/khancap,
/dskhancap and the tally's buttons: `services.callouts`).

* `GET /callouts`: the call-outs running or ended in the last day (as /dskhancap lists them) that the
  role's scope holds (`Scope.holds_callout`: a ward organiser their ward's own), with the chat's tally.
* `GET /callouts/new`, `POST /callouts/new`: the need (groups, component, units, place, address, contact,
  deadline, wards — a ward organiser's their own only —, clubs first), read as the chat reads it
  (`services.callouts.need`); then the preview (`waves.preview`: counts by group, in wave 1 and in all,
  no one named), whose Confirm sends it as /khancap's "Send now" does (`waves.launch`: audited, the first
  wave through the outbox) and redirects to the call-out's page. A mistake is said on the form, with what
  was typed kept.
* `GET /callouts/{id}`: the tally and who accepted (name and masked phone: the chat shows them to the
  organisers who may follow the call-out); `static/tally.js` polls `GET /callouts/{id}/tally.json` and
  rewrites the figures in place. Without script the page shows them as of its loading, with a reload link.
* `POST /callouts/{id}/close`: the tally's Close (`closing.close_callout`, audited `callout.close`);
  `POST /callouts/{id}/extend` its "Extend by 2 hours" (`closing.extend`, audited `callout.extend`).

A call-out outside the scope is refused 403 and audited (`organiser.refused`), as the chat refuses it.
Pushes queued by a request wake the delivery loop once its transaction is committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web
from multidict import MultiDictProxy

from bot.web.pages import Page, Pages, Refused, Visit
from bot.web.server import WebServer
from core import buttons
from domain import limits
from domain.blood import parse_blood_group
from domain.compatibility import COMPONENTS
from domain.figures import ScopeKind
from domain.ids import parse_id, parse_int
from domain.roles import Capability
from handlers.callout_answers import RECENT
from handlers.callouts import DEADLINE_HOURS
from handlers.desk import masked_phone
from models import callouts
from models.tables import Callout
from services.callouts import closing, waves
from services.callouts.matching import clubs_offered, every_club
from services.callouts.need import (
    MAX_UNITS,
    Need,
    clean_text,
    group_list,
    label,
    parse_deadline,
    scoped_wards,
)

Posted = MultiDictProxy[str | bytes | bytearray | web.FileField]  # a form, as aiohttp reads it
PUSHED = web.RequestKey("donorbot_pushed", bool)  # set when the request queued outbox rows
POLL_SECONDS = 5  # how often tally.js asks for the figures
RESUBMITTED = timedelta(minutes=10)  # the same need confirmed again this soon is the same call-out
RUNNING = ("open", "filled")  # a call-out that can still be closed (the tally's Close button)
TEXTS = (("place", limits.PLACE), ("address", limits.ADDRESS), ("contact", limits.CONTACT))
FIELDS = ("units", "place", "address", "contact", "deadline")


# --- the need, read from the form -------------------------------------------------------------------


@dataclass
class Form:
    """The form as typed (kept on a mistake) and the mistakes, by field."""

    groups: list[str] = field(default_factory=list)
    component: str = "whole_blood"
    values: dict[str, str] = field(default_factory=dict)
    wards: list[str] = field(default_factory=list)
    clubs: list[int] = field(default_factory=list)
    all_clubs: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def _strings(posted: Posted, name: str) -> list[str]:
    return [v for v in posted.getall(name, []) if isinstance(v, str)]


def _string(posted: Posted, name: str) -> str:
    found = posted.get(name)
    return found.strip() if isinstance(found, str) else ""


# --- the routes -------------------------------------------------------------------------------------


class CalloutPages:
    """The call-out routes over the web page's `Pages` (session, role, CSRF, templates)."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.app = pages.app

    def page(self, handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """`Pages.page(CALLOUT, handler)`, then the delivery loop woken if the committed request queued
        pushes (the wrapper commits as the handler returns)."""
        inner = self.pages.page(Capability.CALLOUT, handler)

        async def run(request: web.Request) -> web.StreamResponse:
            response = await inner(request)
            if request.get(PUSHED) and self.app.dispatcher.on_pushed is not None:
                self.app.dispatcher.on_pushed()
            return response

        return run

    # --- the list -----------------------------------------------------------------------------------

    async def index(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t, now = visit.t, self.app.clock.now()
        rows = []
        for callout in await callouts.running(visit.db, since=now - RECENT):
            if not visit.scope.holds_callout(wards=callout.wards, wards_only=callout.wards_only):
                continue
            rows.append(self._figures(visit, callout, await callouts.tally(visit.db, callout.id)))
        rows.reverse()  # the newest first
        return self.pages.render(t, "callouts.html", visit=visit, rows=rows)

    # --- a new call-out -----------------------------------------------------------------------------

    async def new_form(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        return await self._form(visit, Form(), status=200)

    async def new_posted(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        posted = await request.post()
        form, need = await self._read(visit, posted)
        action = _string(posted, "action")
        if action == "edit":  # back from the preview: the form again, as filled in
            return await self._form(visit, form, status=200)
        if need is None:
            return await self._form(visit, form, status=400)
        settings, rules, now = self.app.settings, self.app.knowledge.rules, self.app.clock.now()
        if action != "send":
            shown = await waves.preview(visit.db, need, settings=settings, rules=rules, now=now)
            return self._preview(visit, form, need, shown)
        if (twice := await self._sent_just_now(visit, need, now)) is not None:
            return _see_other(f"/callouts/{twice.id}")  # the Confirm sent twice: one call-out, not two
        launched = await waves.launch(
            visit.db,
            need,
            created_by_account_id=visit.opened.account_id,  # the chat hears when it is filled
            tally_chat_id=None,
            actor=visit.opened.actor,
            catalogs=self.app.catalogs,
            settings=settings,
            rules=rules,
            now=now,
        )
        if launched is None:  # a preview confirmed late: nobody matches any more, nothing was created
            form.errors["form"] = visit.t("callout_nobody_to_send")
            return await self._form(visit, form, status=409)
        request[PUSHED] = launched.sent > 0
        return _see_other(f"/callouts/{launched.callout.id}")

    async def _sent_just_now(self, visit: Visit, need: Need, now: datetime) -> Callout | None:
        """The same call-out this chat account confirmed within `RESUBMITTED` (a double click, the
        browser sending the form again): donors must not be asked twice for one need."""
        for callout in await callouts.running(visit.db, since=now):
            if (
                callout.created_by_account_id == visit.opened.account_id
                and callout.created_at >= now - RESUBMITTED
                and list(callout.groups) == list(need.groups)
                and callout.component == need.component
                and callout.units_needed == need.units
                and callout.place == need.place
                and callout.deadline == need.deadline
            ):
                return callout
        return None

    async def _read(self, visit: Visit, posted: Posted) -> tuple[Form, Need | None]:
        """The need as the chat reads it (`services.callouts.need`), or the form's mistakes."""
        t, settings = visit.t, self.app.settings
        form = Form(values={name: _string(posted, name) for name in FIELDS})
        groups = []
        for typed in _strings(posted, "group"):
            group = parse_blood_group(typed)
            if group is None or group.abo is None or group.rh is None:
                form.errors["groups"] = t("callout_error_groups")
                continue
            groups.append(group.code)
        form.groups = sorted(set(groups), key=buttons.BLOOD_GROUPS.index)
        if not form.groups:
            form.errors["groups"] = t("callout_error_groups")
        component = _string(posted, "component")
        if component in COMPONENTS:
            form.component = component
        else:
            form.errors["component"] = t("wcall_error_component")
        units = parse_int(form.value("units"), minimum=1, maximum=MAX_UNITS)
        if units is None:
            form.errors["units"] = t("callout_error_units")
        texts: dict[str, str] = {}
        for name, limit in TEXTS:
            cleaned = clean_text(form.value(name), limit)
            if cleaned is None:
                form.errors[name] = t(f"callout_error_{name}", limit=limit)
            else:
                texts[name] = cleaned
        deadline = self._deadline(form, _string(posted, "deadline_in"))
        if deadline is None:
            form.errors["deadline"] = t("callout_error_deadline")
        for typed in _strings(posted, "ward"):
            ward = settings.area.ward_named(typed)  # with or without diacritics
            if ward is None:
                form.errors["wards"] = t("wcall_error_ward")
            elif ward not in form.wards:
                form.wards.append(ward)
        wards, wards_only = scoped_wards(visit.scope, form.wards)
        offered = {
            c.club.id for c in await clubs_offered(visit.db, scope=visit.scope, actor=visit.opened.actor)
        }
        form.all_clubs = _string(posted, "clubs_all") == "1"
        for typed in _strings(posted, "club"):
            club_id = parse_id(typed)
            if club_id is None or club_id not in offered:
                form.errors["clubs"] = t("wcall_error_club")
            elif club_id not in form.clubs:
                form.clubs.append(club_id)
        if form.errors or units is None or deadline is None:
            return form, None
        first: list[int] | None = None
        if form.all_clubs and offered:
            first = await every_club(visit.db, scope=visit.scope, actor=visit.opened.actor)
        elif form.clubs:
            first = list(form.clubs)
        return form, Need(
            groups=form.groups,
            component=form.component,
            units=units,
            place=texts["place"],
            address=texts["address"],
            contact=texts["contact"],
            deadline=deadline,
            wards=wards,
            clubs=first,
            wards_only=wards_only,
        )

    def _deadline(self, form: Form, hours_in: str) -> datetime | None:
        """A time typed as the chat reads it, or else one of the chat's "in 2 / 6 / 24 hours" — then
        written into the form as a time, so the preview's Confirm sends the deadline it showed."""
        settings, now = self.app.settings, self.app.clock.now()
        if form.value("deadline"):
            return parse_deadline(form.value("deadline"), now=now, settings=settings)
        hours = parse_int(hours_in, minimum=1, maximum=max(DEADLINE_HOURS))
        if hours not in DEADLINE_HOURS:
            return None
        deadline = (now + timedelta(hours=hours)).astimezone(settings.tz).replace(second=0, microsecond=0)
        form.values["deadline"] = deadline.strftime("%H:%M %d/%m/%Y")
        return deadline

    async def _form(self, visit: Visit, form: Form, *, status: int) -> web.Response:
        offered = await clubs_offered(visit.db, scope=visit.scope, actor=visit.opened.actor)
        ward = visit.scope.name if visit.scope.kind is ScopeKind.WARD else None
        return self.pages.render(
            visit.t,
            "callout_new.html",
            status=status,
            visit=visit,
            form=form,
            group_choices=[(code, label(code)) for code in buttons.BLOOD_GROUPS],
            components=COMPONENTS,
            wards=[] if ward else list(self.app.settings.area.wards),
            own_ward=ward,
            clubs=[(c.club.id, c.club.name, c.members) for c in offered],
            max_units=MAX_UNITS,
            hours=DEADLINE_HOURS,
        )

    def _preview(self, visit: Visit, form: Form, need: Need, shown: waves.Preview) -> web.Response:
        t = visit.t
        rows = [(label(code), shown.first_wave.get(code, 0), n) for code, n in shown.by_group().items()]
        deadline = need.deadline.astimezone(self.app.settings.tz)
        return self.pages.render(
            t,
            "callout_preview.html",
            visit=visit,
            form=form,
            need=need,
            groups=group_list(need.groups),
            component=t(f"callout_component_{need.component}"),
            deadline=deadline.strftime("%H:%M %d/%m/%Y"),
            area=", ".join(need.wards) or t("callout_all_wards"),
            rows=rows,
            total=shown.total,
            wave=shown.wave,
            members=shown.members,
        )

    # --- one call-out -------------------------------------------------------------------------------

    async def _callout(self, request: web.Request, visit: Visit) -> Callout:
        """The call-out of the path, if the role's scope holds it; else refused (audited when it exists)."""
        number = parse_id(request.match_info["callout_id"])
        found = await visit.db.get(Callout, number) if number is not None else None
        if found is None:
            raise Refused(404, "wcall_unknown")
        if not visit.scope.holds_callout(wards=found.wards, wards_only=found.wards_only):
            await self.pages.audit_refusal(visit, f"callout:{found.id}", Capability.CALLOUT)
            raise Refused(403, "wcall_out_of_scope", id=found.id)
        return found

    async def show(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        callout = await self._callout(request, visit)
        data = await self._tally(visit, callout)
        return self.pages.render(
            visit.t,
            "callout.html",
            visit=visit,
            c=data,
            poll=POLL_SECONDS,
            running=callout.status in RUNNING,
        )

    async def tally_json(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        callout = await self._callout(request, visit)
        return web.json_response(await self._tally(visit, callout), headers={"Cache-Control": "no-store"})

    async def close(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        callout = await self._callout(request, visit)
        if callout.status in RUNNING:
            await closing.close_callout(
                visit.db,
                callout,
                actor=visit.opened.actor,
                catalogs=self.app.catalogs,
                settings=self.app.settings,
                now=self.app.clock.now(),
                update_tally=True,  # the organiser's tally in the chat shows it closed
            )
            request[PUSHED] = True  # the donors who accepted or were asked hear it
        return _see_other(f"/callouts/{callout.id}")

    async def extend(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        """The tally's "Extend by 2 hours" (`closing.extend`, audited `callout.extend`)."""
        callout = await self._callout(request, visit)
        if callout.status in RUNNING:
            await closing.extend(visit.db, callout, actor=visit.opened.actor, now=self.app.clock.now())
        return _see_other(f"/callouts/{callout.id}")

    # --- the figures --------------------------------------------------------------------------------

    def _figures(self, visit: Visit, callout: Callout, counts: Mapping[str, int]) -> dict[str, object]:
        """The chat's tally (`services.callouts.tally.tally_view`'s figures), one value per element."""
        t, tz = visit.t, self.app.settings.tz
        return {
            "id": callout.id,
            "status": callout.status,
            "status_label": t(f"callout_status_{callout.status}"),
            "groups": group_list(callout.groups),
            "component": t(f"callout_component_{callout.component}"),
            "place": callout.place,
            "units": callout.units_needed,
            "matched": callout.matched if callout.matched is not None else "?",
            "messaged": counts.get("messaged", 0),
            "accepted": counts.get("accepted", 0),
            "declined": counts.get("declined", 0),
            "no_answer": counts.get("no_answer", 0),
            "waves": callout.waves_sent,
            "deadline": callout.deadline.astimezone(tz).strftime("%H:%M %d/%m"),
            "wards": ", ".join(callout.wards or ()) or t("callout_all_wards"),
        }

    async def _tally(self, visit: Visit, callout: Callout) -> dict[str, object]:
        """The figures (in all and by the blood group of the donors asked), who accepted (name and masked
        phone) and how many erased themselves since."""
        t, now = visit.t, self.app.clock.now()
        data = self._figures(visit, callout, await callouts.tally(visit.db, callout.id))
        people = await callouts.accepted_donors(visit.db, callout.id)
        erased = await callouts.accepted_erased(visit.db, callout.id)
        by_group = await callouts.tally_by_group(visit.db, callout.id)
        order = [*buttons.BLOOD_GROUPS, callouts.UNKNOWN_GROUP]
        data["by_group"] = [
            {
                "group": code,
                "label": t("wcall_group_erased") if code == callouts.UNKNOWN_GROUP else label(code),
                **{k: counts.get(k, 0) for k in ("messaged", "accepted", "declined", "no_answer")},
            }
            for code, counts in sorted(by_group.items(), key=lambda kv: order.index(kv[0]))
        ]
        data["people"] = [{"name": p.full_name, "phone": masked_phone(p.phone)} for p in people]
        data["erased"] = t("callout_accepted_erased", count=erased) if erased else ""
        data["as_of"] = now.astimezone(self.app.settings.tz).strftime("%H:%M:%S")
        data["running"] = callout.status in RUNNING
        return data


def _see_other(path: str) -> web.Response:
    return web.Response(status=303, headers={"Location": path, "Cache-Control": "no-store"})


def mount(server: WebServer, pages: Pages) -> None:
    """Adds this area's routes."""
    area = CalloutPages(pages)
    server.add_route("GET", "/callouts", area.page(area.index), name="web_callouts")
    server.add_route("GET", "/callouts/new", area.page(area.new_form), name="web_callout_new")
    server.add_route("POST", "/callouts/new", area.page(area.new_posted), name="web_callout_create")
    server.add_route("GET", "/callouts/{callout_id}", area.page(area.show), name="web_callout")
    server.add_route(
        "GET", "/callouts/{callout_id}/tally.json", area.page(area.tally_json), name="web_callout_tally"
    )
    server.add_route("POST", "/callouts/{callout_id}/close", area.page(area.close), name="web_callout_close")
    server.add_route(
        "POST", "/callouts/{callout_id}/extend", area.page(area.extend), name="web_callout_extend"
    )
