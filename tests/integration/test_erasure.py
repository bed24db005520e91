"""What `/xoa` keeps: anonymous counts of donations, sign-ups and call-out answers (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from models import accounts, callout_criteria, callouts, checkin, donors, drive_days, erasure
from models.tables import CalloutRecipient, Donation, Donor, Signup
from tests.integration.test_drives import Factory, import_kinh_mon, make_donors, sessions, take

__all__ = ["sessions"]  # the fixture, imported for this module's tests

ERASED_ON = date(2020, 8, 5)  # after round 1's first days, before 06/08 and the October session


async def test_erasure_keeps_history_as_counts_and_deletes_the_rest(sessions: Factory) -> None:
    ids = await import_kinh_mon(sessions)
    donor_id, other = await make_donors(sessions, 2)
    async with sessions() as session, session.begin():
        donor = await session.get(Donor, donor_id)
        assert donor is not None
        await donors.set_reported_last_donation(session, donor, date(2020, 1, 10), now=datetime.now(UTC))
    donated = await take(sessions, ids["r1-tam-luu"], donor_id, time(7, 0))
    no_show = await take(sessions, ids["r1-nhi-chieu"], donor_id, time(7, 0))
    coming = await take(sessions, ids["r1-nam-an-phu"], donor_id, time(7, 0))
    assert isinstance(donated, Signup) and isinstance(no_show, Signup) and isinstance(coming, Signup)
    arrival = datetime(2020, 8, 3, 0, 30, tzinfo=UTC)
    async with sessions() as session, session.begin():  # a call-out the donor accepts, then closed
        callout = await callouts.create(
            session,
            created_by_account_id=None,
            groups=["O+"],
            component="whole_blood",
            units_needed=2,
            place="Bệnh viện",
            address=None,
            contact=None,
            deadline=arrival + timedelta(hours=6),
            wards=None,
            now=arrival,
        )
        asked = [
            callout_criteria.Candidate(
                donor_id=d, account_id=a.id, chat_id=a.chat_id, platform=a.platform, ward=None, blood="O+",
                last_donation_on=None,
            )
            for d in (donor_id, other)
            for a in await accounts.accounts_of(session, d)
        ]  # fmt: skip
        assert await callouts.add_recipients(session, callout.id, asked, wave=1, now=arrival) == 2
        accepted = await callouts.answer(
            session, callout_id=callout.id, donor_id=donor_id, accepted=True, now=arrival
        )
        assert accepted == "accepted"
        await callouts.close(session, callout.id, now=arrival)
    async with sessions() as session, session.begin():  # and gives blood at the drive
        checked = await checkin.check_in(
            session, code=donated.code, actor="t", now=arrival, today=date(2020, 8, 3)
        )
        assert isinstance(checked, Signup)
        recorded = await checkin.record_result(
            session,
            signup_id=donated.id,
            donated=True,
            volume_ml=350,
            deferral_reason=None,
            donated_on=date(2020, 8, 3),
            actor="t",
            now=arrival,
        )
        assert recorded is not None
    async with sessions() as session:
        before = await callouts.tally(session, callout.id)
        totals = await drive_days.campaign_totals(session, (await drive_days.list_campaigns(session))[0].id)
    async with sessions() as session, session.begin():
        donor = await session.get(Donor, donor_id)
        assert donor is not None
        await erasure.erase(session, donor, today=ERASED_ON)
    async with sessions() as session:
        assert await erasure.count_rows_for(session, donor_id) == 0
        assert await callouts.tally(session, callout.id) == before and before["accepted"] == 1
        assert await callouts.accepted_erased(session, callout.id) == 1
        after = await drive_days.campaign_totals(session, (await drive_days.list_campaigns(session))[0].id)
        assert (totals.donations, totals.volume_ml, totals.deferred) == (1, 350, 0)
        assert (after.donations, after.volume_ml, after.deferred) == (1, 350, 0)
        assert after.signups == totals.signups - 1, "only the sign-up still to come is gone"
        kept = (await session.scalars(select(Donation).where(Donation.donor_id.is_(None)))).all()
        assert [(d.donated_on, d.volume_ml, d.drive_day_id, d.self_reported) for d in kept] == [
            (date(2020, 8, 3), 350, ids["r1-tam-luu"], False)
        ], "the recorded donation stays, the self-reported one goes"
        rows = {
            s.id: s for s in (await session.scalars(select(Signup).where(Signup.donor_id.is_(None)))).all()
        }
        assert set(rows) == {donated.id, no_show.id}, "a sign-up still to come is deleted"
        for row in rows.values():
            assert (row.code, row.checked_in_at, row.deferral_reason, row.feeling) == (None, None, None, None)
        assert rows[donated.id].status == "donated" and rows[donated.id].result_volume_ml == 350
        answer = await session.scalar(select(CalloutRecipient).where(CalloutRecipient.status == "accepted"))
        assert answer is not None and (answer.donor_id, answer.account_id, answer.answered_at) == (
            None,
            None,
            None,
        )
        assert await session.scalar(select(func.count()).select_from(Donor)) == 1  # the other donor
    assert other != donor_id
    # The freed place is bookable again and the other donor's sign-ups are untouched.
    assert isinstance(await take(sessions, ids["r1-nam-an-phu"], other, time(7, 0)), Signup)
