"""Background work: the outbox delivery loop (`scheduler.delivery`) and, later, the APScheduler jobs
that plan reminders, nudges and call-out waves into the outbox."""

from scheduler.delivery import (
    DeliveryError,
    DeliveryLoop,
    Permanent,
    RetryLater,
    Sender,
    Transient,
    Unreachable,
)

__all__ = [
    "DeliveryError",
    "DeliveryLoop",
    "Permanent",
    "RetryLater",
    "Sender",
    "Transient",
    "Unreachable",
]
