"""The matching rule on synthetic vectors: threshold, margin, several photos per person."""

import numpy as np

from recognition.gallery import GalleryData, identify


def gallery(rows: dict[int, list[list[float]]]) -> GalleryData:
    ids = np.array([pid for pid, vectors in rows.items() for _ in vectors])
    vectors = np.array([v for vectors in rows.values() for v in vectors], dtype=np.float32)
    return GalleryData.build(ids, vectors)


def test_clear_match():
    data = gallery({1: [[0, 0]], 2: [[1, 0]]})
    match = identify(data, np.array([0.1, 0]), threshold=0.6, margin=0.05)
    assert (match.person_id, match.reason) == (1, "match")
    assert np.isclose(match.distance, 0.1) and np.isclose(match.margin, 0.8)


def test_nearest_but_too_far_is_unknown():
    match = identify(gallery({1: [[0, 0]]}), np.array([0.7, 0]), threshold=0.6, margin=0.05)
    assert (match.person_id, match.reason) == (None, "no_match")


def test_two_people_almost_equally_near_is_ambiguous():
    data = gallery({1: [[0, 0]], 2: [[0.5, 0]]})
    match = identify(data, np.array([0.24, 0]), threshold=0.6, margin=0.05)
    assert (match.person_id, match.reason) == (None, "ambiguous")


def test_a_persons_best_photo_counts_and_their_other_photos_are_not_rivals():
    data = gallery({7: [[0, 0], [0.1, 0], [5, 5]], 8: [[3, 0]]})
    match = identify(data, np.array([0.05, 0]), threshold=0.6, margin=0.05)
    assert (match.person_id, match.reason) == (7, "match")
    assert np.isclose(match.margin, 2.9, atol=1e-5)


def test_empty_gallery():
    empty = GalleryData.build(np.zeros(0, dtype=np.int64), np.zeros((0, 2), np.float32))
    assert identify(empty, np.array([0, 0]), threshold=0.6, margin=0.05).reason == "empty_gallery"
