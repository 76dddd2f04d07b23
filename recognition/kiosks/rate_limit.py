"""A kiosk socket's flood limit: how many messages a connection may send."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


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
