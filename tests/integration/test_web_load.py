"""Many browsers at once (bench/web.py measures it at 1,000,000 donors): every page answers, with its own
figures and roster, and each is audited; on SQLite the pages take the one writer in the order they came
(`Pages.turn`) instead of failing with "database is locked" behind a slow one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from models.tables import AuditEntry
from tests.integration.test_web_pages import site

BROWSERS = 12


async def test_many_browsers_at_once_each_get_their_page(tmp_path: Path, database_url: str) -> None:
    async with site(tmp_path, database_url) as s:
        staff = [s.bot.user(8800 + n, name=f"Cán bộ {n}") for n in range(BROWSERS)]
        browsers = []
        for person in staff:
            await s.bot.make_organiser(person)
            browsers.append(await s.logged_in(person))

        async def visit(n: int) -> tuple[int, str]:
            path = f"/campaign/{s.campaign_id}" if n % 2 else f"/roster/{s.ids['day']}"
            async with browsers[n].get(path) as response:
                return response.status, await response.text()

        try:
            answers = await asyncio.gather(*(visit(n) for n in range(BROWSERS) for _ in range(3)))
        finally:
            for browser in browsers:
                await browser.close()
        assert [status for status, _ in answers] == [200] * len(answers)
        for n, (_, page) in enumerate(answers):
            if (n // 3) % 2:
                assert "Kết quả chiến dịch «Ngày hội thử»" in page
            else:
                assert "Lan" in page and "0912 890 001" in page and "07:00" in page
        views = await s.bot.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.view")
        )
        rosters = await s.bot.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "roster.export")
        )
        assert (views, rosters) == (BROWSERS // 2 * 3, BROWSERS // 2 * 3)
