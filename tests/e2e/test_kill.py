"""Crash safety: the bot is SIGKILLed in the middle of a 2,000-recipient announcement and started again.

The bot runs as a real subprocess (`python -m bot.cli --config ... run`) against the Bot API emulator in
this process, once on Telegram and once on Zalo (the Zalo emulator, `ZALO_BOT_TOKEN` and no Telegram
token). After the kill, rows the dead process had claimed are still `sending`; the new process takes
them again once their lease (2 s here) expires. Every recipient must get the announcement, and the only
possible duplicates are sends whose outcome the dead process had not committed yet:

- `in_flight` = outbox rows in status `sending` right after the kill (claimed, outcome not recorded:
  some were sent, some not yet); the bound the test asserts: duplicates <= in_flight;
- `unrecorded` = successful sendMessage calls the emulator answered for this announcement minus rows
  recorded as `sent`: exactly the sends that will be repeated, so duplicates == unrecorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from emulators.telegram import TelegramEmulator
from emulators.zalo import ZaloEmulator
from models import announcements
from models.db import create_engine, session_factory, upgrade_database_async
from models.tables import Outbox
from tests.helpers import bulk_donors

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 2000
KILL_AFTER = 500
FIRST_USER = 810_000_000
TEXT = "Chủ nhật này có ngày hội hiến máu tại Nhà văn hóa Tam Lưu, 7h–11h. Mời bạn đến!"


@dataclass(frozen=True)
class Platform:
    """What differs between the two runs: the emulator, how its accepted sends are counted, the config."""

    name: str
    recipients: int
    kill_after: int
    emulator: Callable[[], Any]
    follow: Callable[[Any, int], None]  # the recipient can be written to (started the bot, follows it)
    accepted: Callable[[Any], bool]  # a sendMessage call the emulator answered with success
    section: str  # the config section pointing the channel at the emulator
    token_env: str


TELEGRAM = Platform(
    name="telegram",
    recipients=RECIPIENTS,
    kill_after=KILL_AFTER,
    emulator=TelegramEmulator,
    follow=lambda emu, chat: emu.user(chat, "Người hiến", started=True),
    accepted=lambda call: call.status == 200 and call.done_at is not None,
    section="telegram",
    token_env="TELEGRAM_BOT_TOKEN",
)
ZALO = Platform(
    name="zalo",
    recipients=RECIPIENTS // 2,  # the same crash, half the time
    kill_after=KILL_AFTER // 2,
    emulator=ZaloEmulator,
    follow=lambda emu, chat: emu.user(str(chat), "Người hiến"),
    accepted=lambda call: call.ok and call.done_at is not None,
    section="zalo",
    token_env="ZALO_BOT_TOKEN",
)


class Deliveries:
    """The sendMessage calls the emulator accepted for `chats`, tallied as they finish.

    Not a scan of `emu.calls_to(...)` in a `wait_until` predicate: the predicate runs after every API call,
    so a scan of every call so far made the wait quadratic. At 5,000 sends it kept this process, the
    emulator's, so busy that it stamped requests about 0.3 s late in one clump, and the rate check saw a
    burst of 100 sends in 0.1 s that the bot had sent evenly spaced.
    """

    def __init__(self, emu: Any, platform: Platform, chats: set[int]) -> None:
        self._calls: list[Any] = emu.state.calls
        self._accepted, self._chats = platform.accepted, chats
        self._read = 0  # calls looked at so far
        self.unanswered: list[Any] = []  # sendMessage calls still being answered
        self.stamps: list[tuple[int, float]] = []  # (chat, when the emulator received it), accepted ones
        self.counts: Counter[int] = Counter()  # accepted sends per chat

    def update(self) -> Deliveries:
        """Reads the calls made since the last update; returns itself, for use in a predicate."""
        new = self._calls[self._read :]
        self._read += len(new)
        self.unanswered.extend(c for c in new if c.method.lower() == "sendmessage")
        waiting = []
        for call in self.unanswered:
            if call.done_at is None:
                waiting.append(call)
            elif self._accepted(call) and (chat := int(call.params.get("chat_id", 0))) in self._chats:
                self.stamps.append((chat, call.at))
                self.counts[chat] += 1
        self.unanswered = waiting
        return self

    @property
    def total(self) -> int:
        return len(self.stamps)


async def seed(url: str, now: datetime, platform: Platform) -> int:
    """Donors with one account each on the platform and an announcement to all; returns its id."""
    await upgrade_database_async(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await bulk_donors(
                session, platform.recipients, first_user=FIRST_USER, now=now, platform=platform.name
            )
            created = await announcements.create(
                session, text=TEXT, audience=announcements.Audience(), actor="test", now=now
            )
        assert created.queued == platform.recipients
        return created.id
    finally:
        await engine.dispose()


async def statuses(url: str, batch: str) -> Counter[str]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(Outbox.status, func.count()).where(Outbox.batch == batch).group_by(Outbox.status)
            )
            return Counter({status: int(count) for status, count in rows.tuples()})
    finally:
        await engine.dispose()


async def start_bot(config: Path, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "--config",
            str(config),
            "run",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
        )


@pytest.mark.parametrize("platform", [TELEGRAM, ZALO], ids=lambda p: p.name)
async def test_a_bot_killed_mid_announcement_delivers_to_everyone_after_a_restart(
    tmp_path: Path, platform: Platform
) -> None:
    recipients, kill_after = platform.recipients, platform.kill_after
    url = f"sqlite+aiosqlite:///{tmp_path / 'kill.sqlite3'}"
    announcement_id = await seed(url, datetime.now(UTC), platform)
    batch = announcements.batch_of(announcement_id)
    log = tmp_path / "bot.log"
    async with platform.emulator() as emu:
        chats = {FIRST_USER + n for n in range(recipients)}
        for chat in chats:
            platform.follow(emu, chat)

        sends = Deliveries(emu, platform, chats)

        config = tmp_path / "config.toml"
        config.write_text(
            f'[bot]\ndata_dir = "{tmp_path}"\n'
            f'[database]\nurl = "{url}"\n'
            f'[{platform.section}]\napi_base_url = "{emu.url}"\npoll_timeout = 1\n'
            + ("rate_per_second = 300\n" if platform is ZALO else "")
            + "[delivery]\nrate_per_second = 300\nlease_seconds = 2\n",
            encoding="utf-8",
        )
        tokens = ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "ZALO_WEBHOOK_SECRET")
        unset = ("DONORBOT_CONFIG", "DONORBOT_DATABASE_URL", *tokens)
        env = {k: v for k, v in os.environ.items() if k not in unset}
        env[platform.token_env] = emu.token
        bots: list[asyncio.subprocess.Process] = []
        try:
            bots.append(await start_bot(config, env, log))
            await emu.wait_until(
                lambda: sends.update().total >= kill_after, timeout=40, what=f"{kill_after} sends"
            )
            bots[0].send_signal(signal.SIGKILL)
            await bots[0].wait()
            in_flight = (await statuses(url, batch))["sending"]  # right after the kill
            # Requests the dead process had fully sent are still answered by the emulator.
            await emu.wait_until(
                lambda: not sends.update().unanswered,
                timeout=5,
                what="requests under way at the kill to be answered",
            )
            at_kill = Counter(sends.counts)
            recorded = (await statuses(url, batch))["sent"]
            unrecorded = sum(at_kill.values()) - recorded

            bots.append(await start_bot(config, env, log))
            await emu.wait_until(
                lambda: len(sends.update().counts) == recipients, timeout=40, what="every recipient"
            )
            for _ in range(200):  # the last outcomes are being committed
                if (await statuses(url, batch))["sent"] == recipients:
                    break
                await asyncio.sleep(0.1)
            bots[1].send_signal(signal.SIGTERM)  # a clean stop this time
            await asyncio.wait_for(bots[1].wait(), timeout=20)
        except BaseException:
            sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])
            raise
        finally:
            for process in bots:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    await process.wait()

        final = sends.update().counts
        duplicates = sum(count - 1 for count in final.values())
        sys.stdout.write(
            f"\nkill test ({platform.name}): {sum(at_kill.values())} delivered before SIGKILL, "
            f"{in_flight} rows in flight "
            f"(sending) at the kill, {unrecorded} sends not yet recorded, duplicates={duplicates}, "
            f"restart returned {bots[1].returncode}\n"
        )
        assert set(final) == chats, "every recipient got the announcement"
        assert duplicates <= in_flight
        assert duplicates == unrecorded
        assert max(final.values()) <= 2
        assert {m.text for chat in chats for m in emu.messages(chat)} == {TEXT}, "the text as written"
        assert await statuses(url, batch) == Counter(sent=recipients)
        assert bots[1].returncode == 0
