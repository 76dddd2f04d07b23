"""When a kiosk decides: agreement across frames, one decision per passage, rate limits."""

import pytest

from recognition.kiosks.passages import (
    AgreementRule,
    PassageState,
    PassageTracker,
    Seen,
    Sighting,
    overlap,
)
from recognition.kiosks.rate_limit import MessageRate

HERE = (0.3, 0.2, 0.4, 0.5)
THERE = (0.0, 0.0, 0.3, 0.4)


def person(at, person_id=7, distance=0.4, liveness=0.9, box=HERE):
    return Sighting(
        at=at,
        seen=Seen.PERSON,
        faces=1,
        box=box,
        person_id=person_id,
        distance=distance,
        margin=0.2,
        liveness=liveness,
    )


def nothing(at):
    return Sighting(at=at, seen=Seen.NOTHING)


def face_only(at):
    return Sighting(at=at, seen=Seen.UNUSABLE, faces=1)


def tracker(frames=2, window=3, seconds=1.0, leave=1.5):
    return PassageTracker(rule=AgreementRule(frames, window, seconds), leave_seconds=leave)


def test_two_agreeing_frames_decide_once_with_the_evidence():
    t = tracker()
    assert t.observe(person(0.0, distance=0.4, liveness=0.8)) is None
    assert t.state is PassageState.DETECTING
    agreement = t.observe(person(0.2, distance=0.5, liveness=1.0))
    assert agreement.person_id == 7 and agreement.frames == 2
    assert agreement.distance == pytest.approx(0.45) and agreement.liveness == pytest.approx(0.9)
    assert t.state is PassageState.DECIDED and t.still_box(0.3) == HERE


def test_a_person_who_stays_is_not_decided_again():
    t = tracker()
    t.observe(person(0.0))
    assert t.observe(person(0.2)) is not None
    for i in range(50):
        assert t.observe(face_only(0.4 + i * 0.2)) is None
    assert t.state is PassageState.DECIDED


def test_while_decided_a_face_is_identified_again_only_when_it_moved_or_time_passed():
    t = tracker()
    t.recheck_seconds = 3.0
    assert t.still_box(0.0) is None  # before a decision every face is identified
    t.observe(person(0.0))
    t.observe(person(0.2))
    assert t.still_box(0.8) == HERE  # a face still here is only counted
    assert t.still_box(3.3) is None  # but re-checked now and then
    assert t.observe(person(3.3, box=THERE)) is None  # the same person, moved
    assert t.still_box(3.5) == THERE
    t.observe(nothing(3.6))  # gone for a frame: whoever comes next is identified
    assert t.still_box(3.7) is None and t.state is PassageState.DECIDED


def test_boxes_overlap():
    assert overlap(HERE, HERE) == pytest.approx(1.0)
    assert overlap(HERE, THERE) == 0.0
    assert 0.3 < overlap((0, 0, 1, 1), (0.5, 0, 1, 1)) < 0.34


def test_the_next_person_in_a_queue_gets_a_passage_without_a_gap():
    t = tracker()
    t.observe(person(0.0, person_id=1))
    assert t.observe(person(0.2, person_id=1)).person_id == 1
    assert t.observe(person(1.3, person_id=2)) is None  # a different face at a re-check
    assert t.state is PassageState.DETECTING and t.still_box(1.4) is None
    assert t.observe(person(1.5, person_id=2)).person_id == 2


def test_a_flicker_at_a_re_check_does_not_decide_the_same_person_again():
    t = tracker()
    t.observe(person(0.0, person_id=1))
    assert t.observe(person(0.2, person_id=1)) is not None
    assert t.observe(Sighting(at=1.3, seen=Seen.UNKNOWN, faces=1)) is None
    assert t.observe(person(1.5, person_id=1)) is None
    assert t.observe(person(1.7, person_id=1)) is None
    assert t.state is PassageState.DECIDED
    assert t.observe(nothing(4.0)) is None and t.state is PassageState.IDLE
    t.observe(person(5.0, person_id=1))
    assert t.observe(person(5.2, person_id=1)) is not None  # after leaving: a new passage


def test_the_passage_ends_when_the_face_has_been_gone_long_enough():
    t = tracker(leave=1.5)
    t.observe(person(0.0))
    t.observe(person(0.2))
    assert t.observe(nothing(1.0)) is None and t.state is PassageState.DECIDED  # a blink
    assert t.observe(nothing(1.8)) is None and t.state is PassageState.IDLE
    t.observe(person(5.0))
    assert t.observe(person(5.2)) is not None  # a new passage


def test_disagreeing_frames_do_not_decide():
    t = tracker()
    assert t.observe(person(0.0, person_id=1)) is None
    assert t.observe(person(0.1, person_id=2)) is None
    assert t.observe(Sighting(at=0.2, seen=Seen.UNKNOWN, faces=1)) is None
    assert t.observe(person(0.3, person_id=2)).person_id == 2  # two of the last three


def test_agreement_must_fall_within_the_time_window():
    t = tracker(seconds=1.0)
    t.observe(person(0.0))
    assert t.observe(person(1.2)) is None
    assert t.observe(person(1.4)) is not None


def test_unknown_faces_and_crowds_are_decisions_too():
    t = tracker()
    t.observe(Sighting(at=0.0, seen=Seen.UNKNOWN, faces=1, distance=0.8))
    unknown = t.observe(Sighting(at=0.1, seen=Seen.UNKNOWN, faces=1, distance=0.9))
    assert unknown.seen is Seen.UNKNOWN and unknown.person_id is None

    t = tracker()
    t.observe(Sighting(at=0.0, seen=Seen.SEVERAL, faces=2))
    assert t.observe(Sighting(at=0.1, seen=Seen.SEVERAL, faces=2)).seen is Seen.SEVERAL


def test_frames_without_a_usable_face_do_not_vote():
    t = tracker()
    t.observe(person(0.0))
    assert t.observe(face_only(0.1)) is None
    assert t.state is PassageState.DETECTING
    assert t.observe(person(0.2)) is not None


def test_one_frame_may_be_enough_when_configured():
    assert tracker(frames=1, window=1).observe(person(0.0)) is not None
    with pytest.raises(ValueError):
        AgreementRule(frames=3, window=2)


def test_message_rate_allows_bursts_refuses_floods_and_recovers():
    rate = MessageRate(per_second=5)
    assert all(rate.allow(0.0) for _ in range(10))  # two seconds' worth at once
    assert not rate.allow(0.0)
    assert rate.allow(0.25)  # refilled
    refused = sum(not rate.allow(0.3) for _ in range(20))
    assert refused == 20 and rate.flooding
    calm = MessageRate(per_second=5)
    assert all(calm.allow(i * 0.2) for i in range(100)) and not calm.flooding


def near_miss(at, candidate_id=7, distance=0.62):
    """A frame whose nearest person was ``candidate_id``, but not near enough to name them."""
    return Sighting(
        at=at, seen=Seen.UNKNOWN, faces=1, box=HERE, distance=distance, candidate_id=candidate_id
    )


def test_frames_that_pass_alone_must_also_pass_together():
    """GIVEN a threshold of 0.5 WHEN a stranger's frames swing around it (0.48, 0.62, 0.49)
    THEN the two lucky frames alone do not name anybody: their window averages 0.53."""
    rule = AgreementRule(frames=2, window=3, seconds=1.5, max_mean_distance=0.5)
    t = PassageTracker(rule=rule)
    assert t.observe(person(0.0, distance=0.48)) is None
    assert t.observe(near_miss(0.2, distance=0.62)) is None
    assert t.observe(person(0.4, distance=0.49)) is None
    assert t.state is PassageState.DETECTING
    assert t.observe(person(0.6, distance=0.47)) is None  # 0.62, 0.49, 0.47: still 0.527
    # The near miss has left the window: these frames pass together.
    assert t.observe(person(0.8, distance=0.46)).person_id == 7


def test_a_near_miss_of_someone_else_does_not_count_against_the_person_named():
    rule = AgreementRule(frames=2, window=3, seconds=1.5, max_mean_distance=0.5)
    t = PassageTracker(rule=rule)
    t.observe(person(0.0, distance=0.45))
    t.observe(near_miss(0.2, candidate_id=8, distance=0.9))
    assert t.observe(person(0.4, distance=0.45)).person_id == 7


def test_a_resumed_passage_holds_its_person_and_yields_to_others():
    """A kiosk connecting again carries on the passage its lost socket decided."""
    t = tracker()
    t.resume((Seen.PERSON, 7), at=10.0)
    assert t.state is PassageState.DECIDED and t.still_box(10.0) is None  # identify the face
    assert all(t.observe(person(10.2 + i * 0.2)) is None for i in range(5))  # still her
    someone_else = [t.observe(person(11.4 + i * 0.2, person_id=8)) for i in range(2)]
    assert someone_else[0] is None and someone_else[1].person_id == 8


def test_a_resumed_passage_ends_when_nobody_is_there():
    t = tracker(leave=1.5)
    t.resume((Seen.PERSON, 7), at=10.0)
    assert t.observe(nothing(11.6)) is None and t.state is PassageState.IDLE
    t.observe(person(12.0))
    assert t.observe(person(12.2)).person_id == 7  # back after leaving: a new passage
