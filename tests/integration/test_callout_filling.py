"""services.callouts on SQLite and PostgreSQL: the answer that fills a call-out withdraws the messages
still waiting, so donors who were not reached yet are never asked for blood nobody needs any more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import load_settings
from core.i18n import Catalogs
from domain.rules_file import load_rules
from models import outbox, outbox_claims
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import ChannelAccount, Donor, Outbox
from services.callouts import answers, waves
from services.callouts.need import Need
from tests.integration.test_callouts import NOW, add_donor

Factory = async_sessionmaker[AsyncSession]
SETTINGS = load_settings(environ={})
RULES = load_rules(SETTINGS.knowledge.rules)
CATALOGS = Catalogs()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Factory]:
    await upgrade_database_async(database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def test_the_answer_that_fills_a_call_out_withdraws_the_messages_still_waiting(
    sessions: Factory,
) -> None:
    async with sessions() as session, session.begin():
        organiser = ChannelAccount(platform="telegram", user_id="org", chat_id="org", created_at=NOW)
        session.add(organiser)
        donors = [await add_donor(session, f"Người {n}") for n in range(3)]
        await session.flush()
        launched = await waves.launch(
            session,
            Need(
                groups=["O+"],
                component="whole_blood",
                units=1,  # a wave of 3
                place="Bệnh viện Đa khoa Kinh Môn",
                address="Phường An Lưu",
                contact="BS Hùng",
                deadline=NOW + timedelta(hours=6),
            ),
            created_by_account_id=organiser.id,
            tally_chat_id="org",
            actor="test",
            catalogs=CATALOGS,
            settings=SETTINGS,
            rules=RULES,
            now=NOW,
        )
        assert launched is not None and launched.sent == 3
        callout_id = launched.callout.id
        first = donors[0]
        # The first message went out; the two others still wait in the outbox (a busy loop, say).
        sent = await session.scalar(select(Outbox.id).where(Outbox.key == f"callout:{callout_id}:{first}"))
        assert sent is not None
        await outbox_claims.mark_sent(session, sent, now=NOW)

    async with sessions() as session, session.begin():
        answered = await answers.respond(
            session,
            callout_id=callout_id,
            donor=await _donor(session, first),
            accepted=True,
            catalogs=CATALOGS,
            settings=SETTINGS,
            rules=RULES,
            now=NOW + timedelta(minutes=1),
        )
        assert answered.result == "accepted" and answered.pushed
        assert answered.callout is not None and answered.callout.status == "filled"

    async with sessions() as session:
        messages = await outbox.statuses(session, key_prefix=f"callout:{callout_id}:")
        assert messages == {
            f"callout:{callout_id}:{first}": "sent",
            f"callout:{callout_id}:{donors[1]}": "cancelled",
            f"callout:{callout_id}:{donors[2]}": "cancelled",
        }, "the messages not sent yet are withdrawn"
        filled = await outbox.statuses(session, key_prefix=f"callout-filled:{callout_id}:")
        assert list(filled.values()) == ["pending"], "the organiser hears it is filled"


async def _donor(session: AsyncSession, donor_id: int) -> Donor:
    found = await session.get(Donor, donor_id)
    assert found is not None
    return found
