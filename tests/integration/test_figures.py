"""The figures of a seeded year, counted by models.figures and checked against sums worked out by hand.

The data set (2026 unless said; today 23/11/2026):

  campaigns  C1 "Chủ nhật đỏ 2026" (tag chu-nhat-do, target 10 units): D1 01/03, D2 08/03
             C2 "Hè 2026" (tags he, hanh-trinh-do, target 4 units): D3 05/07
             C3 "Xuân hồng 2025" (2025): D0 01/02/2025
  year targets 2026: 8 units, 50 % repeat, 30 % of 350 ml+, 4 reserve donors, 3 emergency-ready
  quotas 2026: ward Tam Lưu 4 units, ward Nam An Phụ 2 units, "Trường THPT Kinh Môn" 2 units / 10 staff
  population 1,000

  donor ward        organisation           reserve group  donations (desk unless said)
  A     Tam Lưu     Trường THPT Kinh Môn   yes     O+     D0 350 (2025), D1 350, D3 450
  B     Tam Lưu     Trường THPT Kinh Môn   yes     A+     self-reported 01/05/2024, D1 250; away to 01/12
  C     Nhị Chiểu   Công ty May 10         yes     B+     D2 350, 20/11 no drive day, no volume
  D     Nhị Chiểu   -                      no      O-     D2 250
  E     Tam Lưu     -                      yes     ?      (deferred at D1 and D3)
  F     Bắc An Phụ  -                      yes     AB+    (cancelled D1, deferred at D2)
  G     Tam Lưu     -                      no      O+     D0 450 (2025); signed up to D2, never came
  (erased)                                                D3 350, its sign-up kept as donated
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from domain.figures import Figures, QuotaLine, Scope, Share, Tag, TagLine, Target
from domain.plan_file import QuotaEntry, TargetValues
from domain.rules_file import load_rules
from models import figures, quotas
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import Campaign, ChannelAccount, Donation, Donor, DriveDay, Signup
from tests.helpers import make_settings

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Kinh Môn
TODAY = date(2026, 11, 23)
SCHOOL = "Trường THPT Kinh Môn"
AREA = Scope.area()


@dataclass
class Seeded:
    settings: Settings
    session: AsyncSession
    c1: int
    c2: int
    c3: int

    async def figures(self, scope: Scope = AREA, **filters: object) -> Figures:
        return await figures.figures(
            self.session,
            scope=scope,
            settings=self.settings,
            rules=load_rules(self.settings.knowledge.rules),
            today=TODAY,
            now=NOW,
            **filters,  # type: ignore[arg-type]
        )


def _donor(n: int, ward: str, *, group: str | None, reserve: bool, organisation: str | None = None) -> Donor:
    return Donor(
        full_name=f"Người {n}",
        phone=f"+8491234560{n}",
        date_of_birth=date(1990, 1, 1),
        sex="male",
        weight_kg=60.0,
        blood_abo=group[:-1] if group else None,
        blood_rh=group[-1] if group else None,
        ward=ward,
        organisation=organisation,
        is_reserve=reserve,
        consent_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.fixture
async def seeded(database_url: str, tmp_path: Path) -> AsyncIterator[Seeded]:
    await upgrade_database_async(database_url)
    settings = make_settings(tmp_path, database_url=database_url, area={"population": 1000})
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            campaigns = [
                Campaign(key="cnd-2026", name="Chủ nhật đỏ 2026", year=2026, target_units=10),
                Campaign(key="he-2026", name="Hè 2026", year=2026, target_units=4),
                Campaign(key="xuan-2025", name="Xuân hồng 2025", year=2025),
            ]
            session.add_all(campaigns)
            await session.flush()
            c1, c2, c3 = (c.id for c in campaigns)

            def day(campaign: int, key: str, when: date) -> DriveDay:
                return DriveDay(
                    campaign_id=campaign,
                    key=key,
                    day=when,
                    start_time=time(7),
                    end_time=time(11),
                    place_name="Nhà văn hoá",
                    capacity=50,
                )

            d0, d1, d2, d3 = days = [
                day(c3, "d0", date(2025, 2, 1)),
                day(c1, "d1", date(2026, 3, 1)),
                day(c1, "d2", date(2026, 3, 8)),
                day(c2, "d3", date(2026, 7, 5)),
            ]
            session.add_all(days)
            a = _donor(1, "Tam Lưu", group="O+", reserve=True, organisation=SCHOOL)
            b = _donor(2, "Tam Lưu", group="A+", reserve=True, organisation=SCHOOL)
            c = _donor(3, "Nhị Chiểu", group="B+", reserve=True, organisation="Công ty May 10")
            d = _donor(4, "Nhị Chiểu", group="O-", reserve=False)
            e = _donor(5, "Tam Lưu", group=None, reserve=True)
            f = _donor(6, "Bắc An Phụ", group="AB+", reserve=True)
            g = _donor(7, "Tam Lưu", group="O+", reserve=False)
            b.away_until = date(2026, 12, 1)
            people = [a, b, c, d, e, f, g]
            session.add_all(people)
            await session.flush()
            for n, person in enumerate(people, start=1):
                session.add(
                    ChannelAccount(platform="telegram", user_id=str(n), chat_id=str(n), donor_id=person.id)
                )
            a.last_donation_on, b.last_donation_on = date(2026, 7, 5), date(2026, 3, 1)
            c.last_donation_on, d.last_donation_on = date(2026, 11, 20), date(2026, 3, 8)
            g.last_donation_on = date(2025, 2, 1)

            def gave(who: Donor | None, when: date, volume: int | None, drive: DriveDay | None) -> Donation:
                return Donation(
                    donor_id=None if who is None else who.id,
                    donated_on=when,
                    volume_ml=volume,
                    drive_day_id=None if drive is None else drive.id,
                    created_at=NOW,
                )

            session.add_all(
                [
                    gave(a, date(2025, 2, 1), 350, d0),
                    gave(a, date(2026, 3, 1), 350, d1),
                    gave(a, date(2026, 7, 5), 450, d3),
                    Donation(donor_id=b.id, donated_on=date(2024, 5, 1), self_reported=True, created_at=NOW),
                    gave(b, date(2026, 3, 1), 250, d1),
                    gave(c, date(2026, 3, 8), 350, d2),
                    gave(c, date(2026, 11, 20), None, None),
                    gave(d, date(2026, 3, 8), 250, d2),
                    gave(g, date(2025, 2, 1), 450, d0),
                    gave(None, date(2026, 7, 5), 350, d3),
                ]
            )

            def signup(who: Donor | None, drive: DriveDay, status: str, reason: str | None = None) -> Signup:
                return Signup(
                    donor_id=None if who is None else who.id,
                    drive_day_id=drive.id,
                    slot_start=time(7),
                    status=status,
                    deferral_reason=reason,
                )

            session.add_all(
                [
                    signup(a, d1, "donated"),
                    signup(b, d1, "donated"),
                    signup(e, d1, "deferred", "Huyết sắc tố thấp"),
                    signup(f, d1, "cancelled"),
                    signup(c, d2, "donated"),
                    signup(d, d2, "donated"),
                    signup(g, d2, "active"),
                    signup(f, d2, "deferred", "Huyết sắc tố thấp"),
                    signup(a, d3, "donated"),
                    signup(None, d3, "donated"),
                    signup(e, d3, "deferred", "Huyết áp cao"),
                    signup(d, d3, "checked_in"),
                ]
            )
            await session.flush()
            await quotas.set_targets(
                session,
                year=2026,
                values=TargetValues(
                    units=8, repeat_share=0.5, share_350=0.3, reserve_donors=4, emergency_ready=3
                ),
                replace=True,
                actor="test",
                now=NOW,
            )
            for entry in (
                QuotaEntry("ward", "Tam Lưu", units=4),
                QuotaEntry("ward", "Nam An Phụ", units=2),
                QuotaEntry("organisation", SCHOOL, units=2, headcount=10),
            ):
                await quotas.set_quota(session, entry, year=2026, actor="test", now=NOW)
            for campaign, tags in (
                (campaigns[0], [Tag.CHU_NHAT_DO]),
                (campaigns[1], [Tag.HE, Tag.HANH_TRINH_DO]),
            ):
                await quotas.set_tags(session, campaign, tags, actor="test", now=NOW)
            yield Seeded(settings, session, c1, c2, c3)
    finally:
        await engine.dispose()


async def test_the_year_figures_of_the_area(seeded: Seeded) -> None:
    got = await seeded.figures(year=2026, history_years=4)
    # sign-ups of D1-D3 but F's cancelled one: A B E | C D G F | A erased E D = 11;
    # checked in: all but G (active) = 10; donated A B C D A erased = 6; deferred E F E = 3
    assert (got.funnel.registered, got.funnel.checked_in, got.funnel.donated, got.funnel.deferred) == (
        11,
        10,
        6,
        3,
    )
    assert got.deferrals == (("Huyết sắc tố thấp", 2), ("Huyết áp cao", 1))
    # units: A 2 + B 1 + C 2 (one without a drive day) + D 1 + erased 1 = 7; target 8: 87.5 %, 1 below
    assert got.units == Target(7, 8)
    assert got.units.percent == pytest.approx(87.5)
    assert got.units.difference == -1
    assert got.population_share == pytest.approx(7 / 1000)
    # 250: B D; 350: A C erased; 450: A; unknown: C's 20/11 -> 350+ = 4 of the 6 with a volume
    v = got.volumes
    assert (v.ml250, v.ml350, v.ml450, v.unknown) == (2, 3, 1, 1)
    assert v.share_350_plus == Share(4, 6, 0.3)
    assert v.share_350_plus.met is True
    # A (2025 before) and B (self-reported 2024) are repeat donors; C and D first-time: 2 of 4 = 50 %
    assert (got.donors.first_time, got.donors.repeat) == (2, 2)
    assert got.donors.repeat_share == Share(2, 4, 0.5)
    # 2025: A and G, both first-time then
    assert got.repeat_by_year == ((2025, Share(0, 2)), (2026, Share(2, 4, 0.5)))
    # cumulative: 01/03 A B = 2; 08/03 C D = 4; 05/07 A erased = 6; 20/11 C = 7
    assert got.progress == (
        (date(2026, 3, 1), 2),
        (date(2026, 3, 8), 4),
        (date(2026, 7, 5), 6),
        (date(2026, 11, 20), 7),
    )
    # Tam Lưu: A 2 + B 1 = 3 of 4 (75 %); Nam An Phụ: 0 of 2; Nhị Chiểu (no quota): C 2 + D 1 = 3
    assert got.wards == (
        QuotaLine("ward", "Tam Lưu", Target(3, 4), donors=2),
        QuotaLine("ward", "Nam An Phụ", Target(0, 2), donors=0),
        QuotaLine("ward", "Nhị Chiểu", Target(3), donors=2),
    )
    assert got.wards[0].units.percent == pytest.approx(75.0)
    assert got.wards[1].units.percent == pytest.approx(0.0)
    assert got.unattributed_units == 1  # the erased donor's
    # the school: A 2 + B 1 = 3 units of 2 (150 %, 1 above); 2 of its 10 staff gave (20 %)
    school, company = got.organisations
    assert school == QuotaLine("organisation", SCHOOL, Target(3, 2), donors=2, headcount=10)
    assert school.units.percent == pytest.approx(150.0)
    assert school.units.difference == 1
    assert school.staff_share == Share(2, 10)
    assert company == QuotaLine("organisation", "Công ty May 10", Target(2), donors=1)
    # reserve: A O+, B A+, C B+, E unknown, F AB+ = 5 of 4 (125 %)
    assert got.reserve_by_group == (("O+", 1), ("A+", 1), ("B+", 1), ("AB+", 1), ("?", 1))
    assert got.reserve == Target(5, 4)
    # ready today: A (last gave 05/07, 141 days ago) and F (never gave); B is away, C gave 3 days ago,
    # E's group is unknown: 2 of 3
    assert got.emergency_ready == Target(2, 3)
    # C1: D1 A B + D2 C D = 4 units of 10; C2: D3 A erased = 2 of 4 (both of its tags)
    assert got.by_tag == (
        TagLine(Tag.CHU_NHAT_DO, 1, Target(4, 10)),
        TagLine(Tag.HE, 1, Target(2, 4)),
        TagLine(Tag.HANH_TRINH_DO, 1, Target(2, 4)),
    )


async def test_a_ward_organiser_sees_only_their_ward(seeded: Seeded) -> None:
    got = await seeded.figures(Scope.ward("Tam Lưu"), year=2026)
    # Tam Lưu's donors A B E G: sign-ups A×2 B E×2 G = 6, checked in 5, donated 3, deferred 2
    assert (got.funnel.registered, got.funnel.checked_in, got.funnel.donated, got.funnel.deferred) == (
        6,
        5,
        3,
        2,
    )
    assert got.deferrals == (("Huyết sắc tố thấp", 1), ("Huyết áp cao", 1))
    # units A 2 + B 1 = 3, against the ward's quota of 4
    assert got.units == Target(3, 4)
    assert got.population_share is None
    assert (got.volumes.ml250, got.volumes.ml350, got.volumes.ml450) == (1, 1, 1)
    assert (got.donors.first_time, got.donors.repeat) == (0, 2)
    assert got.wards == (QuotaLine("ward", "Tam Lưu", Target(3, 4), donors=2),)
    assert [line.name for line in got.organisations] == [SCHOOL]
    assert got.reserve_by_group == (("O+", 1), ("A+", 1), ("?", 1))  # A B E
    assert got.emergency_ready.actual == 1  # A
    assert got.progress == ((date(2026, 3, 1), 2), (date(2026, 7, 5), 3))
    assert got.by_tag == (
        TagLine(Tag.CHU_NHAT_DO, 1, Target(2, 10)),
        TagLine(Tag.HE, 1, Target(1, 4)),
        TagLine(Tag.HANH_TRINH_DO, 1, Target(1, 4)),
    )


async def test_an_organisation_against_its_quota(seeded: Seeded) -> None:
    got = await seeded.figures(Scope.organisation(SCHOOL), year=2026)
    assert got.units == Target(3, 2)  # A 2 + B 1, quota 2
    assert got.wards == (QuotaLine("ward", "Tam Lưu", Target(3, 4), donors=2),)
    assert got.organisations == (QuotaLine("organisation", SCHOOL, Target(3, 2), donors=2, headcount=10),)
    assert got.reserve == Target(2, 4)  # A B
    assert got.emergency_ready.actual == 1  # A (B is away)


async def test_one_campaign(seeded: Seeded) -> None:
    got = await seeded.figures(campaign_ids=[seeded.c1])
    # D1 + D2: A B E (F cancelled) | C D G F = 7; checked in 6; donated A B C D = 4; deferred E F = 2
    assert (got.funnel.registered, got.funnel.checked_in, got.funnel.donated, got.funnel.deferred) == (
        7,
        6,
        4,
        2,
    )
    assert got.units == Target(4, 10)
    assert got.units.percent == pytest.approx(40.0)
    assert got.units.difference == -6
    # A (gave in 2025) and B (self-reported) repeat; C D first-time
    assert (got.donors.first_time, got.donors.repeat) == (2, 2)
    assert got.by_tag == (TagLine(Tag.CHU_NHAT_DO, 1, Target(4, 10)),)


async def test_a_named_campaign_across_campaigns(seeded: Seeded) -> None:
    ids = await quotas.campaigns_tagged(seeded.session, Tag.HE, year=2026)
    assert ids == [seeded.c2]
    got = await seeded.figures(campaign_ids=ids)
    assert got.units == Target(2, 4)  # A and the erased donor at D3
    assert (got.volumes.ml350, got.volumes.ml450) == (1, 1)
