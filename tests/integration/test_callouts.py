"""Emergency call-outs on SQLite and PostgreSQL: who matches and in what order, the organiser's preview,
answers (no more acceptances than units needed), waves and expiry, and the denormalised last donation."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Date, bindparam, event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import load_settings
from domain.calendar import nth_birthday
from domain.compatibility import RED_CELL_DONORS
from domain.rules_file import load_rules
from models import callout_criteria, callout_matching, callouts
from models.db import create_engine, session_factory, upgrade_database, upgrade_database_async
from models.tables import Callout, CalloutRecipient, ChannelAccount, Donation, Donor, UtcDateTime

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Kinh Môn
DAY = date(2026, 11, 23)
WARDS = ("Tam Lưu", "Nhị Chiểu", "Bắc An Phụ", "Nam An Phụ")
Factory = async_sessionmaker[AsyncSession]
_phones = itertools.count(1)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Factory]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


def criteria(
    needed: str = "O+",
    *,
    wards: tuple[str, ...] | None = ("Tam Lưu",),
    widen: bool = False,
    component: str = "whole_blood",
    exclude: int | None = None,
    max_calls: int = 3,
    ward_order: tuple[str, ...] = WARDS,
) -> callout_criteria.Criteria:
    settings = load_settings(environ={})
    return callout_criteria.criteria_for(
        load_rules(settings.knowledge.rules),
        needed=[needed],
        component=component,
        table=RED_CELL_DONORS if widen else None,
        wards=wards,
        ward_order=ward_order,
        day=DAY,
        max_calls_30d=max_calls,
        now=NOW,
        exclude_callout_id=exclude,
    )


async def add_donor(session: AsyncSession, name: str, **changes: Any) -> int:
    """A consenting O+ reserve donor in Tam Lưu, 36, 55 kg, never donated, with one reachable chat."""
    reachable = changes.pop("reachable", True)
    values: dict[str, Any] = {
        "full_name": name,
        "phone": f"+8490{next(_phones):07d}",
        "date_of_birth": date(1990, 1, 1),
        "sex": "female",
        "blood_abo": "O",
        "blood_rh": "+",
        "weight_kg": 55.0,
        "ward": "Tam Lưu",
        "is_reserve": True,
        "language": "vi",
        "consent_at": NOW - timedelta(days=300),
    }
    values.update(changes)
    donor = Donor(**values)
    session.add(donor)
    await session.flush()
    session.add(
        ChannelAccount(
            platform="telegram",
            user_id=f"u{donor.id}",
            chat_id=f"c{donor.id}",
            donor_id=donor.id,
            unreachable_at=None if reachable else NOW - timedelta(days=2),
            created_at=NOW - timedelta(days=300),
        )
    )
    await session.flush()
    return donor.id


def donated(days_ago: int, kind: str = "whole_blood") -> dict[str, Any]:
    return {"last_donation_on": DAY - timedelta(days=days_ago), "last_donation_kind": kind}


async def new_callout(session: AsyncSession, *, units: int = 2, **changes: Any) -> Callout:
    values: dict[str, Any] = {
        "created_by_account_id": None,
        "groups": ["O+"],
        "component": "whole_blood",
        "units_needed": units,
        "place": "Bệnh viện Đa khoa Kinh Môn",
        "address": "Phường An Lưu",
        "contact": "Khoa Huyết học, 0220 3821 234",
        "deadline": NOW + timedelta(hours=6),
        "wards": ["Tam Lưu"],
        "now": NOW,
    }
    values.update(changes)
    return await callouts.create(session, **values)


async def called(session: AsyncSession, donor_id: int, *times: datetime) -> None:
    """Records earlier call-outs that reached the donor at these times."""
    for at in times:
        earlier = await new_callout(session, now=at - timedelta(minutes=1), deadline=at + timedelta(hours=4))
        earlier.status = "closed"
        account = await session.scalar(select(ChannelAccount.id).where(ChannelAccount.donor_id == donor_id))
        assert account is not None
        session.add(
            CalloutRecipient(
                callout_id=earlier.id, donor_id=donor_id, account_id=account, wave=1, messaged_at=at
            )
        )
    await session.flush()


async def kinh_mon(sessions: Factory) -> dict[str, int]:
    """Donors of every kind: the ones that match an O+ call-out and the ones that must not."""
    ids: dict[str, int] = {}
    async with sessions() as session, session.begin():
        add = add_donor
        # Matching, in the expected order for an O+ call-out in Tam Lưu.
        ids["tam_luu_never"] = await add(session, "Tam Lưu, never donated")
        ids["tam_luu_2025"] = await add(session, "Tam Lưu, 2025", **donated(400))
        ids["tam_luu_platelets"] = await add(
            session, "Tam Lưu, platelets 3 weeks ago", **donated(21, "apheresis_platelets")
        )
        ids["nhi_chieu_back"] = await add(
            session, "Nhị Chiểu, back yesterday", ward="Nhị Chiểu", away_until=DAY - timedelta(days=1)
        )
        ids["nhi_chieu_2026"] = await add(session, "Nhị Chiểu, Jan 2026", ward="Nhị Chiểu", **donated(326))
        ids["bac_an_phu"] = await add(session, "Bắc An Phụ", ward="Bắc An Phụ", **donated(100))
        ids["nam_an_phu"] = await add(
            session, "Nam An Phụ, 45 kg man", ward="Nam An Phụ", sex="male", weight_kg=45.0
        )
        ids["no_ward"] = await add(session, "no ward", ward=None)
        ids["old_ward"] = await add(session, "a ward since merged", ward="Phường Cũ", **donated(200))
        ids["turns_18_today"] = await add(
            session, "turns 18 today", ward="Nam An Phụ", date_of_birth=date(2008, 11, 23), **donated(150)
        )
        ids["sixty_until_tomorrow"] = await add(
            session, "61 tomorrow", ward="Nam An Phụ", date_of_birth=date(1965, 11, 24), **donated(160)
        )
        # Not matching.
        ids["donated_5_weeks_ago"] = await add(session, "donated 5 weeks ago", **donated(35))
        ids["red_cells_5_weeks_ago"] = await add(
            session, "red cells 5 weeks ago", **donated(35, "apheresis_red_cells")
        )
        ids["blocked"] = await add(session, "blocked the bot", reachable=False)
        ids["not_reserve"] = await add(session, "not a reserve donor", is_reserve=False)
        ids["away"] = await add(session, "away until after the day", away_until=DAY + timedelta(days=3))
        ids["away_today"] = await add(session, "away until the day itself", away_until=DAY)
        ids["turns_18_tomorrow"] = await add(session, "17", date_of_birth=date(2008, 11, 24))
        ids["turns_61_today"] = await add(session, "61 today", date_of_birth=date(1965, 11, 23))
        ids["light"] = await add(session, "41 kg woman", weight_kg=41.0)
        ids["light_man"] = await add(session, "44.5 kg man", sex="male", weight_kg=44.5)
        ids["weight_unknown"] = await add(session, "weight unknown", weight_kg=None)
        ids["deferred"] = await add(
            session, "eligible again in 10 days", eligible_from=DAY + timedelta(days=10)
        )
        ids["called_3_times"] = await add(session, "called 3 times this month")
        ids["o_negative"] = await add(session, "O−", blood_rh="-", **donated(500))
        ids["a_positive"] = await add(session, "A+", blood_abo="A")
        ids["group_unknown"] = await add(session, "group unknown", blood_abo=None, blood_rh=None)
        await called(
            session,
            ids["called_3_times"],
            NOW - timedelta(days=2),
            NOW - timedelta(days=9),
            NOW - timedelta(days=29),
        )
        # Called 3 times too, but once more than 30 days ago: still matches.
        await called(
            session,
            ids["nhi_chieu_2026"],
            NOW - timedelta(days=3),
            NOW - timedelta(days=20),
            NOW - timedelta(days=31),
        )
    return ids


EXPECTED_O_POS = [
    "tam_luu_never",
    "tam_luu_2025",
    "tam_luu_platelets",
    "nhi_chieu_back",
    "nhi_chieu_2026",
    "bac_an_phu",
    "nam_an_phu",
    "sixty_until_tomorrow",
    "turns_18_today",
    "no_ward",
    "old_ward",
]


def names(ids: dict[str, int], found: list[callout_criteria.Candidate]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[c.donor_id] for c in found]


async def test_an_o_positive_call_out_in_tam_luu_asks_tam_luu_first_then_the_wards_in_order(
    sessions: Factory,
) -> None:
    ids = await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        found = await callout_matching.match(session, criteria())
    assert names(ids, found) == EXPECTED_O_POS
    first = found[0]
    assert (first.blood, first.ward, first.platform, first.chat_id, first.language) == (
        "O+",
        "Tam Lưu",
        "telegram",
        f"c{ids['tam_luu_never']}",
        "vi",
    )
    assert found[1].last_donation_on == DAY - timedelta(days=400)


async def test_without_chosen_wards_the_configured_order_applies(sessions: Factory) -> None:
    ids = await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        all_wards = await callout_matching.match(session, criteria(wards=None))
        nam_an_phu_first = await callout_matching.match(session, criteria(wards=("Nam An Phụ", "Nhị Chiểu")))
    assert names(ids, all_wards) == EXPECTED_O_POS
    assert names(ids, nam_an_phu_first) == [
        "nhi_chieu_back",  # the chosen wards in configured order: Nhị Chiểu before Nam An Phụ
        "nhi_chieu_2026",
        "nam_an_phu",
        "sixty_until_tomorrow",
        "turns_18_today",
        "tam_luu_never",
        "tam_luu_2025",
        "tam_luu_platelets",
        "bac_an_phu",
        "no_ward",
        "old_ward",
    ]


async def test_a_wave_is_the_first_n_and_the_next_wave_skips_those_already_asked(sessions: Factory) -> None:
    ids = await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        callout = await new_callout(session)
        first = await callout_matching.match(session, criteria(exclude=callout.id), limit=6)
        assert names(ids, first) == EXPECTED_O_POS[:6]
        assert await callouts.add_recipients(session, callout.id, first, wave=1, now=NOW) == 6
        assert await callouts.add_recipients(session, callout.id, first[:2], wave=2, now=NOW) == 0
        second = await callout_matching.match(session, criteria(exclude=callout.id), limit=6)
        assert names(ids, second) == EXPECTED_O_POS[6:]
        skipped = await callout_matching.match(
            session, criteria(), limit=3, offset_donor_ids=[ids["tam_luu_2025"], ids["bac_an_phu"]]
        )
        assert names(ids, skipped) == ["tam_luu_never", "tam_luu_platelets", "nhi_chieu_back"]
        assert await callout_matching.match(session, criteria(), limit=0) == []


async def test_rh_negative_is_asked_for_rh_positive_only_when_widened(sessions: Factory) -> None:
    ids = await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        widened = await callout_matching.match(session, criteria(widen=True))
        o_negative = await callout_matching.match(session, criteria("O-"))
        a_positive_widened = await callout_matching.match(session, criteria("A+", widen=True))
        platelets = await callout_matching.match(session, criteria(widen=True, component="platelets"))
    # Merged into Tam Lưu by last donation: the O− donor gave 500 days ago, the longest.
    assert names(ids, widened) == ["tam_luu_never", "o_negative", *EXPECTED_O_POS[1:]]
    assert [c.blood for c in widened[:2]] == ["O+", "O-"]
    assert names(ids, o_negative) == ["o_negative"]
    assert names(ids, a_positive_widened)[:3] == ["tam_luu_never", "a_positive", "o_negative"]
    # Platelets: the red-cell table does not widen them, and apheresis needs 50 kg (the 45 kg man is out).
    assert "o_negative" not in names(ids, platelets)
    assert "nam_an_phu" not in names(ids, platelets)


async def test_the_fatigue_limit_is_configurable(sessions: Factory) -> None:
    ids = await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        four = names(ids, await callout_matching.match(session, criteria(max_calls=4)))
        two = names(ids, await callout_matching.match(session, criteria(max_calls=2)))
    assert "called_3_times" in four
    assert "nhi_chieu_2026" not in two  # called twice in the last 30 days


async def test_the_preview_counts_by_group_and_ward(sessions: Factory) -> None:
    await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        counts = await callout_matching.preview(session, criteria())
        widened = await callout_matching.preview(session, criteria(widen=True))
        total = len(await callout_matching.match(session, criteria()))
    assert counts == {
        ("O+", "Tam Lưu"): 3,
        ("O+", "Nhị Chiểu"): 2,
        ("O+", "Bắc An Phụ"): 1,
        ("O+", "Nam An Phụ"): 3,
        ("O+", None): 1,
        ("O+", "Phường Cũ"): 1,
    }
    assert sum(counts.values()) == total
    assert widened == {**counts, ("O-", "Tam Lưu"): 1}


async def test_rare_donors_are_the_rh_negative_reserve_donors(sessions: Factory) -> None:
    ids = await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        await add_donor(session, "Rh− but not reserve", blood_abo="B", blood_rh="-", is_reserve=False)
        ab_neg = await add_donor(session, "AB−", blood_abo="AB", blood_rh="-", ward="Bắc An Phụ")
        rare = await callout_matching.rare_donors(session)
    assert [d.id for d in rare] == [ab_neg, ids["o_negative"]]


async def test_two_accept_the_second_fills_it_and_the_third_hears_it_is_filled(sessions: Factory) -> None:
    ids = await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        callout = await new_callout(session)
        wave = await callout_matching.match(session, criteria(exclude=callout.id), limit=6)
        await callouts.add_recipients(session, callout.id, wave, wave=1, now=NOW)
        callout_id = callout.id
    first, second, third, fourth = (c.donor_id for c in wave[:4])

    async def answer(donor_id: int, accepted: bool, minutes: int) -> str:
        async with sessions() as session, session.begin():
            return await callouts.answer(
                session,
                callout_id=callout_id,
                donor_id=donor_id,
                accepted=accepted,
                now=NOW + timedelta(minutes=minutes),
            )

    assert await answer(fourth, False, 1) == "declined"
    assert await answer(first, True, 2) == "accepted"
    assert await answer(first, True, 3) == "accepted", "a second press changes nothing"
    async with sessions() as session:
        assert await callouts.pending_for(session, donor_id=second) == callout_id
        assert await callouts.pending_for(session, donor_id=first) is None
    assert await answer(second, True, 4) == "accepted"
    async with sessions() as session:
        row = await session.get(Callout, callout_id)
        assert row is not None
        assert (row.status, row.filled_at, row.next_wave_at) == ("filled", NOW + timedelta(minutes=4), None)
        assert await callouts.pending_for(session, donor_id=third) is None
    assert await answer(third, True, 5) == "filled"
    assert await answer(ids["a_positive"], True, 5) == "not_found"
    async with sessions() as session, session.begin():
        assert (
            await callouts.answer(session, callout_id=9999, donor_id=first, accepted=True, now=NOW)
            == "not_found"
        )
        assert await callouts.tally(session, callout_id) == {
            "messaged": 6,
            "accepted": 2,
            "declined": 1,
            "no_answer": 3,
        }
        assert [d.id for d in await callouts.accepted_donors(session, callout_id)] == [first, second]

    # One of them cannot come after all: the place is free again and the next wave is due at once.
    assert await answer(first, False, 6) == "declined"
    async with sessions() as session:
        row = await session.get(Callout, callout_id)
        assert row is not None
        assert (row.status, row.filled_at, row.next_wave_at) == ("open", None, NOW + timedelta(minutes=6))
    assert await answer(third, True, 7) == "accepted"

    async with sessions() as session, session.begin():
        assert await callouts.close(session, callout_id, now=NOW + timedelta(minutes=8))
        assert not await callouts.close(session, callout_id, now=NOW + timedelta(minutes=8))
    assert await answer(wave[4].donor_id, True, 9) == "closed"
    async with sessions() as session:
        row = await session.get(Callout, callout_id)
        assert row is not None
        assert (row.status, row.closed_at) == ("closed", NOW + timedelta(minutes=8))
        statuses = (
            await session.execute(
                select(CalloutRecipient.donor_id, CalloutRecipient.status).where(
                    CalloutRecipient.callout_id == callout_id
                )
            )
        ).tuples()
        assert sorted(s for _, s in statuses) == [
            "accepted",
            "accepted",
            "cancelled",
            "cancelled",
            "declined",
            "declined",
        ]


async def test_concurrent_acceptances_never_exceed_the_units_needed(sessions: Factory) -> None:
    await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        callout = await new_callout(session, units=2)
        wave = await callout_matching.match(session, criteria(exclude=callout.id), limit=8)
        await callouts.add_recipients(session, callout.id, wave, wave=1, now=NOW)
        callout_id = callout.id

    async def accept(donor_id: int) -> str:
        async with sessions() as session, session.begin():
            return await callouts.answer(
                session, callout_id=callout_id, donor_id=donor_id, accepted=True, now=NOW
            )

    results = await asyncio.gather(*(accept(c.donor_id) for c in wave))
    assert sorted(results) == ["accepted"] * 2 + ["filled"] * (len(wave) - 2)
    async with sessions() as session:
        assert (await callouts.tally(session, callout_id))["accepted"] == 2


async def test_waves_fall_due_and_call_outs_expire_at_the_deadline(sessions: Factory) -> None:
    await kinh_mon(sessions)
    async with sessions() as session, session.begin():
        soon = await new_callout(session, deadline=NOW + timedelta(minutes=30))
        later = await new_callout(session, deadline=NOW + timedelta(hours=6))
        filled = await new_callout(session, deadline=NOW + timedelta(minutes=10))
        wave = await callout_matching.match(session, criteria(exclude=soon.id), limit=2)
        await callouts.add_recipients(session, soon.id, wave, wave=1, now=NOW)
        for row in (soon, later, filled):
            row.waves_sent = 1
            row.next_wave_at = NOW + timedelta(minutes=20)
        filled.status = "filled"
        soon_id, later_id = soon.id, later.id
    async with sessions() as session, session.begin():
        assert await callouts.due_waves(session, now=NOW + timedelta(minutes=19)) == []
        due = await callouts.due_waves(session, now=NOW + timedelta(minutes=20))
        assert [c.id for c in due] == [soon_id, later_id]
        assert await callouts.extend(session, soon_id, deadline=NOW + timedelta(minutes=40))
    async with sessions() as session, session.begin():
        assert await callouts.expire(session, now=NOW + timedelta(minutes=39)) == []
        assert await callouts.expire(session, now=NOW + timedelta(minutes=40)) == [soon_id]
        assert [c.id for c in await callouts.due_waves(session, now=NOW + timedelta(minutes=41))] == [
            later_id
        ]
        assert not await callouts.extend(session, soon_id, deadline=NOW + timedelta(hours=9))
    async with sessions() as session:
        expired = await session.get(Callout, soon_id)
        assert expired is not None
        assert (expired.status, expired.closed_at, expired.next_wave_at) == (
            "expired",
            NOW + timedelta(minutes=40),
            None,
        )
        assert (await callouts.tally(session, soon_id))["no_answer"] == 2
        assert await callouts.pending_for(session, donor_id=wave[0].donor_id) is None
    async with sessions() as session, session.begin():
        result = await callouts.answer(
            session, callout_id=later_id, donor_id=wave[0].donor_id, accepted=True, now=NOW
        )
        assert result == "not_found", "not a recipient of that call-out"


async def test_create_refuses_what_would_be_a_bug(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(ValueError, match="blood group"):
            await new_callout(session, groups=["O"])
        with pytest.raises(ValueError, match="component"):
            await new_callout(session, component="plasma")
        with pytest.raises(ValueError, match="units_needed"):
            await new_callout(session, units=0)
        with pytest.raises(ValueError, match="deadline"):
            await new_callout(session, deadline=NOW)
        callout = await new_callout(session, groups=["O+", "O+", "O-"], wards=[])
        assert (callout.groups, callout.wards, callout.status, callout.waves_sent) == (
            ["O+", "O-"],
            None,
            "open",
            0,
        )


async def test_the_newest_reachable_account_is_the_one_messaged(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        donor = await add_donor(session, "two phones")
        session.add(
            ChannelAccount(
                platform="zalo",
                user_id="z1",
                chat_id="z1",
                donor_id=donor,
                created_at=NOW - timedelta(days=1),
            )
        )
        blocked_newest = await add_donor(session, "newest account blocked")
        session.add(
            ChannelAccount(
                platform="zalo",
                user_id="z2",
                chat_id="z2",
                donor_id=blocked_newest,
                created_at=NOW - timedelta(days=1),
                unreachable_at=NOW,
            )
        )
        await session.flush()
        found = await callout_matching.match(session, criteria())
    assert [(c.donor_id, c.platform) for c in found] == [(donor, "zalo"), (blocked_newest, "telegram")]


async def test_many_wards_beyond_the_branch_limit_keep_the_order(
    sessions: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ward_order = tuple(f"Xã {n:02d}" for n in range(12))
    async with sessions() as session, session.begin():
        ids = {
            ward: await add_donor(session, ward, ward=ward, **donated(100 + n))
            for n, ward in enumerate(reversed(ward_order))
        }
        unknown = await add_donor(session, "unknown", ward="Ấp Mới")
        for limit in (None, 3):
            monkeypatch.setattr(callout_matching, "MAX_BRANCHES", 4)  # 2 wards get a branch, 10 the tail
            found = await callout_matching.match(
                session, criteria(wards=("Xã 07",), ward_order=ward_order), limit=limit
            )
            expected = [ids["Xã 07"], *(ids[w] for w in ward_order if w != "Xã 07"), unknown]
            assert [c.donor_id for c in found] == expected[:limit]
            monkeypatch.undo()
            again = await callout_matching.match(
                session, criteria(wards=("Xã 07",), ward_order=ward_order), limit=limit
            )
            assert [c.donor_id for c in again] == expected[:limit]


async def test_unknown_wards_are_found_whatever_the_collation(sessions: Factory) -> None:
    """Ward names that sort differently by code point and by a language collation are still 'unknown'."""
    odd = ["Ấp Đông", "an lưu", "Zô", "Ân Phú", "Tam lưu", "Tam Lưu 2", "Đông", ""]
    async with sessions() as session, session.begin():
        expected = [
            await add_donor(session, ward, ward=ward, **donated(300 - n)) for n, ward in enumerate(odd)
        ]
        found = await callout_matching.match(session, criteria(wards=None))
    assert [c.donor_id for c in found] == expected


async def test_refresh_last_donation_copies_the_latest_donation(sessions: Factory) -> None:
    async with sessions() as session, session.begin():
        donor = await add_donor(session, "donor")
        other = await add_donor(session, "other")
        session.add_all(
            [
                Donation(donor_id=donor, donated_on=date(2025, 3, 1), kind="whole_blood"),
                Donation(donor_id=donor, donated_on=date(2026, 9, 1), kind="apheresis_platelets"),
                Donation(donor_id=donor, donated_on=date(2026, 2, 1), kind="whole_blood"),
                Donation(donor_id=other, donated_on=date(2026, 10, 1), kind="whole_blood"),
                Donation(donor_id=other, donated_on=date(2026, 10, 1), kind="apheresis_plasma"),
            ]
        )
        await session.flush()
        await callouts.refresh_last_donation(session, donor)
        await callouts.refresh_last_donation(session, other)
    async with sessions() as session, session.begin():
        rows = {
            d.id: (d.last_donation_on, d.last_donation_kind)
            for d in (await session.scalars(select(Donor))).all()
        }
        maximum = select(Donation.donor_id, func.max(Donation.donated_on)).group_by(Donation.donor_id)
        latest = dict((await session.execute(maximum)).tuples().all())
        assert rows[donor] == (date(2026, 9, 1), "apheresis_platelets")
        # The same day twice: the kind with the longer interval counts.
        assert rows[other] == (date(2026, 10, 1), "whole_blood")
        assert {k: v[0] for k, v in rows.items()} == latest
        await session.execute(text("DELETE FROM donations WHERE donor_id = :d"), {"d": donor})
        await callouts.refresh_last_donation(session, donor)
        refreshed = await session.get(Donor, donor)
        assert refreshed is not None
        assert (refreshed.last_donation_on, refreshed.last_donation_kind) == (None, None)
        # The bulk repair does the same for everyone.
        await session.execute(text("UPDATE donors SET last_donation_on = NULL, last_donation_kind = NULL"))
        assert await callouts.refresh_all_last_donations(session) == 2
    async with sessions() as session:
        rows = {
            d.id: (d.last_donation_on, d.last_donation_kind)
            for d in (await session.scalars(select(Donor))).all()
        }
    assert rows == {donor: (None, None), other: (date(2026, 10, 1), "whole_blood")}


async def test_the_matching_statement_reads_the_callout_index(database_url: str, sessions: Factory) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip(
            "PostgreSQL plans by table statistics; bench/callout.py shows the plan on a million donors"
        )
    await kinh_mon(sessions)
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "UNION ALL" in statement:
            seen.append((statement, parameters))

    async with sessions() as session, session.begin():
        bind = session.get_bind()
        event.listen(bind, "before_cursor_execute", capture)
        try:
            await callout_matching.match(session, criteria(exclude=1), limit=6)
        finally:
            event.remove(bind, "before_cursor_execute", capture)
        [(statement, parameters)] = seen
        connection = await session.connection()
        plan = (await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)).all()
    details = [str(row[3]) for row in plan]
    donor_reads = [d for d in details if d.startswith(("SEARCH donors", "SCAN donors"))]
    assert donor_reads, details
    assert all("USING INDEX ix_donors_callout" in d for d in donor_reads), donor_reads
    assert not any(d.startswith("SCAN") for d in details if "callout_recipients" in d or "channel" in d)


@pytest.mark.parametrize(
    ("day", "born"),
    [
        (date(2026, 11, 23), (date(1965, 11, 24), date(2008, 11, 23))),
        # A 29 February birthday counts from 1 March in common years.
        (date(2027, 3, 1), (date(1966, 3, 2), date(2009, 3, 1))),
        (date(2026, 2, 28), (date(1965, 3, 1), date(2008, 2, 28))),
        (date(2028, 2, 29), (date(1967, 3, 1), date(2010, 2, 28))),
    ],
)
def test_birth_date_range_follows_the_rules_birthdays(day: date, born: tuple[date, date]) -> None:
    first, last = callout_criteria.birth_date_range(day, 18, 60)
    assert (first, last) == born
    assert nth_birthday(last, 18) <= day < nth_birthday(last + timedelta(days=1), 18)
    assert nth_birthday(first, 61) > day >= nth_birthday(first - timedelta(days=1), 61)


@pytest.mark.unmigrated
async def test_the_migration_copies_every_donors_latest_donation(database_url: str) -> None:
    await asyncio.to_thread(upgrade_database, database_url, "0004")
    engine = create_engine(database_url)
    add_donor_sql = text(
        "INSERT INTO donors (id, full_name, phone, date_of_birth, sex, is_reserve, language, consent_at,"
        " created_at, updated_at) VALUES (:id, 'x', :phone, :born, 'female', true, 'vi', :at, :at, :at)"
    ).bindparams(bindparam("born", type_=Date()), bindparam("at", type_=UtcDateTime()))
    add_donation_sql = text(
        "INSERT INTO donations (donor_id, donated_on, kind, self_reported, created_at)"
        " VALUES (:donor, :on, :kind, false, :at)"
    ).bindparams(bindparam("on", type_=Date()), bindparam("at", type_=UtcDateTime()))
    async with engine.begin() as conn:
        for donor in (1, 2, 3):
            await conn.execute(
                add_donor_sql,
                {"id": donor, "phone": f"+8491000000{donor}", "born": date(1990, 1, 1), "at": NOW},
            )
        for donor, on, kind in [
            (1, date(2025, 1, 1), "whole_blood"),
            (1, date(2026, 5, 1), "apheresis_plasma"),
            (2, date(2026, 7, 1), "apheresis_platelets"),
            (2, date(2026, 7, 1), "apheresis_red_cells"),
        ]:
            await conn.execute(add_donation_sql, {"donor": donor, "on": on, "kind": kind, "at": NOW})
    await upgrade_database_async(database_url)
    async with session_factory(engine)() as session:
        rows = (
            await session.execute(
                select(Donor.id, Donor.last_donation_on, Donor.last_donation_kind).order_by(Donor.id)
            )
        ).all()
    await engine.dispose()
    assert [tuple(r) for r in rows] == [
        (1, date(2026, 5, 1), "apheresis_plasma"),
        (2, date(2026, 7, 1), "apheresis_red_cells"),
        (3, None, None),
    ]
