"""The desk's search on SQLite and PostgreSQL: by phone, code and folded name, within a scope, booked today
first, at most the limit and whether there are more."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain.figures import Scope
from models import desk
from models.tables import Campaign, DriveDay, Signup
from tests.integration.test_callouts import Factory, add_donor, sessions

__all__ = ["sessions"]  # the fixture

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def test_search_by_phone_code_and_name_within_the_scope(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        campaign = Campaign(key="c", name="C", year=2026)
        session.add(campaign)
        await session.flush()
        today = DriveDay(
            campaign_id=campaign.id, key="d", day=TODAY, start_time=time(7), end_time=time(11),
            place_name="Nhà văn hóa", capacity=10,
        )  # fmt: skip
        session.add(today)
        await session.flush()
        ids = [await add_donor(session, "Trần Thị Mai", phone=f"+8491200000{n}") for n in range(5)]
        booked = ids[3]
        session.add(Signup(drive_day_id=today.id, donor_id=booked, slot_start=time(7), code="K7M2QX"))
        other = await add_donor(session, "Trần Thị Mai", phone="+84912000009", ward="Nhị Chiểu")
    async with sessions() as session, session.begin():
        by_phone = await desk.search(session, "0912 000 002", scope=Scope.area(), today=TODAY)
        assert (by_phone.kind, [f.donor_id for f in by_phone.found]) == ("phone", [ids[2]])
        by_code = await desk.search(session, "k7m-2qx", scope=Scope.area(), today=TODAY)
        assert by_code.kind == "code" and by_code.found[0].donor_id == booked
        assert by_code.found[0].today is not None and by_code.found[0].today.code == "K7M2QX"
        by_name = await desk.search(session, "tran thi mai", scope=Scope.area(), today=TODAY, limit=3)
        assert by_name.kind == "name" and len(by_name.found) == 3 and by_name.more
        assert by_name.found[0].donor_id == booked, "booked today first"
        ward = await desk.search(session, "TRAN THI MAI", scope=Scope.ward("Nhị Chiểu"), today=TODAY)
        assert [f.donor_id for f in ward.found] == [other] and not ward.more
        outside = await desk.search(session, "+84912000002", scope=Scope.ward("Nhị Chiểu"), today=TODAY)
        assert outside.found == ()
        assert (await desk.search(session, "!!", scope=Scope.area(), today=TODAY)).kind == "none"
