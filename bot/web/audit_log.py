"""The web page's audit log: `GET /audit` (ORGANISER_ADMIN: an admin's), newest first, `PAGE` entries a
page (`?before=ID` for older ones), filtered by action and by actor (exact). Each entry as stored: the
time (in the area's time zone), the actor (`telegram:123`, `cli:lan`), the action (named through the
catalog where `wrec_action_<action>` exists, the stored name beside it), the target ids and the details.
The log holds ids, counts and action names only (`models.audit.record` refuses names, phones and health
data), so nothing here is joined to a name.
"""

from __future__ import annotations

from datetime import tzinfo

from aiohttp import web

from bot.web.pages import Pages, Visit
from bot.web.server import WebServer
from core.i18n import Translator
from domain import ids, limits
from domain.roles import Capability
from models import audit
from models.tables import AuditEntry

PAGE = 50


def action_name(action: str, t: Translator) -> str:
    key = "wrec_action_" + action.replace(".", "_")
    return t(key) if t.has(key) else action


def known_actions(t: Translator) -> list[str]:
    """The actions the catalog names, for the filter's suggestions."""
    prefix = "wrec_action_"
    return sorted(
        key.removeprefix(prefix).replace("_", ".", 1) for key in t.catalog if key.startswith(prefix)
    )


def _detail(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_detail(v) for v in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return "" if value is None else str(value)


def entry_view(entry: AuditEntry, t: Translator, tz: tzinfo) -> dict[str, object]:
    local = entry.at.astimezone(tz)
    return {
        "id": entry.id,
        "at": f"{t.date(local.date())} {local:%H:%M:%S}",
        "actor": entry.actor,
        "action": action_name(entry.action, t),
        "code": entry.action,
        "target": entry.target or "",
        "details": [(key, _detail(value)) for key, value in sorted((entry.details or {}).items())],
    }


class AuditPages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.app = pages.app

    async def index(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        action = " ".join(request.query.get("action", "").split())[: limits.ACTION]
        actor = " ".join(request.query.get("actor", "").split())[: limits.ACTOR]
        before_text = request.query.get("before", "").strip()
        before = ids.parse_int(before_text, minimum=1, maximum=ids.MAX_BIG_ID) if before_text else None
        error = t("wrec_err_before", value=before_text) if before_text and before is None else ""
        rows = await audit.newest(visit.db, limit=PAGE + 1, before=before, action=action, actor=actor)
        older = rows[PAGE - 1].id if len(rows) > PAGE else None
        tz = self.app.settings.tz
        return self.pages.render(
            t,
            "audit.html",
            status=400 if error else 200,
            visit=visit,
            entries=[entry_view(e, t, tz) for e in rows[:PAGE]],
            action=action,
            actor=actor,
            error=error,
            older=older,
            paged=before is not None,
            actions=known_actions(t),
        )


def mount(server: WebServer, pages: Pages) -> None:
    """Adds this area's routes."""
    area = AuditPages(pages)
    server.add_route("GET", "/audit", pages.page(Capability.ORGANISER_ADMIN, area.index), name="web_audit")
