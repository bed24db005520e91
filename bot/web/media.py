"""Media by URL: Zalo's `sendPhoto` takes a photo's address, not its bytes, so a QR code or a chart is kept
here for a while and sent as `{web.public_url}/media/{token}.png`.

The token is the only thing in the path: a random id and the expiry, signed with HMAC-SHA256 — no phone,
code or name, and nobody can guess another person's QR code or stretch a link's life. A bad signature, an
expired link and a missing file all get the same 404. The files are kept in `{data_dir}/media/` so a
restart still serves the links already sent; expired ones are deleted on `put` (at most once a minute).

The key is `DONORBOT_WEB_SECRET` when set, else a random one created once in `{data_dir}/web_secret`
(mode 0600). Changing it ends every link sent before: they were meant to be short-lived anyway.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import logging
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web

from bot.web.server import WebServer
from core.clock import Clock
from core.config import Settings

log = logging.getLogger("donorbot.web")

# What may be served, by the extension in the URL (Zalo and phones look at it as much as at the header).
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "text/calendar": "ics"}
MIME_TYPES = {ext: mime for mime, ext in EXTENSIONS.items()}

_ID_BYTES = 16  # 128 random bits: unguessable
_MAC_BYTES = 16  # HMAC-SHA256 cut to 128 bits, plenty for a link that lives a day
_TOKEN_BYTES = _ID_BYTES + 8 + _MAC_BYTES
SWEEP_EVERY = timedelta(minutes=1)
SECRET_FILE = "web_secret"


class MediaDisabledError(RuntimeError):
    """`put` without `web.public_url`: the caller sends its text fallback (a QR code's code)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def load_secret(settings: Settings) -> bytes:
    """The signing key: the environment's, else the one kept in data_dir (created on first use)."""
    if settings.web_secret:
        return settings.web_secret.encode("utf-8")
    path = settings.bot.data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            log.warning("%s can be read by other users: chmod 600 it", path)
        key = path.read_text("ascii").strip()
        if len(key) < 32:
            raise RuntimeError(f"{path}: too short to be a signing key; delete it to get a new one") from None
        return key.encode("ascii")
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key.encode("ascii")


class MediaStore:
    """Signed, expiring media links and their files; `mount(server)` serves them."""

    def __init__(self, settings: Settings, *, clock: Clock) -> None:
        self.public_url = settings.web.public_url
        self.ttl = timedelta(hours=settings.web.media_ttl_hours)
        self.folder = settings.bot.data_dir / "media"
        self.clock = clock
        self._secret = load_secret(settings) if self.public_url else b""
        self._swept: datetime | None = None

    @property
    def enabled(self) -> bool:
        """False without `web.public_url`: nobody outside could open the links."""
        return self.public_url is not None

    def put(self, content: bytes, mime: str) -> str:
        """Keeps `content` for `web.media_ttl_hours` and returns its absolute, unguessable URL."""
        if self.public_url is None:
            raise MediaDisabledError("web.public_url is not set")
        ext = EXTENSIONS.get(mime)
        if ext is None:
            raise ValueError(f"cannot serve {mime!r} (only {', '.join(EXTENSIONS)})")
        now = self.clock.now()
        self._sweep(now)
        media_id = secrets.token_bytes(_ID_BYTES)
        expires = int((now + self.ttl).timestamp())
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._path(media_id, expires, ext)
        temporary = path.with_suffix(".part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(content)
        os.replace(temporary, path)  # a reader never sees half a file
        body = media_id + expires.to_bytes(8, "big")
        return f"{self.public_url}/media/{_b64(body + self._sign(body, ext))}.{ext}"

    def get(self, token: str, ext: str) -> tuple[bytes, str, int] | None:
        """The content, its type and the seconds it has left; None for anything not live and genuine."""
        mime = MIME_TYPES.get(ext)
        raw = _unb64(token) if len(token) == (_TOKEN_BYTES * 4 + 2) // 3 else None
        if mime is None or raw is None or len(raw) != _TOKEN_BYTES or not self._secret:
            return None
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._sign(body, ext)):
            return None
        expires = int.from_bytes(body[_ID_BYTES:], "big")
        left = expires - int(self.clock.now().timestamp())
        if left <= 0:
            return None
        try:
            content = self._path(body[:_ID_BYTES], expires, ext).read_bytes()
        except OSError:
            return None
        return content, mime, left

    def mount(self, server: WebServer) -> None:
        """Registers `GET /media/{token}.{ext}` (png, jpg, ics) on the server."""
        server.add_route("GET", "/media/{token:[A-Za-z0-9_-]+}.{ext:[a-z]+}", self._serve, name="media")

    async def _serve(self, request: web.Request) -> web.Response:
        found = self.get(request.match_info["token"], request.match_info["ext"])
        if found is None:
            raise web.HTTPNotFound()  # the same answer as an unknown path: no detail
        content, mime, left = found
        return web.Response(
            body=content, content_type=mime, headers={"Cache-Control": f"private, max-age={left}"}
        )

    def _sign(self, body: bytes, ext: str) -> bytes:
        return hmac.new(self._secret, body + ext.encode("ascii"), hashlib.sha256).digest()[:_MAC_BYTES]

    def _path(self, media_id: bytes, expires: int, ext: str) -> Path:
        # The expiry leads the name so a sweep needs no index; the id is hex (file systems fold case).
        return self.folder / f"{expires}-{media_id.hex()}.{ext}"

    def _sweep(self, now: datetime) -> None:
        """Deletes expired files (a half-written one left by a crash too, once its link would have
        expired), at most once a minute."""
        if self._swept is not None and now - self._swept < SWEEP_EVERY:
            return
        self._swept = now
        if not self.folder.is_dir():
            return
        cutoff = int(now.timestamp())
        for path in self.folder.iterdir():
            expires, _, _ = path.name.partition("-")
            if not expires.isdigit() or int(expires) <= cutoff:
                with contextlib.suppress(OSError):
                    path.unlink()
