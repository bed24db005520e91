"""`services.imports.donors.import_rows` on both backends: checked rows (as a club's member list would give
them) written a batch at a time, a second run changes nothing, a donor on record only gets empty fields
filled, and the audit entry holds counts only. The exports' donor rows read them back with their counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from domain.figures import Scope
from models import donors, imports
from models.tables import AuditEntry, Donation, Donor
from services.imports.donors import import_rows
from services.imports.rows import DonorRow
from tests.integration.test_models_contract import new_donor, sessions  # noqa: F401 - the fixture

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def rows(count: int) -> list[DonorRow]:
    return [
        DonorRow(
            row=n + 2,
            full_name=f"Người Số {chr(65 + n % 26)}",
            phone=f"+849{10_000_000 + n:08d}",
            date_of_birth=date(1990, 1, 1 + n % 28),
            sex="male" if n % 2 else "female",
            blood_abo="O" if n % 3 else None,
            blood_rh="+" if n % 3 else None,
            ward="Tam Lưu",
            earlier_donations=n % 5 or None,
            last_donation_on=date(2019, 4, 12) if n % 4 == 0 else None,
            is_reserve=n % 7 == 0,
        )
        for n in range(count)
    ]


async def test_rows_in_batches_again_change_nothing(sessions) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    async with sessions() as session, session.begin():
        await donors.register(
            session,
            new_donor("+84910000001", ward=None, blood_abo=None, blood_rh=None, last_donation_on=None),
            platform="telegram",
            user_id="1",
            chat_id="1",
            now=NOW,
        )
    async with sessions() as session, session.begin():
        tally = await import_rows(
            session, rows(2500), consent_date=date(2019, 8, 7), actor="cli:test", now=NOW
        )
    assert (tally.new, tally.unchanged, tally.updated) == (2499, 0, 1)
    async with sessions() as session, session.begin():
        again = await import_rows(
            session, rows(2500), consent_date=date(2019, 8, 7), actor="cli:test", now=NOW
        )
    assert (again.new, again.unchanged, again.updated) == (0, 2500, 0)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Donor)) == 2500
        assert (
            await session.scalar(select(func.count()).where(Donor.consent_source == "import_paper")) == 2499
        )
        assert await session.scalar(select(func.count()).select_from(Donation)) == 625  # 1 in 4 had one
        chat = await session.scalar(select(Donor).where(Donor.phone == "+84910000001"))
        assert chat is not None
        # The chat's own data stays; the list filled the empty ward and blood group (row 1 has no donation).
        assert (chat.full_name, chat.consent_source, chat.ward, chat.blood_abo) == (
            "Nguyễn Thị Lan",
            "chat",
            "Tam Lưu",
            "O",
        )
        imported = await session.scalar(select(Donor).where(Donor.phone == "+84910000000"))
        assert imported is not None
        assert (imported.last_donation_on, imported.last_donation_kind) == (date(2019, 4, 12), "whole_blood")
        assert (imported.consent_form_on, imported.consent_taken_by) == (date(2019, 8, 7), "cli:test")
        details = (
            await session.scalars(select(AuditEntry.details).where(AuditEntry.action == "import.donors"))
        ).all()
        assert [d["new"] for d in details] == [2499, 0]
        exported = [row async for row in imports.export_rows(session, Scope.ward("Tam Lưu"))]
        assert len(exported) == 2500
        counts = {row.phone: row.count for row in exported}
        assert counts["+84910000004"] == 4 and counts["+84910000000"] == 1
