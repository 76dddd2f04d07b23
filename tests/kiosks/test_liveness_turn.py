"""The head turn asked for at the door: the measure a flat picture cannot move, and the
challenge built on it. Plain data: no engine, no database (the socket tests run it for real)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.decisions import Reason
from recognition.faces.recognizers import FaceBox
from recognition.kiosks.decisions import pre_rule_decision
from recognition.kiosks.liveness import (
    TurnDirection,
    TurnOutcome,
    TurnRule,
    turn_challenge_start,
)
from recognition.kiosks.passages import Agreement, Seen, Sighting

# Eyes, nose tip, mouth corners of a frontal face (x, y each), as YuNet gives them.
FRONTAL = np.array([[30, 40], [70, 40], [50, 60], [36, 80], [64, 80]], float)


def face(points: np.ndarray) -> FaceBox:
    return FaceBox(0, 0, 100, 100, 0.9, tuple(float(v) for v in points.reshape(-1)))


def test_the_nose_between_the_eyes_says_how_the_head_is_turned():
    assert face(FRONTAL).nose_turn() == pytest.approx(0.0)
    turned = FRONTAL.copy()
    turned[2, 0] += 8  # the nose a fifth of the eye distance towards the second eye
    assert face(turned).nose_turn() == pytest.approx(0.2)
    assert FaceBox(0, 0, 10, 10, 0.9).nose_turn() is None  # no landmarks, no measure


@given(
    matrix=st.lists(st.floats(-1.5, 1.5), min_size=4, max_size=4),
    shift=st.tuples(st.floats(-500, 500), st.floats(-500, 500)),
    nose=st.floats(-0.4, 0.4),
)
def test_a_flat_picture_moved_tilted_or_sheared_keeps_the_measure(matrix, shift, nose):
    """Any affine map of the picture (what holding a photo up at an angle does, to a first
    approximation) leaves the measure where it was."""
    linear = np.array(matrix).reshape(2, 2)
    if abs(np.linalg.det(linear)) < 0.2:  # squashed flat: no face detector would see it
        return
    points = FRONTAL.copy()
    points[2, 0] += nose * 40
    moved = points @ linear.T + np.array(shift)
    assert face(moved).nose_turn() == pytest.approx(face(points).nose_turn(), abs=1e-6)


PERSON = 7


def named(*, turn: float = 0.0) -> Agreement:
    return Agreement(Seen.PERSON, PERSON, 2, 0.3, 0.1, None, turn=turn)


def seen(at: float, turn: float | None, *, person=PERSON, candidate=PERSON, what=Seen.PERSON):
    return Sighting(at=at, seen=what, faces=1, person_id=person, candidate_id=candidate, turn=turn)


def test_turning_the_way_asked_is_seen_in_two_frames():
    challenge = turn_challenge_start(named(turn=0.05), direction=TurnDirection.RIGHT, at=0)
    assert challenge is not None
    assert challenge.observe(seen(0.5, 0.0)) is TurnOutcome.PENDING  # not far enough yet
    assert challenge.observe(seen(1.0, -0.2)) is TurnOutcome.PENDING  # one frame is not enough
    # A turned face may not be recognised any more; it must still be nearest to them.
    assert challenge.observe(seen(1.2, -0.3, person=None, what=Seen.UNKNOWN)) is (
        TurnOutcome.TURNED
    )
    assert challenge.settled(TurnOutcome.TURNED).turned is True


def test_turning_the_other_way_or_not_at_all_runs_out_of_time():
    rule = TurnRule(needed=0.2, frames=2, seconds=6)
    challenge = turn_challenge_start(named(), direction=TurnDirection.LEFT, at=10, rule=rule)
    assert challenge is not None
    for step in range(1, 12):
        assert challenge.observe(seen(10 + step * 0.5, -0.4)) is TurnOutcome.PENDING
    assert challenge.observe(seen(16.5, 0.4)) is TurnOutcome.NOT_TURNED  # too late
    assert challenge.settled(TurnOutcome.NOT_TURNED).turned is False


def test_another_face_does_not_turn_for_the_person_asked():
    challenge = turn_challenge_start(named(), direction=TurnDirection.LEFT, at=0)
    assert challenge is not None
    # Nearest to somebody else: not counted. Named as somebody else: that ends it.
    assert (
        challenge.observe(seen(0.5, 0.4, person=None, candidate=8, what=Seen.UNKNOWN))
        is TurnOutcome.PENDING
    )
    assert (
        challenge.observe(seen(0.6, 0.4, person=None, candidate=8, what=Seen.UNKNOWN))
        is TurnOutcome.PENDING
    )
    assert challenge.observe(seen(0.7, 0.4, person=8, candidate=8)) is TurnOutcome.NOT_TURNED


def test_only_a_named_person_is_asked_to_turn():
    stranger = Agreement(Seen.UNKNOWN, None, 2, 0.9, None, None)
    assert turn_challenge_start(stranger, direction=TurnDirection.LEFT, at=0) is None


@pytest.mark.parametrize(("turned", "expected"), [(False, Reason.TURN_NOT_SEEN), (True, None)])
def test_a_turn_not_seen_is_denied_before_the_rules(turned, expected):
    agreement = named()
    decision = pre_rule_decision(
        Agreement(**{**agreement.__dict__, "turned": turned}),
        liveness_required=False,
        liveness_threshold=0.5,
    )
    assert (None if decision is None else decision.reason) is expected
