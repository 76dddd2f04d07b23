"""A kiosk's limits: how many messages a connection may send (its flood limit), and how many
passages a kiosk may decide a minute, whatever its connections (its decision limit)."""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field

from django.core.cache import cache

logger = logging.getLogger(__name__)

wall_clock = time.time  # decision counts are per minute of this clock (tests fix it)


@dataclass
class MessageRate:
    """A token bucket per connection: ``per_second`` messages on average, bursts of two
    seconds' worth. ``flooding`` turns true once more than ``per_second`` * 3 messages were
    refused within five seconds: time to close the socket rather than keep refusing."""

    per_second: float
    _refused: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.burst = max(2 * self.per_second, 1.0)
        self._tokens = self.burst  # a new connection starts with a full bucket
        self._updated: float | None = None

    def allow(self, now: float) -> bool:
        if self._updated is not None:
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.burst, self._tokens + elapsed * self.per_second)
        self._updated = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        self._refused.append(now)
        while self._refused and now - self._refused[0] > 5:
            self._refused.popleft()
        return False

    @property
    def flooding(self) -> bool:
        return len(self._refused) > 3 * self.per_second


async def kiosk_decision_allowed(
    kiosk_id: int, *, per_minute: int, at: float | None = None
) -> bool:
    """Whether the kiosk may decide one more passage in this minute of the wall clock
    (``at``, seconds since the epoch). Counted in the cache, which all processes share once it
    is Redis: a kiosk reconnecting to another process keeps its count. A device streaming
    photo after photo to find who opens the door meets this long before it learns much. While
    the cache is away the passage is allowed (and logged): the rules and liveness still decide.
    """
    window = int((wall_clock() if at is None else at) // 60)
    key = f"kiosk-decisions:{kiosk_id}:{window}"
    try:
        await cache.aadd(key, 0, timeout=120)
        count = await cache.aincr(key)
    except Exception as error:  # whatever the cache's client raises
        logger.warning("Kiosk %s: its decision count is unknown (%s); allowed", kiosk_id, error)
        return True
    return count <= per_minute
