"""The web page's transfers: the lists `donorbot export` writes, as downloads, and the donor import of
`donorbot import donors`, as an upload — the same service functions (`services.imports.exports`,
`services.imports.donors.import_file`), audited as the CLI audits them (with the web user as the actor).

* `GET /transfers` (EXPORT): the download links and, for the area's roles, the import form.
* `GET /transfers/export/{kind}` (EXPORT; `donors`, `honours?year=`, `callout?id=`; `format=xlsx|csv`):
  an attachment. The donors and the honour list are the role's scope's (the area's, a ward's or an
  organisation's: what `--scope` would give); a call-out's responders only for a role that holds that
  call-out (`Scope.holds_callout`, as its tally in the chat). A wrong year or id is said on the form.
* `POST /transfers/import/donors` (EXPORT, and the area's scope only: see `may_import`): the file, the
  paper consent forms' date, a club's key (a member list) and "skip bad rows". The upload is checked
  first — a dry run, nothing written — and its report shown on `GET /transfers/import/results`; its
  "Import" button (`POST /transfers/import/confirm`) runs it for real, with the options given. With bad
  rows nothing is written unless "skip bad rows" was ticked; a missing column refuses the whole file.
  The upload waits in `{data_dir}/web_imports/` (mode 0600, named by a hash of the web session's CSRF
  token, one per session) until it is imported or replaced, its report until the next upload; both
  an hour at most.
  Only the upload may carry more than `web.max_body_bytes`: up to `web.max_upload_bytes`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.web.pages import Pages, Refused, Visit
from bot.web.server import WebServer
from domain import ids
from domain.dates import parse_date
from domain.figures import Scope, ScopeKind
from domain.import_columns import DonorField
from domain.limits import CLUB_KEY
from domain.roles import Capability
from models import clubs, web_sessions
from models.tables import Callout
from services.imports import donors as donor_import
from services.imports import exports
from services.imports.reader import EXTENSIONS, FileUnreadable
from services.imports.rows import Limits, Problem
from services.reports.rosters import scope_name

FOLDER = "web_imports"
KEPT = timedelta(hours=1)  # an upload not imported is deleted after this
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
KINDS = ("donors", "honours", "callout")
RESULTS = "/transfers/import/results"


def may_import(scope: Scope) -> bool:
    """Imports are the area's (an admin's or an area organiser's), not a ward's or an organisation's:
    an import fills in what is missing on donors already on record, whoever's they are, and its counts
    say which phones are known — a scoped role would write to, and learn of, donors outside its scope."""
    return scope.kind is ScopeKind.AREA


# --- the pending upload and its report -----------------------------------------------------------------


def pending_key(visit: Visit) -> str:
    """The files' name for this web session: from its CSRF token (random, one per session; a session
    id may be given again once its row is gone), hashed, so the name gives nothing away."""
    return web_sessions.digest(visit.opened.csrf_token)[:32]


class Pending:
    """One web session's upload and report, as files in `{data_dir}/web_imports/`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _state(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def upload(self, key: str, suffix: str) -> Path:
        return self.folder / f"{key}{suffix}"

    def _sweep(self) -> None:
        """Deletes what is older than `KEPT` (by the files' own times: this is the disk's hygiene)."""
        if not self.folder.is_dir():
            return
        now = time.time()
        for path in self.folder.iterdir():
            try:
                if now - path.stat().st_mtime > KEPT.total_seconds():
                    path.unlink()
            except OSError:
                continue

    def save(self, key: str, suffix: str, source: Any) -> Path:
        """Keeps the uploaded file (readable by this process only), dropping an earlier one."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._sweep()
        self.drop(key)
        path = self.upload(key, suffix)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            source.seek(0)
            shutil.copyfileobj(source, out)
        return path

    def drop(self, key: str) -> None:
        for suffix in (*EXTENSIONS, ".json"):
            self.upload(key, suffix).unlink(missing_ok=True)

    def drop_upload(self, key: str) -> None:
        for suffix in EXTENSIONS:
            self.upload(key, suffix).unlink(missing_ok=True)

    def write(self, key: str, state: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._state(key), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(state, out, ensure_ascii=False)

    def read(self, key: str) -> dict[str, Any] | None:
        self._sweep()
        try:
            loaded = json.loads(self._state(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return loaded if isinstance(loaded, dict) else None


def _plain(value: object) -> object:
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def report_to_json(report: donor_import.FileReport) -> dict[str, Any]:
    return {
        "ignored": list(report.ignored),
        "missing": [[f.value for f in group] for group in report.missing],
        "problems": [
            {"row": p.row, "key": p.key, "params": {k: _plain(v) for k, v in p.params.items()}}
            for p in report.problems
        ],
        "rows": report.rows,
        "bad": report.bad,
        "tally": asdict(report.tally) if report.tally is not None else None,
        "refused": report.refused,
        "written": report.written,
    }


def report_from_json(data: dict[str, Any]) -> donor_import.FileReport:
    tally = data.get("tally")
    return donor_import.FileReport(
        ignored=tuple(data["ignored"]),
        missing=tuple(tuple(DonorField(f) for f in group) for group in data["missing"]),
        problems=[Problem(p["row"], p["key"], p["params"]) for p in data["problems"]],
        rows=data["rows"],
        bad=data["bad"],
        tally=donor_import.Tally(**tally) if tally is not None else None,
        refused=data["refused"],
        written=data["written"],
    )


# --- the pages -----------------------------------------------------------------------------------------


class TransferPages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.app = pages.app
        self.pending = Pending(self.app.settings.bot.data_dir / FOLDER)

    def _page(
        self,
        visit: Visit,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        typed: dict[str, str] | None = None,
    ) -> web.Response:
        t = visit.t
        today = self.app.clock.now().astimezone(self.app.settings.tz).date()
        kept = {"year": str(today.year), "id": "", "consent": "", "club": "", "skip": "", **(typed or {})}
        return self.pages.render(
            t,
            "transfers.html",
            status=status,
            visit=visit,
            scope=scope_name(visit.scope, t),
            may_import=may_import(visit.scope),
            holds_callouts=visit.scope.kind in (ScopeKind.AREA, ScopeKind.WARD),
            errors=errors or {},
            typed=kept,
            max_mb=self.app.settings.web.max_upload_bytes // (1024 * 1024),
        )

    async def index(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        return self._page(visit)

    # --- exports -------------------------------------------------------------------------------------

    async def export(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t, now = visit.t, self.app.clock.now()
        kind = request.match_info["kind"]
        fmt = request.query.get("format", "xlsx")
        if kind not in KINDS or fmt not in exports.FORMATS:
            raise Refused(404, "wrec_export_unknown")
        made: exports.Export | None
        if kind == "donors":
            made = await exports.donors_export(visit.db, visit.scope, t, fmt)
        elif kind == "honours":
            typed = request.query.get("year", "").strip()
            this_year = now.astimezone(self.app.settings.tz).year
            year = ids.parse_int(typed, minimum=2000, maximum=2100) if typed else this_year
            if year is None:
                error = t("wrec_err_year", value=typed)
                return self._page(visit, status=400, errors={"year": error}, typed={"year": typed})
            made = await exports.honours_export(
                visit.db,
                scope=visit.scope,
                year=year,
                recognition=self.app.settings.recognition,
                t=t,
                fmt=fmt,
            )
        else:
            typed = request.query.get("id", "").strip()
            number = ids.parse_id(typed.removeprefix("#"))
            callout = await visit.db.get(Callout, number) if number is not None else None
            if callout is None:
                key = "wrec_err_callout_id" if number is None else "wrec_err_callout_unknown"
                error = t(key, value=typed)
                status = 400 if number is None else 404
                return self._page(visit, status=status, errors={"id": error}, typed={"id": typed})
            if not visit.scope.holds_callout(wards=callout.wards, wards_only=callout.wards_only):
                await self.pages.audit_refusal(visit, f"callout:{callout.id}", Capability.EXPORT)
                raise Refused(403, "wrec_callout_out_of_scope", id=callout.id)
            made = await exports.callout_export(visit.db, callout.id, t, fmt)
            assert made is not None
        await exports.record_export(visit.db, made, actor=visit.opened.actor, now=now)
        return web.Response(
            body=made.content,
            content_type=MIME[fmt],
            charset="utf-8" if fmt == "csv" else None,
            headers={
                "Content-Disposition": f'attachment; filename="{made.filename}"',
                "Cache-Control": "no-store",
            },
        )

    # --- imports -------------------------------------------------------------------------------------

    async def _may_import(self, visit: Visit) -> None:
        if not may_import(visit.scope):
            await self.pages.audit_refusal(visit, "import:donors", Capability.EXPORT)
            raise Refused(403, "wrec_import_area_only")

    def _limits(self, today: date) -> Limits:
        settings = self.app.settings
        return Limits(
            wards=settings.area.wards,
            min_age=settings.registration.min_age,
            max_age=settings.registration.max_age,
            today=today,
        )

    async def _run(
        self, visit: Visit, path: Path, state: dict[str, Any], *, dry_run: bool
    ) -> donor_import.FileReport | None:
        """The import (`import_file`, as the CLI's), or None when the file cannot be read."""
        now = self.app.clock.now()
        try:
            return await donor_import.import_file(
                visit.db,
                path,
                limits=self._limits(now.astimezone(self.app.settings.tz).date()),
                consent_date=date.fromisoformat(state["consent"]),
                actor=visit.opened.actor,
                now=now,
                club_id=state["club_id"],
                skip_bad_rows=state["skip"],
                dry_run=dry_run,
            )
        except FileUnreadable:
            return None

    async def upload(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        await self._may_import(visit)
        t = visit.t
        form: MultiDictProxy[Any] = await request.post()
        today = self.app.clock.now().astimezone(self.app.settings.tz).date()
        consent_text = _text(form, "consent_date")
        club_text = _text(form, "club")[:CLUB_KEY]
        skip = form.get("skip") == "1"
        typed = {"consent": consent_text, "club": club_text, "skip": "1" if skip else ""}
        errors: dict[str, str] = {}
        upload = form.get("file")
        filename = getattr(upload, "filename", None) or ""
        suffix = Path(filename).suffix.lower()
        if not isinstance(upload, web.FileField) or suffix not in EXTENSIONS:
            errors["file"] = t("wrec_err_file")
        consent = parse_date(consent_text, today=today) if consent_text else None
        if consent is None:
            errors["consent"] = t("wrec_err_consent", value=consent_text)
        elif consent > today:
            errors["consent"] = t("wrec_err_consent_future")
        club_id = None
        if club_text:
            club = await clubs.by_key(visit.db, club_text)
            if club is None:
                errors["club"] = t("wrec_err_club", value=club_text)
            else:
                club_id = club.id
        if errors:
            return self._page(visit, status=400, errors=errors, typed=typed)
        assert isinstance(upload, web.FileField)
        assert consent is not None
        key = pending_key(visit)
        path = await asyncio.to_thread(self.pending.save, key, suffix, upload.file)
        state: dict[str, Any] = {
            "file": Path(filename).name,
            "suffix": suffix,
            "consent": consent.isoformat(),
            "club": club_text or None,
            "club_id": club_id,
            "skip": skip,
        }
        report = await self._run(visit, path, state, dry_run=True)
        if report is None:
            self.pending.drop(key)
            errors["file"] = t("wrec_err_unreadable", file=state["file"])
            return self._page(visit, status=400, errors=errors, typed=typed)
        if report.refused:
            self.pending.drop_upload(key)  # nothing to import from it
        self.pending.write(key, {**state, "stage": "checked", "report": report_to_json(report)})
        return _see_results()

    async def confirm(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        await self._may_import(visit)
        key = pending_key(visit)
        state = self.pending.read(key)
        path = self.pending.upload(key, state["suffix"]) if state else None
        if state is None or path is None or state.get("stage") != "checked" or not path.is_file():
            raise Refused(409, "wrec_results_none")
        report = await self._run(visit, path, state, dry_run=False)
        self.pending.drop_upload(key)
        if report is None:
            raise Refused(409, "wrec_results_none")
        self.pending.write(key, {**state, "stage": "done", "report": report_to_json(report)})
        return _see_results()

    async def results(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        await self._may_import(visit)
        t = visit.t
        state = self.pending.read(pending_key(visit))
        if state is None:
            raise Refused(404, "wrec_results_none")
        report = report_from_json(state["report"])
        text = donor_import.report_text(report, t, file=state["file"], club=state["club"])
        stage = state["stage"]
        if report.missing:
            outcome = ""  # the report's own line says nothing was imported
        elif report.refused:
            outcome = t("wrec_results_refused", bad=report.bad, rows=report.rows)
        elif stage == "done":
            outcome = t("wrec_results_written")
        else:
            outcome = t("wrec_results_checked")
        return self.pages.render(
            t,
            "transfer_results.html",
            visit=visit,
            text=text,
            outcome=outcome,
            refused=report.refused,
            confirm=stage == "checked" and not report.refused,
            done=stage == "done",
            consent=t.date(date.fromisoformat(state["consent"])),
            club=state["club"],
            skip=state["skip"],
        )


def _see_results() -> web.Response:
    """303 to the report (a form's POST, then a page that a reload does not post again)."""
    return web.Response(status=303, headers={"Location": RESULTS, "Cache-Control": "no-store"})


def _text(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name)
    return " ".join(value.split()) if isinstance(value, str) else ""


def mount(server: WebServer, pages: Pages) -> None:
    """Adds this area's routes."""
    area = TransferPages(pages)
    upload = pages.app.settings.web.max_upload_bytes
    server.add_route("GET", "/transfers", pages.page(Capability.EXPORT, area.index), name="web_transfers")
    server.add_route(
        "GET",
        "/transfers/export/{kind}",
        pages.page(Capability.EXPORT, area.export),
        name="web_transfers_export",
    )
    server.add_route(
        "POST",
        "/transfers/import/donors",
        pages.page(Capability.EXPORT, area.upload),
        name="web_transfers_import",
        max_body=upload,
    )
    server.add_route(
        "POST",
        "/transfers/import/confirm",
        pages.page(Capability.EXPORT, area.confirm),
        name="web_transfers_confirm",
    )
    server.add_route(
        "GET",
        RESULTS,
        pages.page(Capability.EXPORT, area.results),
        name="web_transfers_results",
    )
