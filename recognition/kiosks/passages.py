"""When a kiosk decides, from a stream of analysed frames: plain data, no I/O, no clock.

A *passage* is one person stepping up to a gate. It starts when a face is seen, becomes a
decision once enough recent frames agree on who it is (``AgreementRule``), and ends when no
face has been seen for ``leave_seconds``. Naming an enrolled person needs more than frames
that each pass the threshold: every recent frame whose nearest person was that one, the
frames that fell short included, must pass it on average. A stranger who resembles someone
now and then (a frame under the threshold, the next over it) is not let in by the lucky
frames alone. While a decided passage lasts, nothing is decided
again: a person who stays in front of the camera is not granted over and over. The kiosk then
mostly only needs to know whether the same face is still there: it identifies the face again
only when it moved (``PassageTracker.still_box``), vanished and came back, or
``recheck_seconds`` went by, so that the next person in a queue starts a passage of their own.

Times are seconds on any monotonic clock, passed in by the caller.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from statistics import fmean, median

Box = tuple[float, float, float, float]  # x, y, width, height as fractions of the frame
STILL_OVERLAP = 0.5  # a face box overlapping the last identified one this much has not moved


def overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0: apart, 1: the same)."""
    width = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    common = width * height
    union = a[2] * a[3] + b[2] * b[3] - common
    return common / union if union > 0 else 0.0


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
    box: Box | None = None  # the largest face
    person_id: int | None = None
    distance: float | None = None  # to the nearest person
    margin: float | None = None
    liveness: float | None = None
    face_jpeg: bytes | None = None  # the face, cropped, where the gate keeps snapshots
    candidate_id: int | None = None  # the nearest person, whether or not they matched
    turn: float | None = None  # the largest face's FaceBox.nose_turn()
    code: str | None = None  # a QR code read in the frame (looked for only when asked)

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
    """``frames`` of the last ``window`` voting frames, all within ``seconds``, must agree.
    To name a person, the mean distance to them over the window's frames whose nearest person
    they were must also stay under ``max_mean_distance`` (the match threshold)."""

    frames: int = 2
    window: int = 3
    seconds: float = 1.5
    max_mean_distance: float | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.frames <= self.window:
            raise ValueError("agreement needs 1 <= frames <= window")


@dataclass(frozen=True)
class Claim:
    """Who the person at a gate that asks for a pass first says they are
    (``people.passes``): the face is then compared with theirs alone."""

    person_id: int | None  # None: the pass or number named nobody
    via: str  # "qr" (a pass shown to the camera) or "keypad" (a number typed or badged)


@dataclass(frozen=True)
class Agreement:
    """The frames agreed: the evidence a decision is made on."""

    seen: Seen
    person_id: int | None
    frames: int
    distance: float | None
    margin: float | None
    liveness: float | None  # mean over the agreeing frames; None if not checked
    face_jpeg: bytes | None = None  # the latest agreeing frame's snapshot, if any
    turn: float | None = None  # the face's FaceBox.nose_turn(), median over the agreeing frames
    turned: bool | None = None  # asked to turn their head: did they? None: not asked
    # Asked for their PIN: "right", "duress", "wrong", "locked", "not_set" or "not_entered"
    # (people.pins.PinCheck's values, and none typed in time). None: not asked.
    pin: str | None = None
    claim: Claim | None = None  # at a gate that asks for a pass first: who it named

    @classmethod
    def faceless(cls, claim: Claim) -> Agreement:
        """A passage decided on its pass alone: the pass named nobody, or no face followed
        in time."""
        return cls(
            seen=Seen.NOTHING,
            person_id=None,
            frames=0,
            distance=None,
            margin=None,
            liveness=None,
            claim=claim,
        )


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
    _identified_box: Box | None = None  # where the face was when last identified

    def still_box(self, now: float) -> Box | None:
        """While a decided passage lasts: the box of the face last identified. A face still
        there needs no identifying. None means: identify any face in the next frame."""
        if self.state is not PassageState.DECIDED:
            return None
        if now - self._identified_at >= self.recheck_seconds:
            return None
        return self._identified_box

    def observe(self, sighting: Sighting) -> Agreement | None:
        """Take one frame's sighting; return the agreement when this frame completes one."""
        if sighting.has_face:
            self._last_face_at = sighting.at
        elif self._last_face_at is None or sighting.at - self._last_face_at >= self.leave_seconds:
            self._end_passage()
            return None
        if sighting.opinion is not None:
            self._identified_at, self._identified_box = sighting.at, sighting.box
        elif not sighting.has_face:
            self._identified_box = None  # gone, if only for a frame: identify whoever comes
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
        if len(agreeing) < self.rule.frames or not self._evidence_holds(sighting):
            return None
        self.state = PassageState.DECIDED
        self._decided = sighting.opinion
        self._votes.clear()
        if sighting.opinion == self._before:
            return None  # the same person, still there: not decided again
        self._before = None
        return _agreement(agreeing)

    def resume(self, decided: tuple[Seen, int | None], *, at: float) -> None:
        """Carry on a passage that an earlier connection of this kiosk decided (``decided``:
        what it decided on; ``at``: now). The person still in front of the camera is not
        decided again; once no face was seen for ``leave_seconds``, the passage ends."""
        self._end_passage()
        self.state = PassageState.DECIDED
        self._decided = decided
        self._last_face_at = at

    def forget(self) -> None:
        """Forget the passage in progress (its decision could not be recorded): the next
        frames start a new one."""
        self._end_passage()

    def _evidence_holds(self, sighting: Sighting) -> bool:
        """Whether the window's frames, taken together, pass the threshold for the person
        this frame names (always true for "unknown" and "several")."""
        limit = self.rule.max_mean_distance
        if sighting.seen is not Seen.PERSON or limit is None:
            return True
        distances = [
            v.distance
            for v in self._votes
            if sighting.person_id in (v.candidate_id, v.person_id) and v.distance is not None
        ]
        return not distances or fmean(distances) < limit

    def _end_passage(self) -> None:
        self.state = PassageState.IDLE
        self._votes.clear()
        self._last_face_at = None
        self._decided = self._before = None


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return median(present) if present else None


def _agreement(frames: list[Sighting]) -> Agreement:
    margins = [f.margin for f in frames if f.margin is not None]
    return Agreement(
        seen=frames[0].seen,
        person_id=frames[0].person_id,
        frames=len(frames),
        distance=_mean([f.distance for f in frames]),
        margin=min(margins) if margins else None,
        liveness=_mean([f.liveness for f in frames]),
        face_jpeg=next((f.face_jpeg for f in reversed(frames) if f.face_jpeg), None),
        turn=_median([f.turn for f in frames]),
    )


def kiosk_passage_tracker(*, max_mean_distance: float | None = None) -> PassageTracker:
    """A new connection's passage tracker, by the settings: frame agreement, and a person's
    frames passing the match threshold together (``max_mean_distance``, default the
    threshold)."""
    from django.conf import settings  # read here: the rest of this module is plain data

    return PassageTracker(
        rule=AgreementRule(
            frames=settings.KIOSK_AGREE_FRAMES,
            window=max(settings.KIOSK_AGREE_WINDOW, settings.KIOSK_AGREE_FRAMES),
            seconds=settings.KIOSK_AGREE_SECONDS,
            max_mean_distance=(
                settings.FACE_MATCH_THRESHOLD if max_mean_distance is None else max_mean_distance
            ),
        ),
        leave_seconds=settings.KIOSK_LEAVE_SECONDS,
        recheck_seconds=settings.KIOSK_RECHECK_SECONDS,
    )
