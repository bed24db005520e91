"""Long polling for the Zalo Bot Platform: one `getUpdates` after another, events handed on in order.

Zalo's getUpdates has no offset, and real pollers see the same event twice now and then, so events
are de-duplicated by `message_id` (a bounded memory of the most recent ids). Errors back off
exponentially with full jitter; a refused token ends the loop, since no retry can fix it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from bot.channels.zalo_client import ZaloAuthError, ZaloClient
from bot.channels.zalo_events import ZaloEvent, parse_update

_LOG = logging.getLogger(__name__)

BACKOFF_FIRST = 0.5
BACKOFF_CAP = 30.0


class ZaloPoller:
    """`await ZaloPoller(client, on_event, poll_timeout=30).run(stop)` until `stop` is set.

    `on_event` is awaited before the next poll, so it should be quick (the channel queues the work).
    """

    def __init__(
        self,
        client: ZaloClient,
        on_event: Callable[[ZaloEvent], Awaitable[None]],
        *,
        poll_timeout: float,
        seen: int = 10_000,
        backoff_first: float = BACKOFF_FIRST,
        backoff_cap: float = BACKOFF_CAP,
        rng: random.Random | None = None,
    ) -> None:
        if seen < 1:
            raise ValueError("seen must be at least 1")
        self.client, self.on_event, self.poll_timeout = client, on_event, poll_timeout
        self.backoff_first, self.backoff_cap = backoff_first, backoff_cap
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_max = seen
        self._rng = rng or random.Random()
        self.failures = 0
        """Consecutive failed polls (0 after a success): what the backoff grows with."""
        self.duplicates = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set (the in-flight poll is cancelled); raises `ZaloAuthError`."""
        while not stop.is_set():
            poll = asyncio.ensure_future(self.client.get_updates(self.poll_timeout))
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (poll, stopped):
                    if not task.done():
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
            if not poll.done() or poll.cancelled():
                return
            try:
                body = poll.result()
            except ZaloAuthError:
                raise
            except Exception as error:
                self.failures += 1
                delay = self._backoff()
                _LOG.warning(
                    "zalo poll failed (%s, code %s); retrying in %.1fs",
                    type(error).__name__,
                    getattr(error, "error_code", None),
                    delay,
                )
                await _sleep_unless(stop, delay)
                continue
            self.failures = 0
            if body is not None:
                await self._handle(body)

    def _backoff(self) -> float:
        """Full jitter: uniform in [0, min(cap, first * 2**(failures-1))]."""
        ceiling = min(self.backoff_cap, self.backoff_first * 2 ** (self.failures - 1))
        return self._rng.uniform(0, ceiling)

    async def _handle(self, body: object) -> None:
        event = parse_update(body)
        if event is None:
            _LOG.info("zalo: ignored an update that is not a known event")
            return
        if event.message_id in self._seen:
            self.duplicates += 1
            _LOG.debug("zalo: dropped repeated message %s", event.message_id)
            return
        self._seen[event.message_id] = None
        while len(self._seen) > self._seen_max:
            self._seen.popitem(last=False)
        try:
            await self.on_event(event)
        except Exception:
            _LOG.exception("zalo: handling message %s failed", event.message_id)


async def _sleep_unless(stop: asyncio.Event, delay: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay)


__all__ = ["ZaloPoller"]
