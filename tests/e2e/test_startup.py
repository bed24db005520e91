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


# --- database settings that do not work: `run`, `db upgrade` and `config check` say so in one line ---------

PASSWORD = "s3cret-pw"
COMMANDS = [["run"], ["db", "upgrade"], ["config", "check"]]


def donorbot_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], *, config: bytes
) -> tuple[int, str, str]:
    """`donorbot --config FILE ARGS` through `bot.cli.main`, without a token (`run` would use the console)."""
    from bot.cli import main

    path = tmp_path / "config.toml"
    path.write_bytes(config)
    code = main(["--config", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def database_config(url: str) -> bytes:
    hotline = '[bot.hotline]\nname = "Hội Chữ thập đỏ"\nphone = "1900 1234"\n'  # config check wants a number
    return f'[bot]\ndata_dir = "data"\n{hotline}[database]\nurl = "{url}"\n'.encode()


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DONORBOT_CONFIG", "DONORBOT_DATABASE_URL", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def assert_one_line(code: int, out: str, err: str, expected: str) -> None:
    assert PASSWORD not in out + err
    assert "Traceback" not in err
    assert err.splitlines() == [expected], err
    assert code == 2


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_postgres_port_nobody_listens_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    port = free_port()
    config = database_config(f"postgresql+asyncpg://donorbot:{PASSWORD}@127.0.0.1:{port}/donorbot")
    code, out, err = donorbot_in_process(tmp_path, capsys, args, config=config)
    assert_one_line(
        code,
        out,
        err,
        f"database.url: postgresql://donorbot@127.0.0.1:{port}/donorbot: "
        "connection refused: is the server running and listening on that port?",
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_server_that_never_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setattr("models.db.CONNECT_TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:  # the kernel accepts connections; nobody ever reads or answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        config = database_config(f"postgresql+asyncpg://donorbot:{PASSWORD}@127.0.0.1:{port}/donorbot")
        code, out, err = donorbot_in_process(tmp_path, capsys, args, config=config)
    assert_one_line(
        code,
        out,
        err,
        f"database.url: postgresql://donorbot@127.0.0.1:{port}/donorbot: no answer within 0.5 s",
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            f"postgresql+asyncpg://donorbot:{PASSWORD}@127.0.0.1:54x2/donorbot",
            "database.url: the port must be a number from 1 to 65535",
        ),
        (
            f"postgresql+asyncpg://donorbot:{PASSWORD}@127.0.0.1:99999/donorbot",
            "database.url: the port must be a number from 1 to 65535",
        ),
        (
            "sqlite+aiosqlite://host/donorbot.sqlite3",
            "database.url: a SQLite URL has no host: sqlite+aiosqlite:///relative/path.db "
            "or sqlite+aiosqlite:////absolute/path.db",
        ),
    ],
    ids=["port-not-a-number", "port-out-of-range", "sqlite-with-host"],
)
def test_a_database_url_that_cannot_work_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], url: str, problem: str
) -> None:
    code, out, err = donorbot_in_process(tmp_path, capsys, args, config=database_config(url))
    assert_one_line(code, out, err, f"Configuration error: {tmp_path / 'config.toml'}: {problem}")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (
            "/proc/donorbot.sqlite3",
            "cannot open the SQLite database /proc/donorbot.sqlite3 (unable to open database file)",
        ),
        (
            "/proc/donorbot/donorbot.sqlite3",
            "cannot create the folder of /proc/donorbot/donorbot.sqlite3 (No such file or directory)",
        ),
    ],
    ids=["file-under-proc", "folder-under-proc"],
)
def test_a_sqlite_file_that_cannot_be_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], path: str, problem: str
) -> None:
    code, out, err = donorbot_in_process(
        tmp_path, capsys, args, config=database_config(f"sqlite+aiosqlite:///{path}")
    )
    assert_one_line(code, out, err, f"database.url: {problem}")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_config_file_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    config = '[bot]\ndata_dir = "data"\nhotline = "Hội Chữ thập đỏ"\n'.encode("cp1258", errors="replace")
    code, out, err = donorbot_in_process(tmp_path, capsys, args, config=config)
    assert_one_line(
        code,
        out,
        err,
        f"Configuration error: {tmp_path / 'config.toml'}: line 3 is not UTF-8 text (save the file as UTF-8)",
    )


def test_config_check_connects_to_a_working_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = database_config("sqlite+aiosqlite:///bot.sqlite3")
    code, out, err = donorbot_in_process(tmp_path, capsys, ["config", "check"], config=config)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Configuration is valid: {tmp_path / 'config.toml'}",
        f"Database reachable: {tmp_path / 'bot.sqlite3'}",
    ]


def postgres_admin_url() -> str:
    url = os.environ.get("DONORBOT_TEST_POSTGRES_URL")
    if url is None:
        pytest.skip("no PostgreSQL server (set DONORBOT_TEST_POSTGRES_URL)")
    return url


@pytest.mark.postgres
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"username": "nobody_here"}, 'role "nobody_here" does not exist (SQLSTATE 28000)'),
        ({"database": "no_such_donorbot"}, 'database "no_such_donorbot" does not exist (SQLSTATE 3D000)'),
    ],
    ids=["unknown-role", "unknown-database"],
)
def test_a_role_or_database_the_server_does_not_know(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], change: dict[str, str], problem: str
) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_admin_url()).set(password=PASSWORD, **change)
    config = database_config(url.render_as_string(hide_password=False))
    code, out, err = donorbot_in_process(tmp_path, capsys, args, config=config)
    shown = f"postgresql://{url.username}@{url.host}:{url.port}/{url.database}"
    assert_one_line(code, out, err, f"database.url: {shown}: {problem}")


async def test_run_on_a_sqlite_path_under_proc_prints_one_line_and_no_thread_traceback(
    tmp_path: Path,
) -> None:
    config = '[database]\nurl = "sqlite+aiosqlite:////proc/donorbot.sqlite3"\n'
    code, _out, err = await donorbot(tmp_path, "run", config=config, token=None)
    assert "Traceback" not in err
    assert the_one_error_line(err) == (
        "database.url: cannot open the SQLite database /proc/donorbot.sqlite3 (unable to open database file)"
    )
    assert code == 2


@pytest.mark.postgres
@pytest.mark.parametrize("args", COMMANDS[:2], ids=" ".join)
async def test_a_role_that_may_not_create_the_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    import uuid

    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(postgres_admin_url())
    name = f"donorbot_test_{uuid.uuid4().hex[:12]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE ROLE "{name}" LOGIN')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    conn = await asyncpg.connect(admin.set(drivername="postgresql", database=name).render_as_string(False))
    await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")  # the default from PostgreSQL 15 on
    await conn.close()
    url = admin.set(username=name, password=PASSWORD, database=name)
    try:
        config = database_config(url.render_as_string(hide_password=False))
        code, out, err = await asyncio.to_thread(donorbot_in_process, tmp_path, capsys, args, config=config)
    finally:
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'DROP ROLE IF EXISTS "{name}"')
        await conn.close()
    shown = f"postgresql://{name}@{url.host}:{url.port}/{name}"
    assert_one_line(
        code, out, err, f"database.url: {shown}: permission denied for schema public (SQLSTATE 42501)"
    )
