"""A head turn asked for at the door: liveness that a photo or a screen held up does not pass.

Plain data and pure functions, like ``passages``: no I/O, no settings, no clock. When the frames
agree on an enrolled person at a gate that asks for a turn, the kiosk asks them to turn their
head to one side, chosen at random, and decides once they did (or once ``TurnRule.seconds``
went by without it).

What is measured is ``FaceBox.nose_turn``: where the nose tip sits between the eyes in the
face's own frame. Shifting, tilting, shearing or scaling a flat picture leaves it (nearly)
unchanged; a head turning moves it by about 0.2 at 20 degrees. A frame counts as turned when
the measure moved at least ``TurnRule.needed`` from the person's own value at the decision,
to the side asked, and the face's nearest enrolled person is still that person.

What it does not stop: a video of the person turning to both sides, played on a screen by
someone who switches it at the right moment; a 3D mask. ``bench/liveness.py`` measures it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from django.utils.translation import gettext_lazy as _

from recognition.kiosks.passages import Agreement, Seen, Sighting


class TurnDirection(enum.StrEnum):
    """The person's own left or right (on the camera's unmirrored picture, their left is to
    the picture's right: ``nose_turn`` grows)."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def sign(self) -> int:
        return 1 if self is TurnDirection.LEFT else -1


class TurnOutcome(enum.Enum):
    PENDING = "pending"
    TURNED = "turned"
    NOT_TURNED = "not_turned"


@dataclass(frozen=True)
class TurnRule:
    """``frames`` frames within ``seconds`` must show the nose moved ``needed`` to the side."""

    needed: float = 0.2
    frames: int = 2
    seconds: float = 6.0


@dataclass
class TurnChallenge:
    """One person asked to turn, from the agreement that named them."""

    agreement: Agreement
    direction: TurnDirection
    started_at: float
    rule: TurnRule = TurnRule()
    turned_frames: int = 0

    def observe(self, sighting: Sighting) -> TurnOutcome:
        """Take the next frame's sighting; say whether the turn is done, failed or awaited."""
        person_id = self.agreement.person_id
        baseline = self.agreement.turn
        if sighting.at - self.started_at > self.rule.seconds or baseline is None:
            return TurnOutcome.NOT_TURNED
        if sighting.seen is Seen.PERSON and sighting.person_id != person_id:
            return TurnOutcome.NOT_TURNED  # somebody else stepped in
        if (
            sighting.turn is not None
            and sighting.candidate_id == person_id
            and sighting.seen is not Seen.SEVERAL
            and (sighting.turn - baseline) * self.direction.sign >= self.rule.needed
        ):
            self.turned_frames += 1
        if self.turned_frames >= self.rule.frames:
            return TurnOutcome.TURNED
        return TurnOutcome.PENDING

    def settled(self, outcome: TurnOutcome) -> Agreement:
        """The agreement to decide on, with the turn's outcome."""
        return replace(self.agreement, turned=outcome is TurnOutcome.TURNED)


def turn_challenge_start(
    agreement: Agreement, *, direction: TurnDirection, at: float, rule: TurnRule = TurnRule()
) -> TurnChallenge | None:
    """The challenge for an agreement that named a person, or None when there is nobody to
    ask (a stranger, a crowd: decided at once)."""
    if agreement.seen is not Seen.PERSON:
        return None
    return TurnChallenge(agreement=agreement, direction=direction, started_at=at, rule=rule)


TURN_TEXT = {
    TurnDirection.LEFT: _("Please turn your head slowly to your left."),
    TurnDirection.RIGHT: _("Please turn your head slowly to your right."),
}
