"""The process's Prometheus metrics, declared once (`prometheus-client`), served at `/metrics` by bot/web.

Labels are channels, outbox kinds and outcomes: closed sets known in advance, never an id, a chat, a
phone or a text, so no personal data can reach a scrape and no label can grow without bound.

The metrics live in their own `CollectorRegistry` rather than the library's global one, so that the
tests (and a process running two apps) read exactly what the bot counted.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "donorbot_updates",
    "Updates (messages, button presses) handled, by channel and outcome (ok, or failed: the apology).",
    ["channel", "outcome"],
    registry=REGISTRY,
)
TURN_SECONDS = Histogram(
    "donorbot_turn_seconds",
    "Time to handle one update: load, route, save, commit (sending the replies not included).",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
OUTBOX_OUTCOMES = Counter(
    "donorbot_outbox",
    "Outbox rows sent or not, by kind and outcome (sent, retried, rate_limited, failed, unreachable).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "donorbot_outbox_backlog",
    "Outbox rows waiting to be sent (pending or leased), by kind, read when scraped.",
    ["kind"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "donorbot_rate_limited",
    "429 answers from a platform (Too Many Requests), by platform.",
    ["platform"],
    registry=REGISTRY,
)
WEBHOOK_REJECTED = Counter(
    "donorbot_webhook_rejected",
    "Webhook requests refused for a missing or wrong secret, by channel.",
    ["channel"],
    registry=REGISTRY,
)
SCHEDULER_RUNNING = Gauge(
    "donorbot_scheduler_running",
    "1 while this process runs the scheduler (plans reminders, waves, expiry), else 0.",
    registry=REGISTRY,
)
DELIVERY_RUNNING = Gauge(
    "donorbot_delivery_running",
    "1 while this process's delivery loop drains the outbox, else 0.",
    registry=REGISTRY,
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def exposition() -> bytes:
    """Every metric in Prometheus' text format."""
    return generate_latest(REGISTRY)
