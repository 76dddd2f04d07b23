"""The kiosk's half of a decision, before the rules: plain data, no database, no settings."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.decisions import PRE_DECISION_REASONS, Reason
from recognition.kiosks.decisions import pre_rule_decision
from recognition.kiosks.passages import Agreement, Seen

THRESHOLD = 0.5


def agreement(seen: Seen, *, liveness: float | None = None) -> Agreement:
    person_id = 7 if seen is Seen.PERSON else None
    return Agreement(seen, person_id, 2, 0.3, 0.1, liveness)


def decided(seen: Seen, **facts) -> Reason | None:
    liveness = facts.pop("liveness", None)
    facts.setdefault("liveness_required", True)
    decision = pre_rule_decision(
        agreement(seen, liveness=liveness), liveness_threshold=THRESHOLD, **facts
    )
    return None if decision is None else decision.reason


def test_several_faces_are_told_one_at_a_time_whatever_else_holds():
    assert decided(Seen.SEVERAL, faces_updating=True) is Reason.SEVERAL_FACES


def test_a_stranger_while_faces_are_updating_is_told_so_and_otherwise_left_to_the_rules():
    assert decided(Seen.UNKNOWN, faces_updating=True) is Reason.FACES_UPDATING
    assert decided(Seen.UNKNOWN, faces_updating=False) is None


@pytest.mark.parametrize(
    ("liveness", "required", "expected"),
    [
        (0.2, True, Reason.SPOOF_SUSPECTED),
        (THRESHOLD, True, None),  # at the threshold: live
        (0.2, False, None),  # the gate does not ask for liveness
        (None, True, None),  # not measured: the rules decide
    ],
)
def test_liveness_stops_only_an_enrolled_face_at_a_gate_that_requires_it(
    liveness, required, expected
):
    assert decided(Seen.PERSON, liveness=liveness, liveness_required=required) is expected


def test_a_stranger_who_looks_like_a_photo_is_simply_not_recognised_by_the_rules():
    assert decided(Seen.UNKNOWN, liveness=0.0) is None


@given(
    seen=st.sampled_from(list(Seen)),
    liveness=st.none() | st.floats(0, 1),
    required=st.booleans(),
    updating=st.booleans(),
)
def test_the_kiosk_only_ever_denies_and_only_with_its_own_reasons(
    seen, liveness, required, updating
):
    decision = pre_rule_decision(
        agreement(seen, liveness=liveness),
        liveness_required=required,
        liveness_threshold=THRESHOLD,
        faces_updating=updating,
    )
    if decision is not None:
        assert not decision.granted and decision.reason in PRE_DECISION_REASONS
    if seen is Seen.SEVERAL:
        assert decision is not None
