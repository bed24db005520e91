"""The app's one HTTP server (aiohttp.web, in the bot's own event loop): /healthz, media by URL, and the
Zalo webhook. See docs/ARCHITECTURE.md, "The HTTP server"."""
