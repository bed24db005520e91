"""`donorbot run` when the settings do not work: one line on stderr naming the problem, exit 2, no traceback,
and never the bot token. The bot runs as a real subprocess against the Bot API emulator in this process."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import pytest

from emulators.telegram import TelegramEmulator

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "424242:AAH-not-the-emulators-secret-Zq9"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING) ")


def free_port() -> int:
    """A loopback port that was free a moment ago and has no listener."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def donorbot(tmp_path: Path, *args: str, config: str, token: str | None) -> tuple[int, str, str]:
    """`python -m bot.cli --config FILE ARGS`, with TELEGRAM_BOT_TOKEN if given: (exit, stdout, stderr)."""
    path = tmp_path / "config.toml"
    path.write_text(config, encoding="utf-8")
    unset = ("DONORBOT_CONFIG", "DONORBOT_DATABASE_URL", "TELEGRAM_BOT_TOKEN")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--config",
        str(path),
        *args,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=50)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def telegram_config(tmp_path: Path, api_base_url: str) -> str:
    return (
        f'[bot]\ndata_dir = "{tmp_path}"\n'
        '[database]\nurl = "sqlite+aiosqlite:///bot.sqlite3"\n'
        f'[telegram]\napi_base_url = "{api_base_url}"\npoll_timeout = 1\n'
    )


def the_one_error_line(stderr: str) -> str:
    """stderr holds log records (INFO lines of the start) and exactly one other line: the error."""
    others = [line for line in stderr.splitlines() if not LOG_LINE.match(line)]
    assert len(others) == 1, stderr
    return others[0]


def assert_no_token(*outputs: str, token: str = TOKEN) -> None:
    secret = token.partition(":")[2]
    for output in outputs:
        assert token not in output and secret not in output, output


async def test_a_token_telegram_rejects_is_one_line_without_the_token(tmp_path: Path) -> None:
    async with TelegramEmulator() as emu:  # answers 401 to any token but its own
        code, out, err = await donorbot(
            tmp_path, "run", config=telegram_config(tmp_path, emu.url), token=TOKEN
        )
        assert not emu.calls_to("getUpdates")  # it never started polling
    assert_no_token(out, err)
    assert "Traceback" not in err
    assert the_one_error_line(err) == (
        f"TELEGRAM_BOT_TOKEN: rejected by the Telegram Bot API at {emu.url} "
        "(check the token and telegram.api_base_url)"
    )
    assert code == 2


async def test_an_unreachable_bot_api_is_one_line_without_the_token(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = await donorbot(tmp_path, "run", config=telegram_config(tmp_path, url), token=TOKEN)
    assert_no_token(out, err)
    assert "Traceback" not in err
    line = the_one_error_line(err)
    assert line.startswith(f"telegram.api_base_url: cannot reach the Telegram Bot API at {url} ("), line
    assert code == 2


async def test_a_server_that_is_not_the_bot_api_is_one_line_without_the_token(tmp_path: Path) -> None:
    from aiohttp import web

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text="<html>not an API</html>", content_type="text/html")

    site_app = web.Application()
    site_app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(site_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    try:
        code, out, err = await donorbot(tmp_path, "run", config=telegram_config(tmp_path, url), token=TOKEN)
    finally:
        await runner.cleanup()
    assert_no_token(out, err)
    assert "Traceback" not in err
    line = the_one_error_line(err)
    assert line.startswith(f"telegram.api_base_url: {url} does not answer as the Telegram Bot API ("), line
    assert code == 2
