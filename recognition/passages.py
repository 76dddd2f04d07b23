"""When a kiosk decides, from a stream of analysed frames: plain data, no I/O, no clock.

A *passage* is one person stepping up to a gate. It starts when a face is seen, becomes a
decision once enough recent frames agree on who it is (``AgreementRule``), and ends when no
face has been seen for ``leave_seconds``. While a decided passage lasts, nothing is decided
again: a person who stays in front of the camera is not granted over and over. The kiosk then
mostly only needs to know whether a face is still there; once every ``recheck_seconds`` it
identifies the face again (``PassageTracker.wants_identity``), so that the next person in a
queue, stepping up without a gap, starts a passage of their own.

Times are seconds on any monotonic clock, passed in by the caller.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from statistics import fmean


class Seen(enum.Enum):
    NOTHING = "nothing"  # no face in the frame
    UNUSABLE = "unusable"  # a face, but too small to recognise
    PERSON = "person"  # a face that matched someone enrolled
    UNKNOWN = "unknown"  # a usable face that matched nobody (or nobody clearly)
    SEVERAL = "several"  # several faces of similar size


@dataclass(frozen=True)
class Sighting:
    """What one analysed frame showed."""

    at: float
    seen: Seen
    faces: int = 0
    person_id: int | None = None
    distance: float | None = None
    margin: float | None = None
    liveness: float | None = None

    @property
    def has_face(self) -> bool:
        return self.seen is not Seen.NOTHING

    @property
    def opinion(self) -> tuple[Seen, int | None] | None:
        """What this frame votes for; frames without a usable face do not vote."""
        if self.seen in (Seen.NOTHING, Seen.UNUSABLE):
            return None
        return (self.seen, self.person_id)


@dataclass(frozen=True)
class AgreementRule:
    """``frames`` of the last ``window`` voting frames, all within ``seconds``, must agree."""

    frames: int = 2
    window: int = 3
    seconds: float = 1.5

    def __post_init__(self) -> None:
        if not 1 <= self.frames <= self.window:
            raise ValueError("agreement needs 1 <= frames <= window")


@dataclass(frozen=True)
class Agreement:
    """The frames agreed: the evidence a decision is made on."""

    seen: Seen
    person_id: int | None
    frames: int
    distance: float | None
    margin: float | None
    liveness: float | None  # mean over the agreeing frames; None if not checked


class PassageState(enum.Enum):
    IDLE = "idle"
    DETECTING = "detecting"
    DECIDED = "decided"


@dataclass
class PassageTracker:
    rule: AgreementRule = field(default_factory=AgreementRule)
    leave_seconds: float = 1.5
    recheck_seconds: float = 1.0
    state: PassageState = PassageState.IDLE
    _votes: deque[Sighting] = field(default_factory=deque)
    _last_face_at: float | None = None
    _decided: tuple[Seen, int | None] | None = None
    _before: tuple[Seen, int | None] | None = None  # decided earlier while the face stayed
    _identified_at: float = float("-inf")

    def wants_identity(self, now: float) -> bool:
        """Whether the next frame needs identifying; while a decided passage lasts a face
        count is enough, but for a re-check every ``recheck_seconds``."""
        if self.state is not PassageState.DECIDED:
            return True
        return now - self._identified_at >= self.recheck_seconds

    def observe(self, sighting: Sighting) -> Agreement | None:
        """Take one frame's sighting; return the agreement when this frame completes one."""
        if sighting.has_face:
            self._last_face_at = sighting.at
        elif self._last_face_at is None or sighting.at - self._last_face_at >= self.leave_seconds:
            self._end_passage()
            return None
        if sighting.opinion is not None:
            self._identified_at = sighting.at
        if self.state is PassageState.DECIDED and sighting.opinion not in (None, self._decided):
            # Somebody else may have stepped up: a passage of their own starts here. If the
            # frames then agree on the one already decided, it was a flicker, not a new person.
            before = self._decided
            self._end_passage()
            self._last_face_at, self._before = sighting.at, before
        if self.state is PassageState.DECIDED or sighting.opinion is None:
            if self.state is PassageState.IDLE and sighting.has_face:
                self.state = PassageState.DETECTING
            return None
        self.state = PassageState.DETECTING
        self._votes.append(sighting)
        while len(self._votes) > self.rule.window or (
            sighting.at - self._votes[0].at > self.rule.seconds
        ):
            self._votes.popleft()
        agreeing = [v for v in self._votes if v.opinion == sighting.opinion]
        if len(agreeing) < self.rule.frames:
            return None
        self.state = PassageState.DECIDED
        self._decided = sighting.opinion
        self._votes.clear()
        if sighting.opinion == self._before:
            return None  # the same person, still there: not decided again
        self._before = None
        return _agreement(agreeing)

    def _end_passage(self) -> None:
        self.state = PassageState.IDLE
        self._votes.clear()
        self._last_face_at = None
        self._decided = self._before = None


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def _agreement(frames: list[Sighting]) -> Agreement:
    margins = [f.margin for f in frames if f.margin is not None]
    return Agreement(
        seen=frames[0].seen,
        person_id=frames[0].person_id,
        frames=len(frames),
        distance=_mean([f.distance for f in frames]),
        margin=min(margins) if margins else None,
        liveness=_mean([f.liveness for f in frames]),
    )


@dataclass
class MessageRate:
    """A token bucket per connection: ``per_second`` messages on average, bursts of two
    seconds' worth. ``flooding`` turns true once more than ``per_second`` * 3 messages were
    refused within five seconds: time to close the socket rather than keep refusing."""

    per_second: float
    _tokens: float | None = None
    _updated: float = 0.0
    _refused: deque[float] = field(default_factory=deque)

    @property
    def burst(self) -> float:
        return max(2 * self.per_second, 1.0)

    def allow(self, now: float) -> bool:
        if self._tokens is None:
            self._tokens = self.burst
        else:
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
