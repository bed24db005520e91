"""The web page's donors: `GET /donors?q=` finds donors within the role's scope as the desk does (a phone
in any form, a check-in code, a name with or without diacritics: `models.desk.search` with its scope
filter), at most `services.donor_cards.WEB_LIMIT`; `GET /donors/{id}` shows one donor's card. Both need
ROSTER (the lists a scope allows are where a role sees names: ARCHITECTURE's threat model). A phone is
shown masked as the desk shows it (`handlers.desk.masked_phone`); the counts and the next possible day
are /hoso's (`services.donor_cards`). A search is audited `donor.search` (how it searched, how many were
found), a card `donor.view` (the donor's id): ids only. A card out of scope is 403 and audited as the
chat's refusals. Nothing here edits.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.pages import Pages, Refused, Visit
from bot.web.server import WebServer
from core.i18n import Translator
from domain import ids, limits
from domain.roles import Capability
from handlers.desk import masked_phone
from models import audit
from services import donor_cards
from services.reports.rosters import scope_name


def card_view(card: donor_cards.Card, t: Translator) -> dict[str, object]:
    """What a template shows of a card: texts ready, the phone masked."""
    if card.blood and card.blood_confirmed_on is not None:
        blood = t("wrec_blood_confirmed", group=card.blood, date=t.date(card.blood_confirmed_on))
    elif card.blood:
        blood = t("wrec_blood_stated", group=card.blood)
    else:
        blood = t("wrec_blood_unknown")
    if card.earliest is None:
        earliest = t("wrec_next_unknown")
    else:
        earliest = t("wrec_next_date", date=t.date(card.earliest))
    return {
        "id": card.donor_id,
        "name": card.name,
        "phone": masked_phone(card.phone),
        "ward": card.ward or t("wrec_no_ward"),
        "organisation": card.organisation or t("wrec_none"),
        "blood": blood,
        "confirmed": card.blood_confirmed_on is not None,
        "donations": card.donations,
        "last": t.date(card.last_donation_on) if card.last_donation_on else t("wrec_never"),
        "earliest": earliest,
        "reserve": t("wrec_reserve_yes") if card.reserve else t("wrec_reserve_no"),
        "clubs": ", ".join(card.clubs) if card.clubs else t("wrec_none"),
    }


class DonorPages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.app = pages.app

    async def search(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t, now, tz = visit.t, self.app.clock.now(), self.app.settings.tz
        query = " ".join(request.query.get("q", "").split())[: limits.FULL_NAME]
        found: donor_cards.Found | None = None
        if query:
            found = await donor_cards.search(
                visit.db, query, scope=visit.scope, rules=self.app.knowledge.rules, now=now, tz=tz
            )
            await audit.record(
                visit.db,
                actor=visit.opened.actor,
                action="donor.search",
                details={"by": found.kind, "found": len(found.cards), "via": "web"},
                now=now,
            )
        return self.pages.render(
            t,
            "donors.html",
            visit=visit,
            query=query,
            scope=scope_name(visit.scope, t),
            searched=found is not None,
            kind=found.kind if found else "",
            cards=[card_view(c, t) for c in found.cards] if found else [],
            more=found.more if found else False,
            limit=donor_cards.WEB_LIMIT,
        )

    async def card(self, request: web.Request, visit: Visit) -> web.StreamResponse:
        t, now, tz = visit.t, self.app.clock.now(), self.app.settings.tz
        number = ids.parse_id(request.match_info["donor_id"])
        inside = await donor_cards.in_scope(visit.db, number, visit.scope) if number is not None else None
        if number is None or inside is None:
            raise Refused(404, "wrec_donor_unknown")
        if not inside:
            await self.pages.audit_refusal(visit, f"donor:{number}", Capability.ROSTER)
            raise Refused(403, "wrec_donor_out_of_scope", id=number)
        (card,) = await donor_cards.cards(visit.db, [number], rules=self.app.knowledge.rules, now=now, tz=tz)
        await audit.record(
            visit.db,
            actor=visit.opened.actor,
            action="donor.view",
            target=f"donor:{number}",
            details={"via": "web"},
            now=now,
        )
        return self.pages.render(t, "donor.html", visit=visit, card=card_view(card, t))


def mount(server: WebServer, pages: Pages) -> None:
    """Adds this area's routes."""
    area = DonorPages(pages)
    server.add_route("GET", "/donors", pages.page(Capability.ROSTER, area.search), name="web_donors")
    server.add_route("GET", "/donors/{donor_id}", pages.page(Capability.ROSTER, area.card), name="web_donor")
