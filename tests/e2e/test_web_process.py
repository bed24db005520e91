"""`donorbot web`: the organiser's web page as a process of its own beside the bot. The bot (in this process,
on the Telegram emulator) sends the /web link; the web process, a real subprocess on the same SQLite file,
serves it: the link logs in, the pages answer, /readyz is ready without a delivery loop or scheduler of its
own, and SIGTERM ends it cleanly."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from core.i18n import Catalogs
from emulators.telegram import TelegramEmulator
from tests.helpers import BotHarness, FixedClock, make_settings, with_public_url

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parents[2]
VI = Catalogs().get("vi")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def wait_listening(base: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as client:
        for _ in range(200):
            assert process.returncode is None, "donorbot web ended"
            try:
                async with client.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("donorbot web never listened")


async def test_the_web_page_runs_as_its_own_process_beside_the_bot(tmp_path: Path) -> None:
    async with TelegramEmulator() as emu:
        settings = with_public_url(make_settings(tmp_path))
        base = settings.web.public_url
        assert base is not None
        bot = BotHarness(emu, settings, FixedClock(datetime.now(UTC)))  # the web process reads the real time
        await bot.start()
        try:
            staff = bot.user(8990, name="Cán bộ")
            await bot.make_organiser(staff)
            sent = await bot.send(staff, "/web")
            found = re.search(re.escape(base) + r"(/login/\S+)", sent[0].text or "")
            assert found is not None, sent[0].text
            config = tmp_path / "web.toml"
            config.write_text(
                f'[bot]\ndata_dir = "{tmp_path}"\n'
                f'[database]\nurl = "{settings.database.url}"\n'
                f'[web]\nhost = "127.0.0.1"\nport = {settings.web.port}\npublic_url = "{base}"\n',
                encoding="utf-8",
            )
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("DONORBOT_", "TELEGRAM_", "ZALO_"))
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "--config",
                str(config),
                "web",
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await wait_listening(base, process)
                jar = aiohttp.CookieJar(unsafe=True)
                async with aiohttp.ClientSession(base, cookie_jar=jar) as browser:
                    async with browser.get(found.group(1)) as response:
                        assert response.status == 200
                        token = CSRF.search(await response.text())
                    assert token is not None
                    async with browser.post(found.group(1), data={"csrf": token.group(1)}) as response:
                        assert response.status == 200 and response.url.path == "/"
                        assert VI("web_campaigns_heading") in await response.text()
                    async with browser.get("/desk") as response:
                        assert response.status == 200 and VI("wdesk_title") in await response.text()
                    async with browser.get("/readyz") as response:
                        assert response.status == 200
                        lines = (await response.text()).splitlines()
                    assert lines[0] == "ready"
                    assert "delivery ok not in this process (donorbot web)" in lines
                    assert "scheduler ok not in this process (donorbot web)" in lines
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                _, err = await asyncio.wait_for(process.communicate(), timeout=30)
            assert process.returncode == 0, err.decode()[-2000:]
            assert "web page only" in err.decode() and "Traceback" not in err.decode()
        finally:
            await bot.stop()
