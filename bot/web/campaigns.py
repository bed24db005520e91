"""The web page's campaigns and drive days: create and edit a campaign, import a plan file, the drive days
with their slots' fill (updating itself), and a new drive day.

* `/campaigns/new`, `/campaign/{id}/edit` (Capability.CAMPAIGN): the values /taochiendich asks, read and
  written by `services.campaigns` (the chat's readers and write path); an edit of the targets and ward
  quotas is audited `campaign.edit` with the old and new figures.
* `/campaigns/import` (CAMPAIGN): a plan file uploaded (the `donorbot drive import` format) is checked
  by `domain.plan_file.check_plan_text` — every bad entry with its line, as the CLI words it — and
  nothing is written while there is one; a good file is shown, then imported on Confirm
  (`services.drive_days.import_plan`, as the CLI). The route takes a larger body than the others.
* `/sessions` (ROSTER): the drive days the role's roster scope sees (`models.rosters.in_scope`), upcoming
  first, then those of the last weeks, each slot's sign-ups against its places (`models.signups.
  free_slots`, the figures the chat's booking uses). `/sessions/{id}`: one day's slots; `static/fill.js`
  rewrites them from `/sessions/{id}/fill.json` every few seconds (without JS: reload).
* `/sessions/new` (DRIVE_CREATE): the values /taodot asks (`services.drive_days.read_*`, `create`); a
  ward organiser's day is held in their own ward.

A form with a mistake comes back with every value kept and the message next to the field; nothing is
written then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDictProxy

from bot.web.pages import Pages, Refused, Visit
from bot.web.server import WebServer
from core.i18n import Translator
from domain import ids, limits, plan_file
from domain.figures import ScopeKind
from domain.roles import Capability
from domain.slots import has_ended
from models import campaigns, drive_days, rosters, signups
from models.drive_days import DriveDayView, DriveError
from models.tables import Campaign
from services import campaigns as campaign_service
from services import drive_days as drive_day_service
from services.campaigns import Problem

T = TypeVar("T")
IMPORT_MAX_BODY = 2 * 1024 * 1024  # a plan file, and once more (URL-encoded) with Confirm
PLAN_MAX_CHARS = 128 * 1024
RECENT_DAYS = 30  # drive days ended within this many days are listed after the upcoming ones
UPCOMING_LIMIT = 60
RECENT_LIMIT = 30
CAMPAIGN_CHOICES = 20
# The chat's messages that speak of its buttons («Bỏ qua», the ward list): the web's own wording.
WEB_WORDING = frozenset(
    {
        "cmp_error_unit",
        "cmp_error_slogan",
        "cmp_error_units",
        "cmp_error_share",
        "cmp_error_reserve",
        "create_error_address",
        "create_error_hours",
        "error_ward",
    }
)


def wording(t: Translator, problem: Problem) -> str:
    key = f"wcamp_{problem.key}" if problem.key in WEB_WORDING else problem.key
    return t(key, **campaign_service.shown(t, problem))


@dataclass
class Form:
    """A form's typed values (kept as typed) and the message of each field refused."""

    values: dict[str, str]
    t: Translator
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def read(self, name: str, reader: Callable[[str], T | Problem], *, optional: bool = False) -> T | None:
        """The field read by `reader`; None when empty and optional, or refused (the message kept)."""
        text = self.get(name)
        if not text and optional:
            return None
        found = reader(text)
        if isinstance(found, Problem):
            self.errors[name] = wording(self.t, found)
            return None
        return found


def form_of(posted: MultiDictProxy[Any]) -> dict[str, str]:
    return {name: value for name, value in posted.items() if isinstance(value, str) and name != "csrf"}


def percent_text(share: float | None, t: Translator) -> str:
    return "" if share is None else t.number(round(share * 100, 2))


def quota_lines(quotas: tuple[tuple[str, int], ...]) -> str:
    return "\n".join(f"{ward}: {units}" for ward, units in quotas)


def see_other(path: str) -> web.Response:
    return web.Response(status=303, headers={"Location": path, "Cache-Control": "no-store"})


def bar(taken: int, capacity: int) -> int:
    """The fill bar's step of 10 % (classes w0…w10: no inline style under the CSP)."""
    if capacity <= 0:
        return 0
    return min(10, taken * 10 // capacity)


class CampaignPages:
    """The routes of this area over the core `Pages`."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.app = pages.app

    # --- campaigns -------------------------------------------------------------------------------------

    def _targets(self, form: Form) -> campaign_service.Figures:
        wards = self.app.settings.area.wards
        units = form.read(
            "units",
            lambda s: campaign_service.read_count(
                s, target="units", error="cmp_error_units", maximum=plan_file.MAX_UNITS
            ),
            optional=True,
        )
        repeat = form.read(
            "repeat", lambda s: campaign_service.read_share(s, target="repeat_share"), optional=True
        )
        share_350 = form.read(
            "share_350", lambda s: campaign_service.read_share(s, target="share_350"), optional=True
        )
        reserve = form.read(
            "reserve",
            lambda s: campaign_service.read_count(
                s, target="reserve_donors", error="cmp_error_reserve", maximum=plan_file.MAX_HEADCOUNT
            ),
            optional=True,
        )
        found = form.read("quotas", lambda s: campaign_service.read_quotas(s, wards), optional=True)
        return campaign_service.Figures(units, repeat, share_350, reserve, tuple(found or ()))

    def _campaign_form(
        self, visit: Visit, form: Form, *, campaign: Campaign | None = None, status: int = 200
    ) -> web.Response:
        return self.pages.render(
            visit.t,
            "campaign_form.html",
            status=status,
            visit=visit,
            form=form,
            campaign=campaign,
            example=campaign_service.example(self.app.settings.area.wards),
        )

    async def new_campaign(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        if request.method == "GET":
            return self._campaign_form(visit, Form({}, t))
        form = Form(form_of(await request.post()), t)
        today = self.app.clock.now().astimezone(self.app.settings.tz).date()
        name = form.read("name", campaign_service.read_name)
        first = form.read("first_day", lambda s: campaign_service.read_day(s, today=today))
        last = (
            form.read("last_day", lambda s: campaign_service.read_last_day(s, first=first, today=today))
            if first is not None
            else form.read("last_day", lambda s: campaign_service.read_day(s, today=today))
        )
        unit = form.read(
            "unit",
            lambda s: campaign_service.read_text(s, limit=limits.ORGANISING_UNIT, error="cmp_error_unit"),
            optional=True,
        )
        slogan = form.read(
            "slogan",
            lambda s: campaign_service.read_text(s, limit=limits.SLOGAN, error="cmp_error_slogan"),
            optional=True,
        )
        figures = self._targets(form)
        if form.errors or name is None or first is None or last is None:
            return self._campaign_form(visit, form, status=400)
        values = campaign_service.CampaignValues(
            name=name,
            first_day=first,
            last_day=last,
            unit=unit,
            slogan=slogan,
            units=figures.units,
            repeat=figures.repeat,
            share_350=figures.share_350,
            reserve=figures.reserve,
            quotas=figures.quotas,
        )
        try:
            async with visit.db.begin_nested():
                row = await campaign_service.create(
                    visit.db, values, actor=visit.opened.actor, now=self.app.clock.now()
                )
        except DriveError:  # a rule of the plan file not read above: said once, nothing written
            form.errors["name"] = t("wcamp_error_not_saved")
            return self._campaign_form(visit, form, status=400)
        return see_other(f"/campaign/{row.id}?done=created")

    async def _campaign(self, request: web.Request, visit: Visit) -> Campaign:
        number = ids.parse_id(request.match_info["campaign_id"])
        found = await visit.db.get(Campaign, number) if number is not None else None
        if found is None:
            raise Refused(404, "web_campaign_unknown")
        return found

    async def edit_campaign(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        campaign = await self._campaign(request, visit)
        if request.method == "GET":
            now = await campaign_service.figures(visit.db, campaign)
            values = {
                "units": "" if now.units is None else str(now.units),
                "repeat": percent_text(now.repeat, t),
                "share_350": percent_text(now.share_350, t),
                "reserve": "" if now.reserve is None else str(now.reserve),
                "quotas": quota_lines(now.quotas),
            }
            return self._campaign_form(visit, Form(values, t), campaign=campaign)
        form = Form(form_of(await request.post()), t)
        wanted = self._targets(form)
        if form.errors:
            return self._campaign_form(visit, form, campaign=campaign, status=400)
        changed = await campaign_service.edit(
            visit.db, campaign, wanted, actor=visit.opened.actor, now=self.app.clock.now()
        )
        return see_other(f"/campaign/{campaign.id}?done={'edited' if changed else 'unchanged'}")

    # --- the plan file ---------------------------------------------------------------------------------

    async def import_plan(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        if request.method == "GET":
            return self._import_page(visit)
        posted = await request.post()
        upload = posted.get("plan")
        kept = posted.get("text")
        if isinstance(upload, web.FileField):
            raw = upload.file.read(PLAN_MAX_CHARS * 4 + 1)
        elif isinstance(kept, str) and kept:
            raw = kept.encode("utf-8")
        else:
            return self._import_page(visit, error=t("wcamp_import_no_file"), status=400)
        try:
            text = raw.decode("utf-8-sig") if len(raw) <= PLAN_MAX_CHARS * 4 else None
        except UnicodeDecodeError:
            return self._import_page(visit, error=t("wcamp_import_not_utf8"), status=400)
        if text is None or len(text) > PLAN_MAX_CHARS:
            return self._import_page(
                visit, error=t("wcamp_import_too_big", limit=t.number(PLAN_MAX_CHARS // 1024)), status=400
            )
        wards = self.app.settings.area.wards
        report = plan_file.check_plan_text(text, wards=wards)
        if report.plan is None:
            return self._import_page(visit, problems=report.problems, status=400)
        plan, unknown = plan_file.unknown_session_wards(report.plan, wards)
        now = self.app.clock.now()
        today = now.astimezone(self.app.settings.tz).date()
        warnings = [t("wcamp_import_unknown_ward", number=n, ward=plan.sessions[n - 1].ward) for n in unknown]
        if plan.sessions and all(entry.day < today for entry in plan.sessions):
            warnings.append(t("wcamp_import_all_past", today=t.date(today)))
        if posted.get("confirm") != "yes":
            exists = await drive_days.campaign_by_key(visit.db, plan.key)
            return self._import_page(
                visit, plan=plan, text=text, warnings=warnings, exists=exists is not None
            )
        imported = await drive_day_service.import_plan(
            visit.db,
            plan,
            catalogs=self.app.catalogs,
            actor=visit.opened.actor,
            tz=self.app.settings.tz,
            now=now,
        )
        campaign = await drive_days.campaign_by_key(visit.db, plan.key)
        assert campaign is not None
        result = imported.result
        return self.pages.render(
            t,
            "campaign_imported.html",
            visit=visit,
            campaign=campaign,
            line=t(
                "wcamp_import_done",
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            ),
            told=t("wcamp_import_told", donors=imported.told.donors) if imported.told.donors else "",
        )

    def _import_page(
        self,
        visit: Visit,
        *,
        status: int = 200,
        error: str = "",
        problems: tuple[plan_file.PlanProblem, ...] = (),
        plan: plan_file.CampaignPlan | None = None,
        text: str = "",
        warnings: list[str] | None = None,
        exists: bool = False,
    ) -> web.Response:
        t = visit.t
        sessions = [
            {
                "key": s.key,
                "day": t.date(s.day),
                "hours": f"{s.start_time:%H:%M}–{s.end_time:%H:%M}",
                "place": s.place_name,
                "ward": s.ward or "—",
                "capacity": t.number(s.capacity),
            }
            for s in (plan.sessions if plan is not None else ())
        ]
        return self.pages.render(
            t,
            "campaign_import.html",
            status=status,
            visit=visit,
            error=error,
            problems=problems,
            plan=plan,
            sessions=sessions,
            text=text,
            warnings=warnings or [],
            exists=exists,
        )

    # --- drive days ------------------------------------------------------------------------------------

    async def _slots(self, visit: Visit, view: DriveDayView) -> list[dict[str, object]]:
        found = await signups.free_slots(visit.db, view.id, include_full=True)
        return [
            {
                "id": f"{s.start:%H%M}",
                "start": f"{s.start:%H:%M}",
                "taken": s.taken,
                "capacity": s.capacity,
                "free": s.free,
                "bar": bar(s.taken, s.capacity),
            }
            for s in found
        ]

    def _status(self, view: DriveDayView) -> str:
        if view.status == drive_days.CANCELLED:
            return "cancelled"
        over = has_ended(view.day, view.end_time, now=self.app.clock.now(), tz=self.app.settings.tz)
        return "over" if over else "scheduled"

    async def _line(self, visit: Visit, view: DriveDayView) -> dict[str, object]:
        t = visit.t
        return {
            "id": view.id,
            "day": t.day(view.day),
            "hours": f"{view.start_time:%H:%M}–{view.end_time:%H:%M}",
            "place": view.place_name,
            "ward": view.ward or "—",
            "campaign": view.campaign_name,
            "status": self._status(view),
            "taken": view.taken,
            "capacity": view.capacity,
            "bar": bar(view.taken, view.capacity),
            "slots": await self._slots(visit, view),
        }

    async def sessions(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        now, tz = self.app.clock.now(), self.app.settings.tz
        since = now.astimezone(tz).date() - timedelta(days=RECENT_DAYS)
        upcoming, recent = await drive_days.around(
            visit.db, now=now, tz=tz, since=since, upcoming=UPCOMING_LIMIT, recent=RECENT_LIMIT
        )
        parts = []
        for views in (upcoming, recent):
            lines = []
            for view in views:
                if await rosters.in_scope(visit.db, drive_day_id=view.id, ward=view.ward, scope=visit.scope):
                    lines.append(await self._line(visit, view))
            parts.append(lines)
        return self.pages.render(
            visit.t,
            "sessions.html",
            visit=visit,
            upcoming=parts[0],
            recent=parts[1],
            may_create=visit.grant.may(Capability.DRIVE_CREATE),
        )

    async def _view(self, request: web.Request, visit: Visit) -> DriveDayView:
        number = ids.parse_id(request.match_info["drive_day_id"])
        view = await drive_days.drive_day_view(visit.db, number) if number is not None else None
        if view is None:
            raise Refused(404, "web_roster_unknown")
        if not await rosters.in_scope(visit.db, drive_day_id=view.id, ward=view.ward, scope=visit.scope):
            await self.pages.audit_refusal(visit, f"drive_day:{view.id}", Capability.ROSTER)
            raise Refused(403, "web_roster_out_of_scope", id=view.id)
        return view

    async def session(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        view = await self._view(request, visit)
        line = await self._line(visit, view)
        return self.pages.render(
            visit.t,
            "session.html",
            visit=visit,
            s=line,
            fill_url=f"/sessions/{view.id}/fill.json",
            done=request.query.get("done") == "created",
        )

    async def fill(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        view = await self._view(request, visit)
        slots = await self._slots(visit, view)
        return web.json_response(
            {
                "id": view.id,
                "status": self._status(view),
                "taken": view.taken,
                "capacity": view.capacity,
                "bar": bar(view.taken, view.capacity),
                "slots": slots,
            },
            headers={"Cache-Control": "no-store"},
        )

    # --- a new drive day -------------------------------------------------------------------------------

    def _own_ward(self, visit: Visit) -> str | None:
        return visit.scope.name if visit.scope.kind is ScopeKind.WARD else None

    async def _session_form(self, visit: Visit, form: Form, *, status: int = 200) -> web.Response:
        choices = await campaigns.recent_campaigns(visit.db, CAMPAIGN_CHOICES)
        own = self._own_ward(visit)
        return self.pages.render(
            visit.t,
            "session_form.html",
            status=status,
            visit=visit,
            form=form,
            campaigns=[(c.id, f"{c.name} ({c.year})") for c in choices],
            wards=[own] if own is not None else list(self.app.settings.area.wards),
            own_ward=own,
            slot_lengths=drive_day_service.SLOT_MINUTES,
            audiences=drive_day_service.AUDIENCES,
        )

    async def new_session(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        own = self._own_ward(visit)
        if request.method == "GET":
            values = {
                "slot_minutes": str(drive_day_service.DEFAULT_SLOT_MINUTES),
                "audience": drive_day_service.DEFAULT_AUDIENCE,
                "ward": own or "",
                "campaign": request.query.get("campaign", ""),
            }
            return await self._session_form(visit, Form(values, t))
        form = Form(form_of(await request.post()), t)
        now, tz = self.app.clock.now(), self.app.settings.tz
        today = now.astimezone(tz).date()
        campaign_id = ids.parse_id(form.get("campaign"))
        campaign = await visit.db.get(Campaign, campaign_id) if campaign_id is not None else None
        if campaign is None:
            form.errors["campaign"] = t("wcamp_error_campaign")
        day = form.read("day", lambda s: drive_day_service.read_day(s, today=today))
        hours: tuple[time, time] | None = None
        if form.get("start") and form.get("end"):
            hours = form.read(
                "start",
                lambda _: drive_day_service.read_hours(
                    f"{form.get('start')}-{form.get('end')}", day=day or today, now=now, tz=tz
                ),
            )
        else:
            form.errors["start"] = wording(t, Problem("create_error_hours"))
        place = form.read("place", drive_day_service.read_place)
        address = form.read("address", drive_day_service.read_address, optional=True)
        ward: str | None = None
        if form.get("ward"):
            ward = form.read("ward", lambda s: drive_day_service.read_ward(s, self.app.settings.area.wards))
        capacity = form.read("capacity", drive_day_service.read_capacity)
        slot = form.get("slot_minutes")
        if slot not in {str(m) for m in drive_day_service.SLOT_MINUTES}:
            form.errors["slot_minutes"] = t("wcamp_error_choose")
        audience = form.get("audience")
        if audience not in drive_day_service.AUDIENCES:
            form.errors["audience"] = t("wcamp_error_choose")
        if (
            form.errors
            or campaign is None
            or day is None
            or hours is None
            or place is None
            or capacity is None
        ):
            return await self._session_form(visit, form, status=400)
        wanted = drive_day_service.NewDriveDay(
            campaign_id=campaign.id,
            day=day,
            start_time=hours[0],
            end_time=hours[1],
            place_name=place,
            capacity=capacity,
            ward=ward,
            address=address,
            slot_minutes=int(slot),
            audience=audience,
        )
        try:
            async with visit.db.begin_nested():
                row = await drive_day_service.create(
                    visit.db, wanted, scope=visit.scope, actor=visit.opened.actor, now=now
                )
        except drive_day_service.OutOfScope:
            await self.pages.audit_refusal(visit, f"ward:{ward or '-'}", Capability.DRIVE_CREATE)
            raise Refused(403, "wcamp_session_out_of_scope", ward=own or "—") from None
        except DriveError:
            form.errors["place"] = t("wcamp_error_not_saved")
            return await self._session_form(visit, form, status=400)
        return see_other(f"/sessions/{row.id}?done=created")


def mount(server: WebServer, pages: Pages) -> None:
    """Adds this area's routes."""
    area = CampaignPages(pages)

    def add(
        methods: tuple[str, ...], path: str, capability: Capability, handler: Any, name: str, **kw: Any
    ) -> None:
        wrapped = pages.page(capability, handler)
        for method in methods:
            server.add_route(method, path, wrapped, name=f"{name}_{method.lower()}", **kw)

    both = ("GET", "POST")
    add(both, "/campaigns/new", Capability.CAMPAIGN, area.new_campaign, "web_campaign_new")
    add(
        both,
        r"/campaign/{campaign_id:\d+}/edit",
        Capability.CAMPAIGN,
        area.edit_campaign,
        "web_campaign_edit",
    )
    add(both, "/campaigns/import", Capability.CAMPAIGN, area.import_plan, "web_campaign_import",
        max_body=IMPORT_MAX_BODY)  # fmt: skip
    add(("GET",), "/sessions", Capability.ROSTER, area.sessions, "web_sessions")
    add(both, "/sessions/new", Capability.DRIVE_CREATE, area.new_session, "web_session_new")
    add(("GET",), r"/sessions/{drive_day_id:\d+}", Capability.ROSTER, area.session, "web_session")
    add(("GET",), r"/sessions/{drive_day_id:\d+}/fill.json", Capability.ROSTER, area.fill, "web_session_fill")
