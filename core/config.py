"""One typed settings object, read from `config.toml` plus the environment for secrets.

The app, Alembic's env.py and the scheduler all take this object, so a value is read and validated once.
A broken file fails at start with the key and the problem, never later in the middle of a dialogue.
"""

from __future__ import annotations

import os
import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core import divisions
from domain import limits
from domain.compatibility import RED_CELL_DONORS, check_table
from domain.ids import parse_int
from domain.milestones import DEFAULT_HONOUR_MORE_THAN, DEFAULT_MILESTONES, check_milestones
from domain.phone import display_phone, parse_hotline
from domain.text import fold

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config.toml"
OFFICIAL_TELEGRAM_API = "https://api.telegram.org"
OFFICIAL_ZALO_API = "https://bot-api.zaloplatforms.com"


class ConfigError(Exception):
    """The configuration file cannot be used; the message names the key and the problem."""


class StartupError(Exception):
    """Settings that load but do not work (Telegram rejects the token, the Bot API cannot be reached).

    The message is one line for the operator that names the setting and the problem, never a secret.
    """


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hotline(_Section):
    """Who to call when the bot cannot help: a name and a phone number, shown together in the texts.

    `[bot.hotline] name = "…", phone = "…"`; the older `hotline = "name"` still loads (without a number,
    which `donorbot config check` refuses: a hotline people cannot call helps nobody).
    """

    name: str = Field(min_length=1, max_length=200)
    phone: str | None = None  # E.164 once read

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned:
            raise ValueError("the name is empty")
        return cleaned

    @field_validator("phone")
    @classmethod
    def _number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        number = parse_hotline(value)
        if number is None:
            raise ValueError(f'{value!r} is not a phone number, e.g. "0220 3821 234" or "1900 1234"')
        return number

    def __str__(self) -> str:
        """ "Hội Chữ thập đỏ thị xã Kinh Môn, ☎ 0220 3821 234", as the texts show it ({hotline})."""
        return f"{self.name}, ☎ {display_phone(self.phone)}" if self.phone else self.name


class BotSettings(_Section):
    default_language: Literal["vi", "en"] = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    # No phone number by default: a made-up one would send people to a stranger. `config check` refuses
    # a hotline without one and `run` warns, until the unit writes its own in config.toml.
    hotline: Hotline = Hotline(name="Hội Chữ thập đỏ thị xã Kinh Môn", phone=None)
    data_dir: Path = Path("data")
    # Answers of an unfinished dialogue (a registration's name, birth date, phone) are kept this many
    # hours, then forgotten: long enough to finish later the same day, no longer.
    conversation_ttl_hours: int = Field(default=24, ge=1, le=24 * 365)

    @field_validator("hotline", mode="before")
    @classmethod
    def _hotline(cls, value: object) -> object:
        return {"name": value} if isinstance(value, str) else value  # the older form: a name only

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/donorbot.sqlite3"
    # SQLite's page cache per connection, in MiB (its own default is 2): a province's file is hundreds of
    # MB, and a 500-person roster read through a 2 MiB cache took 5 ms of reads instead of 1.5 (bench/web.py).
    sqlite_cache_mb: int = Field(default=16, ge=1, le=1024)

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        # The messages never repeat the URL: it may hold the password.
        try:
            parsed = make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL") from None
        except ValueError:  # the port is not a number
            raise ValueError("the port must be a number from 1 to 65535") from None
        if parsed.port is not None and not 1 <= parsed.port <= 65535:
            raise ValueError("the port must be a number from 1 to 65535")
        if parsed.get_backend_name() == "sqlite" and (parsed.host or parsed.port):
            raise ValueError(
                "a SQLite URL has no host: sqlite+aiosqlite:///relative/path.db "
                "or sqlite+aiosqlite:////absolute/path.db"
            )
        return value


class TelegramSettings(_Section):
    api_base_url: str = OFFICIAL_TELEGRAM_API
    # "polling" (getUpdates: one process per token) or "webhook" (Telegram POSTs every update to
    # web.public_url + webhook_path; needs HTTPS and TELEGRAM_WEBHOOK_SECRET; any number of processes
    # behind a reverse proxy, on PostgreSQL).
    mode: Literal["polling", "webhook"] = "polling"
    webhook_path: str = "/telegram/webhook"
    poll_timeout: int = Field(default=30, ge=0, le=50)
    concurrent_updates: int = Field(default=64, ge=1, le=1024)

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _http_base(value)

    @field_validator("webhook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or " " in value:
            raise ValueError('must be a path starting with "/", like "/telegram/webhook"')
        return value


def _http_base(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


class ZaloSettings(_Section):
    """The Zalo Bot Platform channel (token from ZALO_BOT_TOKEN; see ../shared/ZALO.md and the README).

    Zalo publishes no rate limits: the defaults are conservative guesses, to be raised once measured.
    """

    # The token is appended as /bot<TOKEN>/<method>.
    api_base_url: str = OFFICIAL_ZALO_API
    # "polling" (getUpdates, no public address needed) or "webhook" (Zalo POSTs to web.public_url;
    # needs HTTPS and ZALO_WEBHOOK_SECRET). Switching is an operator's act: polling stops while a
    # webhook is set.
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: int = Field(default=30, ge=0, le=60)
    rate_per_second: float = Field(default=10.0, gt=0, le=1000)
    per_chat_interval_seconds: float = Field(default=1.0, ge=0, le=60)
    # The link people open to find the bot in Zalo (posters print it with a short code to type). Zalo
    # documents no link format for bots: set it from Zalo Bot Manager; without it the posters show the
    # bot's name only.
    bot_link: str | None = None
    webhook_path: str = "/zalo/webhook"

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _http_base(value)

    @field_validator("webhook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or " " in value:
            raise ValueError('must be a path starting with "/", like "/zalo/webhook"')
        return value


class WebSettings(_Section):
    """The app's one HTTP server (bot/web): the Zalo webhook, media by URL, /healthz.

    Started only when something needs it: the Zalo webhook, or `public_url` for media (QR codes and
    charts sent on Zalo, which takes photos by URL only).
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # The address people's phones and Zalo's servers reach this server at (https://bot.example.vn),
    # behind a reverse proxy. Without it, media go as text (a QR code becomes its code).
    public_url: str | None = None
    media_ttl_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    # A spreadsheet uploaded on the web page's import (the only routes allowed more than max_body_bytes).
    max_upload_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    # Start it even when no channel needs it, for /healthz, /readyz and /metrics (bot/web/health).
    enabled: bool = False
    # /readyz answers 503 when more outbox rows than this are due and not sent.
    ready_max_backlog: int = Field(default=10_000, ge=1)
    # A campaign's figures on the web page are kept this long for the same scope (0: read every time).
    figures_kept_seconds: float = Field(default=60.0, ge=0, le=3600)

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else _http_base(value.strip())


class LogSettings(_Section):
    """One line per event on stderr: "text" for people, "json" (one object per line) for a log shipper."""

    format: Literal["text", "json"] = "text"


class SchedulerSettings(_Section):
    """Several processes on one PostgreSQL database elect one to run the scheduler (scheduler/leader)."""

    # A standby takes over at most this long after the leader's process or machine is gone.
    leader_lease_seconds: float = Field(default=30.0, ge=3, le=600)


class RegistrationSettings(_Section):
    min_age: int = Field(default=18, ge=16, le=100)
    max_age: int = Field(default=60, ge=16, le=100)
    wards_page_size: int = Field(default=6, ge=2, le=20)
    # Linking a chat to a profile by phone and birth date: this many wrong birth dates within
    # link_lock_hours (for one phone, or from one chat) lock linking for link_lock_hours.
    link_max_failures: int = Field(default=3, ge=1, le=10)
    link_lock_hours: int = Field(default=24, ge=1, le=24 * 30)
    # A chat linked less than this many days ago needs an older chat's approval to erase the profile,
    # change its phone or see /mydata.
    new_chat_days: int = Field(default=7, ge=0, le=365)

    @model_validator(mode="after")
    def _range(self) -> RegistrationSettings:
        if self.min_age > self.max_age:
            raise ValueError("min_age must not be above max_age")
        return self


class AreaSettings(_Section):
    name: str = Field(default="Thị xã Kinh Môn", min_length=1)
    # The province (after the 2025 merger, core/divisions.py): without `wards`, its wards and communes
    # are the ones offered; with `wards`, the area's own list is used as given.
    province: str | None = None
    wards: tuple[str, ...] = ("Tam Lưu", "Nhị Chiểu", "Bắc An Phụ", "Nam An Phụ")
    # Inhabitants, for "units ≈ 1.73 % of the population" in the figures (models/figures); None: not shown.
    population: int | None = Field(default=None, ge=1, le=200_000_000)

    @model_validator(mode="before")
    @classmethod
    def _province_wards(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("province") is None:
            return data
        province = divisions.province_named(str(data["province"]))
        if province is None:
            close = ", ".join(divisions.close_to(str(data["province"])))
            raise ValueError(f"province: unknown province {data['province']!r} (the closest: {close})")
        data = {**data, "province": province.short}
        if "wards" not in data:
            data["wards"] = province.wards
        return data

    @field_validator("wards")
    @classmethod
    def _wards(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(" ".join(w.split()) for w in value)
        if not cleaned or any(not w for w in cleaned):
            raise ValueError("needs at least one non-empty ward name")
        if any(len(w) > limits.WARD for w in cleaned):
            raise ValueError(f"a ward name may have at most {limits.WARD} characters")
        if len({fold(w) for w in cleaned}) != len(cleaned):
            raise ValueError("has the same ward twice")
        return cleaned

    def ward_named(self, text: str) -> str | None:
        """The ward `text` names, written with or without diacritics ("tam luu" → "Tam Lưu"), or None."""
        wanted = fold(text)
        return next((ward for ward in self.wards if fold(ward) == wanted), None)


class DeliverySettings(_Section):
    """Pacing and retries of pushes (reminders, thank-yous, call-outs) sent from the outbox."""

    # Telegram allows 30 messages/s per bot; 28 leaves room for replies to people writing meanwhile.
    rate_per_second: float = Field(default=28.0, gt=0, le=1000)
    per_chat_interval_seconds: float = Field(default=1.0, ge=0, le=60)  # Telegram: 1 message/s/chat
    max_attempts: int = Field(default=6, ge=1, le=50)
    batch_size: int = Field(default=20, ge=1, le=1000)
    # A row claimed by a process that died is claimed again after this many seconds.
    lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Telegram's paid broadcasts: up to 1,000 msg/s for 0.1 Star per message from the bot's balance.
    paid_broadcast: bool = False
    # A push to a person goes to the chat they wrote from last ("last_used"), or to this platform
    # first when they have it; either way to their other chat when that one is blocked or unreachable.
    prefer_channel: Literal["last_used", "telegram", "zalo"] = "last_used"


def _hhmm(value: object) -> object:
    """A time of day written "19:00" (or a TOML time like 19:00:00 without seconds)."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        hour_part, sep, minute_part = value.strip().partition(":")
        hour = parse_int(hour_part, minimum=0, maximum=23) if sep else None
        minute = parse_int(minute_part, minimum=0, maximum=59) if len(minute_part) == 2 else None
        if hour is not None and minute is not None:
            return time(hour, minute)
    raise ValueError('must be a time of day "HH:MM", like "19:00"')


class ReminderOffset(_Section):
    """One reminder before a session: `days_before` the session's day, at local time `at`."""

    days_before: int = Field(ge=0, le=30)
    at: time

    _at = field_validator("at", mode="before")(_hhmm)


class ReminderSettings(_Section):
    """Scheduled pushes: reminders before sessions, ward invitations, "eligible again" nudges, follow-ups.

    Times are local (`[bot] timezone`). Nothing but call-outs is sent in quiet hours: a push due then waits
    for their end (see scheduler/planner.py for the one exception, a reminder on the session's morning).
    """

    offsets: tuple[ReminderOffset, ...] = (
        ReminderOffset(days_before=3, at=time(19, 0)),
        ReminderOffset(days_before=1, at=time(19, 0)),
        ReminderOffset(days_before=0, at=time(6, 30)),
    )
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    callouts_ignore_quiet_hours: bool = True
    followup_days_after: int = Field(default=1, ge=1, le=7)
    followup_at: time = time(10, 0)
    ward_reminder_days_before: int = Field(default=5, ge=1, le=30)
    ward_reminder_at: time = time(19, 0)
    nudge_at: time = time(9, 0)
    plan_every_minutes: int = Field(default=10, ge=1, le=24 * 60)

    _times = field_validator(
        "quiet_start", "quiet_end", "followup_at", "ward_reminder_at", "nudge_at", mode="before"
    )(_hhmm)

    @field_validator("offsets")
    @classmethod
    def _distinct(cls, value: tuple[ReminderOffset, ...]) -> tuple[ReminderOffset, ...]:
        moments = [(o.days_before, o.at) for o in value]
        if len(set(moments)) != len(moments):
            raise ValueError("has the same reminder time twice")
        return value


class CalloutSettings(_Section):
    """Emergency call-outs to reserve donors (/khancap): waves, how often one person may be called, and
    which blood groups are asked for (domain/compatibility.py)."""

    # Each wave messages wave_factor × units needed donors; the next wave follows after the interval
    # until enough donors accepted or the deadline passed.
    wave_factor: int = Field(default=3, ge=1, le=50)
    wave_interval_minutes: int = Field(default=20, ge=1, le=24 * 60)
    # Nobody is called more often than this in any 30 days.
    max_calls_per_30_days: int = Field(default=3, ge=1, le=100)
    # Off: a call-out asks for the group needed only (same ABO and Rh). On: red cells (whole blood) are
    # asked of every group the `compatibility` table lists; platelets only through "platelets:<group>" keys.
    widen_red_cells: bool = False
    # On a channel that cannot edit a sent message (Zalo) the organiser's live tally is a new message at
    # most this often (and whenever they ask for it), never one per answer.
    tally_every_seconds: int = Field(default=60, ge=5, le=3600)
    compatibility: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {k: tuple(v) for k, v in RED_CELL_DONORS.items()}
    )

    @field_validator("compatibility")
    @classmethod
    def _compatible(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        problems = check_table(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value


class RecognitionSettings(_Section):
    """Recognition of repeat donors: the honour list's threshold ("giấy khen" for more than 15
    donations) and the counts at which a donor is congratulated (domain/milestones.py)."""

    honour_more_than: int = Field(default=DEFAULT_HONOUR_MORE_THAN, ge=0, le=1000)
    milestones: tuple[int, ...] = DEFAULT_MILESTONES

    @field_validator("milestones")
    @classmethod
    def _milestones(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        problems = check_milestones(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value


class KnowledgeSettings(_Section):
    """Data files an organiser may correct without touching code (relative to the config file)."""

    rules: Path = Path("data/eligibility.toml")
    faq_vi: Path = Path("data/faq.vi.toml")
    faq_en: Path = Path("data/faq.en.toml")
    # Lines as people type them, by FAQ entry: the classifier that re-ranks the matcher learns from them.
    faq_examples: Path = Path("data/faq_examples.tsv")


class Settings(_Section):
    """Everything the application reads from config.toml and the environment."""

    bot: BotSettings = BotSettings()
    database: DatabaseSettings = DatabaseSettings()
    telegram: TelegramSettings = TelegramSettings()
    zalo: ZaloSettings = ZaloSettings()
    web: WebSettings = WebSettings()
    log: LogSettings = LogSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    registration: RegistrationSettings = RegistrationSettings()
    area: AreaSettings = AreaSettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    delivery: DeliverySettings = DeliverySettings()
    reminders: ReminderSettings = ReminderSettings()
    callouts: CalloutSettings = CalloutSettings()
    recognition: RecognitionSettings = RecognitionSettings()
    telegram_token: str | None = Field(default=None, exclude=True, repr=False)
    zalo_token: str | None = Field(default=None, exclude=True, repr=False)
    # Zalo sends it in X-Bot-Api-Secret-Token on every webhook request (8 to 256 characters).
    zalo_webhook_secret: str | None = Field(
        default=None, exclude=True, repr=False, min_length=8, max_length=256
    )
    # Telegram sends it in X-Telegram-Bot-Api-Secret-Token on every webhook request (1 to 256 of
    # A-Z, a-z, 0-9, _ and -, as setWebhook allows; 16 or more recommended).
    telegram_webhook_secret: str | None = Field(
        default=None, exclude=True, repr=False, min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_-]+$"
    )
    # Signs media URLs (bot/web/media); without it a random one is kept in data_dir.
    web_secret: str | None = Field(default=None, exclude=True, repr=False)
    # What the file still says the old way (read, but to be changed): printed by the CLI at start.
    deprecations: tuple[str, ...] = Field(default=(), exclude=True)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot.timezone)


def hotline_problems(settings: Settings) -> list[str]:
    """What `donorbot config check` refuses in the hotline (and `run` warns about)."""
    hotline = settings.bot.hotline
    if hotline.phone is None:
        return [
            "bot.hotline: has no phone number; write it as [bot.hotline] with "
            'name = "…" and phone = "…" (people are told to contact it when the bot cannot help)'
        ]
    return []


def load_settings(path: Path | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Reads and validates the config file; secrets and overrides come from the environment."""
    env = dict(os.environ if environ is None else environ)
    if path is None:
        path = Path(env.get("DONORBOT_CONFIG", DEFAULT_CONFIG))
    raw: dict[str, object] = {}
    if path.exists():
        try:
            data = path.read_bytes()
            raw = tomllib.loads(data.decode("utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ConfigError(f"{path}: line {line} is not UTF-8 text (save the file as UTF-8)") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    elif "DONORBOT_CONFIG" in env:
        raise ConfigError(f"{path}: file not found (named by DONORBOT_CONFIG)")
    if url := env.get("DONORBOT_DATABASE_URL"):
        raw.setdefault("database", {})
        database = raw["database"]
        if isinstance(database, dict):
            database["url"] = url
    raw["telegram_token"] = env.get("TELEGRAM_BOT_TOKEN") or None
    raw["zalo_token"] = env.get("ZALO_BOT_TOKEN") or None
    raw["zalo_webhook_secret"] = env.get("ZALO_WEBHOOK_SECRET") or None
    raw["telegram_webhook_secret"] = env.get("TELEGRAM_WEBHOOK_SECRET") or None
    raw["web_secret"] = env.get("DONORBOT_WEB_SECRET") or None
    raw["deprecations"] = tuple(f"{path}: {note}" for note in _read_deprecated(raw, path))
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {_problem(err)}"
            for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
    return _resolve_paths(settings, base=path.resolve().parent)


def _read_deprecated(raw: dict[str, object], path: Path) -> list[str]:
    """Rewrites keys that were renamed into their new form; returns a note for each.

    `bot.conversation_ttl_days` (until 2026-11) became `bot.conversation_ttl_hours`: unfinished
    dialogues are now kept for hours, not days. The old key still works, counted in whole days.
    """
    notes: list[str] = []
    bot = raw.get("bot")
    if isinstance(bot, dict) and "conversation_ttl_days" in bot:
        days = bot.pop("conversation_ttl_days")
        if "conversation_ttl_hours" in bot:
            raise ConfigError(
                f"{path}: bot.conversation_ttl_days: replaced by conversation_ttl_hours; remove it"
            )
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ConfigError(
                f"{path}: bot.conversation_ttl_days: must be a whole number of days from 1 to 365 "
                "(better: conversation_ttl_hours)"
            )
        bot["conversation_ttl_hours"] = days * 24
        notes.append(
            f"bot.conversation_ttl_days is deprecated: write conversation_ttl_hours = {days * 24} "
            "(or fewer hours: unfinished answers are personal data)"
        )
    return notes


def _problem(err: object) -> str:
    msg = str(err["msg"]) if isinstance(err, dict) else str(err)
    if isinstance(err, dict) and err.get("type") == "extra_forbidden":
        return "unknown key (check the spelling)"
    return msg.removeprefix("Value error, ")


def _resolve_paths(settings: Settings, *, base: Path) -> Settings:
    """Makes the data folder and a relative SQLite path absolute, relative to the config file."""
    data_dir = settings.bot.data_dir
    if not data_dir.is_absolute():
        data_dir = base / data_dir
    url = settings.database.url
    prefix = "sqlite+aiosqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        url = prefix + str(base / url.removeprefix(prefix))
    # Paths written in the file are relative to it; the defaults are the files shipped with the code.
    given = settings.knowledge.model_fields_set
    knowledge = {
        name: path if path.is_absolute() else (base if name in given else PROJECT_ROOT) / path
        for name, path in settings.knowledge.model_dump().items()
    }
    return settings.model_copy(
        update={
            "bot": settings.bot.model_copy(update={"data_dir": data_dir}),
            "database": settings.database.model_copy(update={"url": url}),
            "knowledge": settings.knowledge.model_copy(update=knowledge),
        }
    )
