"""The kiosk's half of a decision, before the rules: plain data, no database, no settings."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.decisions import PRE_DECISION_REASONS, Reason
from recognition.kiosks.decisions import pre_rule_decision
from recognition.kiosks.passages import Agreement, Claim, Seen

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


# --- A pass or number first, then the face (1:1) -----------------------------------------------


@given(
    seen=st.sampled_from(list(Seen)),
    person_id=st.none() | st.integers(1, 5),
    claimed=st.none() | st.integers(1, 5),
    via=st.sampled_from(["qr", "keypad"]),
    liveness=st.none() | st.floats(0, 1),
    pin=st.none() | st.sampled_from(["right", "duress", "wrong", "locked"]),
    turned=st.none() | st.booleans(),
)
def test_with_a_claim_only_the_named_persons_own_face_is_left_to_the_rules(
    seen, person_id, claimed, via, liveness, pin, turned
):
    facts = Agreement(
        seen,
        person_id if seen is Seen.PERSON else None,
        0 if seen is Seen.NOTHING else 2,
        0.3,
        None,
        liveness,
        pin=pin,
        turned=turned,
        claim=Claim(claimed, via),
    )
    decision = pre_rule_decision(facts, liveness_required=True, liveness_threshold=THRESHOLD)
    own_face = seen is Seen.PERSON and claimed is not None and facts.person_id == claimed
    if not own_face:  # nobody named, no face, a stranger's face, someone else's face
        assert decision is not None and not decision.granted
    if decision is not None:
        assert not decision.granted and decision.reason in PRE_DECISION_REASONS
    if claimed is None and seen is not Seen.SEVERAL:
        assert decision.reason is Reason.CLAIM_UNKNOWN


@pytest.mark.parametrize(
    ("seen", "person_id", "expected"),
    [
        (Seen.PERSON, 7, None),  # the named person's face: the rules decide
        (Seen.PERSON, 8, Reason.FACE_MISMATCH),  # cannot come from a 1:1 check; refused anyway
        (Seen.UNKNOWN, None, Reason.FACE_MISMATCH),
        (Seen.NOTHING, None, Reason.FACE_NOT_SEEN),
    ],
)
def test_a_claim_is_decided_by_whose_face_followed(seen, person_id, expected):
    facts = Agreement(seen, person_id, 2, 0.3, None, 0.9, claim=Claim(7, "qr"))
    decision = pre_rule_decision(facts, liveness_required=True, liveness_threshold=THRESHOLD)
    assert (decision and decision.reason) == expected
