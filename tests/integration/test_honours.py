"""The one donation count (earlier donations + rows), the honour list, the year's milestones and the
congratulation push, on both backends. Every expected value is counted by hand in the test."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from core.config import load_settings
from core.i18n import Catalogs
from domain.rules_file import load_rules
from models import donors, erasure, honours
from models.tables import AuditEntry, Donation, Donor, Outbox, Signup
from services import checkin
from tests.integration.test_drives import (
    NOW,
    ORGANISER,
    Factory,
    import_kinh_mon,
    make_donors,
    sessions,
    take,
)

__all__ = ["sessions"]  # the fixture, imported for this module's tests

SETTINGS = load_settings(environ={})  # [recognition] defaults: more than 15; 5, 10, 15, 20, 30 …
RULES = load_rules(SETTINGS.knowledge.rules)
CATALOGS = Catalogs()
DAY = date(2020, 8, 3)  # round 1 at Tam Lưu


async def add_rows(
    sessions: Factory, donor_id: int, *, recorded: int = 0, reported: date | None = None
) -> None:
    """`recorded` desk donations (one a month before round 1, no session) and a self-reported one."""
    async with sessions() as session, session.begin():
        for n in range(recorded):
            session.add(
                Donation(
                    donor_id=donor_id,
                    donated_on=date(2019, 1 + n % 12, 1),
                    self_reported=False,
                    created_at=NOW,
                )
            )
        donor = await session.get(Donor, donor_id)
        assert donor is not None
        if reported is not None:
            await donors.set_reported_last_donation(session, donor, reported, now=NOW)


async def set_earlier(
    sessions: Factory, donor_id: int, count: int | None, *, organiser: bool = False
) -> None:
    async with sessions() as session, session.begin():
        donor = await session.get(Donor, donor_id)
        assert donor is not None
        if organiser:
            assert count is not None
            await honours.correct_earlier(session, donor, count, actor="cli:lan", now=NOW)
        else:
            donor.earlier_donations = count


async def count_of(sessions: Factory, donor_id: int) -> int:
    async with sessions() as session:
        return await honours.total_count(session, donor_id)


async def test_the_count_adds_desk_donations_to_the_earlier_ones_that_cover_the_reported_one(
    sessions: Factory,
) -> None:
    a, b, c, d = await make_donors(sessions, 4)
    await add_rows(sessions, a, recorded=2)  # nothing said before the bot: 2
    await add_rows(sessions, b, recorded=2, reported=date(2018, 5, 1))  # + the reported one: 3
    await add_rows(sessions, c, recorded=2, reported=date(2018, 5, 1))
    await set_earlier(sessions, c, 6)  # "6 times, counting the last": 6 + 2 desk = 8
    await set_earlier(sessions, d, 0)  # never donated, nothing since: 0
    assert [await count_of(sessions, x) for x in (a, b, c, d)] == [2, 3, 8, 0]
    assert await count_of(sessions, 9999) == 0, "an unknown donor"


async def test_an_organisers_correction_changes_the_count_and_is_audited(sessions: Factory) -> None:
    [donor] = await make_donors(sessions, 1)
    await add_rows(sessions, donor, recorded=1, reported=date(2019, 12, 1))
    await set_earlier(sessions, donor, 3)  # the donor said 3: 3 + 1 = 4
    assert await count_of(sessions, donor) == 4
    await set_earlier(sessions, donor, 14, organiser=True)  # the records say 14: 14 + 1 = 15
    assert await count_of(sessions, donor) == 15
    async with sessions() as session:
        row = await session.get(Donor, donor)
        assert row is not None and (row.earlier_donations, row.earlier_checked_at) == (14, NOW)
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "donor.earlier_count"))
        assert entry is not None
        assert (entry.actor, entry.target, entry.details) == (
            "cli:lan",
            f"donor:{donor}",
            {"from": 3, "to": 14},
        )


async def test_the_honour_list_counts_corrections_and_is_scoped_by_ward(sessions: Factory) -> None:
    tam = await make_donors(sessions, 4)  # "Người hiến 0".."3", Tam Lưu
    async with sessions() as session, session.begin():  # one of another ward
        other = await donors.register(
            session,
            donors.NewDonor(
                full_name="Vũ Văn Bắc",
                phone="+84912999001",
                date_of_birth=date(1980, 1, 1),
                sex="male",
                blood_abo="A",
                blood_rh="+",
                weight_kg=70.0,
                ward="Bắc An Phụ",
                organisation=None,
                is_reserve=False,
                language="vi",
                last_donation_on=date(2019, 6, 1),
                earlier_donations=20,
            ),
            platform="telegram",
            user_id="9001",
            chat_id="9001",
            now=NOW,
        )
    await set_earlier(sessions, tam[0], 15)  # 15 + 1 desk = 16: more than 15
    await add_rows(sessions, tam[0], recorded=1)
    await set_earlier(sessions, tam[1], 15)  # exactly 15: not more than 15
    await set_earlier(sessions, tam[2], 10)  # said 10, the records say 18 (+ 0): 18
    await set_earlier(sessions, tam[2], 18, organiser=True)
    await add_rows(sessions, tam[3], recorded=3)  # 3
    # other: 20 stated, covering the reported last donation: 20
    async with sessions() as session:
        everyone = await honours.honour_list(session, more_than=15)
        tam_luu = await honours.honour_list(session, more_than=15, ward="Tam Lưu")
        low = await honours.honour_list(session, more_than=2, ward="Tam Lưu")
    assert [(r.full_name, r.ward, r.count, r.earlier) for r in everyone] == [
        ("Vũ Văn Bắc", "Bắc An Phụ", 20, 20),
        ("Người hiến 2", "Tam Lưu", 18, 18),
        ("Người hiến 0", "Tam Lưu", 16, 15),
    ]
    assert [(r.donor_id, r.count) for r in tam_luu] == [(tam[2], 18), (tam[0], 16)]
    assert [(r.full_name, r.count) for r in low] == [
        ("Người hiến 2", 18),
        ("Người hiến 0", 16),
        ("Người hiến 1", 15),
        ("Người hiến 3", 3),
    ]
    assert other.id not in {r.donor_id for r in tam_luu}


async def test_milestones_in_a_year_are_the_crossings_by_donations_of_that_year(sessions: Factory) -> None:
    a, b, c, d, e, f = await make_donors(sessions, 6)
    async with sessions() as session, session.begin():

        def give(donor_id: int, *days: date, reported: bool = False) -> None:
            for day in days:
                session.add(
                    Donation(donor_id=donor_id, donated_on=day, self_reported=reported, created_at=NOW)
                )

        give(
            a, date(2019, 3, 1), date(2019, 9, 1), date(2020, 2, 1)
        )  # 8 earlier + 2 by 2019 = 10, +1 in 2020
        give(b, date(2020, 4, 1), date(2020, 8, 1))  # 3 earlier → 5 in 2020
        give(c, date(2020, 5, 1))  # 20 earlier, the correction: 21, no milestone
        give(d, date(2020, 6, 1), reported=True)  # 5 earlier "counting the last one": still 5
        # no earlier count: the rows alone, 4 by 2019 and the fifth in 2020 (self-reported one included)
        give(e, date(2018, 1, 1), reported=True)
        give(e, date(2018, 6, 1), date(2019, 1, 1), date(2019, 6, 1), date(2020, 1, 1))
        give(f, date(2019, 6, 1), date(2020, 7, 1))  # 2 in all: below every milestone
        for donor_id, earlier in ((a, 8), (b, 3), (c, 20), (d, 5)):
            row = await session.get(Donor, donor_id)
            assert row is not None
            row.earlier_donations = earlier
    async with sessions() as session:
        in_2020 = await honours.milestones_in_year(
            session, year=2020, milestones=SETTINGS.recognition.milestones
        )
        in_2019 = await honours.milestones_in_year(
            session, year=2019, milestones=SETTINGS.recognition.milestones
        )
        only_5 = await honours.milestones_in_year(session, year=2020, milestones=(5, 10), milestone=5)
        other_ward = await honours.milestones_in_year(
            session, year=2020, milestones=(5, 10), ward="Nhị Chiểu"
        )
    assert [(r.donor_id, r.milestone, r.count) for r in in_2020] == [(b, 5, 5), (e, 5, 5)]
    assert [(r.donor_id, r.milestone, r.count) for r in in_2019] == [(a, 10, 10)]
    assert [r.donor_id for r in only_5] == [b, e]
    assert other_ward == []


async def record(sessions: Factory, signup: Signup, *, donated: bool, at: datetime) -> None:
    async with sessions() as session, session.begin():
        await checkin.record_result(
            session,
            settings=SETTINGS,
            catalogs=CATALOGS,
            rules=RULES,
            signup_id=signup.id,
            donated=donated,
            volume_ml=350 if donated else None,
            deferral_reason=None if donated else "huyết áp cao",
            donated_on=DAY,
            actor=ORGANISER,
            now=at,
        )


async def milestone_rows(sessions: Factory) -> list[tuple[str, str, int | None, str]]:
    async with sessions() as session:
        rows = (await session.scalars(select(Outbox).where(Outbox.kind == "milestone"))).all()
        return [(r.key, r.status, r.about_donor_id, r.payload["text"]) for r in rows]


async def test_reaching_a_milestone_at_the_desk_congratulates_once(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    [donor, other] = await make_donors(sessions, 2)
    await add_rows(sessions, donor, reported=date(2020, 1, 10))
    await set_earlier(sessions, donor, 9)  # 9 before the bot, the reported one among them
    await add_rows(sessions, other, recorded=2)  # 2 → 3 at the desk: no milestone
    signup = await take(sessions, ids["r1-tam-luu"], donor, time(7, 0))
    their = await take(sessions, ids["r1-tam-luu"], other, time(7, 0))
    assert isinstance(signup, Signup) and isinstance(their, Signup)
    at = datetime(2020, 8, 3, 1, 0, tzinfo=UTC)  # 08:00 in Kinh Môn

    await record(sessions, signup, donated=True, at=at)  # 9 → 10
    await record(sessions, their, donated=True, at=at)
    key = f"milestone:{donor}:10:p{donor}"
    [(got_key, status, about, text)] = await milestone_rows(sessions)
    assert (got_key, status, about) == (key, "pending", donor)
    assert text.startswith("🎉 Chúc mừng Người hiến 0! Bạn vừa tròn 10 lần hiến máu tình nguyện.")
    assert "Mốc tiếp theo: 15 lần." in text
    async with sessions() as session:
        thanks = await session.scalar(
            select(Outbox).where(Outbox.kind == "thanks", Outbox.about_donor_id == donor)
        )
        assert thanks is not None and "Đây là lần hiến thứ 10 được ghi nhận" in thanks.payload["text"]
        row = await session.scalar(select(Outbox).where(Outbox.key == key))
        assert row is not None and row.due_at == at + timedelta(minutes=10)

    await record(sessions, signup, donated=True, at=at)  # recorded again (the volume confirmed)
    assert [r[:2] for r in await milestone_rows(sessions)] == [(key, "pending")]

    await record(sessions, signup, donated=False, at=at)  # corrected to deferred before it went: withdrawn
    assert await milestone_rows(sessions) == []
    async with sessions() as session:
        assert await honours.total_count(session, donor) == 9

    await record(sessions, signup, donated=True, at=at)  # donated after all: queued again, once
    assert [r[:2] for r in await milestone_rows(sessions)] == [(key, "pending")]
    async with sessions() as session, session.begin():  # the delivery loop sends it
        row = await session.scalar(select(Outbox).where(Outbox.key == key))
        assert row is not None
        row.status = "sent"
    await record(sessions, signup, donated=False, at=at)  # a correction after it went: stays sent
    await record(sessions, signup, donated=True, at=at)  # and recorded again: not sent twice
    assert [r[:2] for r in await milestone_rows(sessions)] == [(key, "sent")]


async def test_erasure_removes_the_earlier_count_from_every_list(sessions: Factory) -> None:
    [donor] = await make_donors(sessions, 1)
    await set_earlier(sessions, donor, 30, organiser=True)
    async with sessions() as session:
        assert [r.donor_id for r in await honours.honour_list(session, more_than=15)] == [donor]
    async with sessions() as session, session.begin():
        row = await session.get(Donor, donor)
        assert row is not None
        await erasure.erase(session, row, today=DAY)
    async with sessions() as session:
        assert await session.get(Donor, donor) is None
        assert await honours.honour_list(session, more_than=0) == []
        assert await honours.total_count(session, donor) == 0
        entry = await session.scalar(
            select(AuditEntry.details).where(AuditEntry.action == "donor.earlier_count")
        )
        assert entry == {"from": None, "to": 30}, "the log names a donor id that no longer exists"
