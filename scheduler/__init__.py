"""Background work: the outbox delivery loop (`scheduler.delivery`, sending through a
`scheduler.sender.Sender`) and the APScheduler jobs that plan reminders, nudges and call-out waves
into the outbox."""

from scheduler.delivery import DeliveryLoop
from scheduler.sender import (
    DeliveryError,
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
