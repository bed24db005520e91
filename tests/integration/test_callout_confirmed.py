"""Call-out matching prefers a blood group the lab confirmed (at the desk) to a self-reported one of the
same group, ward by ward, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from models import callout_matching
from tests.integration.test_callouts import DAY, Factory, add_donor, criteria, donated, names, sessions

__all__ = ["sessions"]  # the fixture


async def test_a_confirmed_donor_is_asked_before_a_self_reported_one_of_the_same_ward(
    sessions: Factory,
) -> None:
    async with sessions() as session, session.begin():
        ids = {
            # self-reported O+, never donated: first of Tam Lưu by the last donation alone
            "tam_luu_said": await add_donor(session, "Said"),
            "tam_luu_lab": await add_donor(
                session, "Lab", blood_confirmed_on=DAY - timedelta(days=90), **donated(400)
            ),
            "tam_luu_lab_recent": await add_donor(
                session, "Lab 2", blood_confirmed_on=DAY - timedelta(days=120), **donated(200)
            ),
            # another ward: its confirmed donor still comes after every donor of Tam Lưu
            "nhi_chieu_lab": await add_donor(
                session, "Lab NC", ward="Nhị Chiểu", blood_confirmed_on=DAY - timedelta(days=10)
            ),
            "nhi_chieu_said": await add_donor(session, "Said NC", ward="Nhị Chiểu"),
            # a ward the configuration does not know (the tail branch) keeps the same preference
            "old_said": await add_donor(session, "Said old", ward="Xã cũ"),
            "old_lab": await add_donor(
                session, "Lab old", ward="Xã cũ", blood_confirmed_on=DAY, **donated(300)
            ),
        }
    async with sessions() as session, session.begin():
        found = await callout_matching.match(session, criteria())
        wave = await callout_matching.match(session, criteria(), limit=2)
    assert names(ids, found) == [
        "tam_luu_lab",
        "tam_luu_lab_recent",
        "tam_luu_said",
        "nhi_chieu_lab",
        "nhi_chieu_said",
        "old_lab",
        "old_said",
    ]
    assert names(ids, wave) == ["tam_luu_lab", "tam_luu_lab_recent"], "the first wave: confirmed first"
