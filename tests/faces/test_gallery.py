"""The matching rule on synthetic vectors: threshold, margin, several photos per person."""

import numpy as np
import pytest

from recognition.faces.gallery import GalleryData, identify


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


def test_a_mean_template_averages_a_persons_photos():
    """GIVEN a person with two photos either side of a probe and one near photo of someone
    else WHEN the photos count as one mean template THEN the probe is the first person's,
    where the nearest single photo would have named the other."""
    ids = np.array([1, 1, 2])
    vectors = np.array([[1.0, 0.6], [1.0, -0.6], [1.0, 0.45]], np.float32)
    probe = np.array([1.0, 0.0], np.float32)
    best = GalleryData.build(ids, vectors, "cosine", "best")
    mean = GalleryData.build(ids, vectors, "cosine", "mean")
    assert identify(best, probe, threshold=0.5, margin=0.0).person_id == 2
    match = identify(mean, probe, threshold=0.5, margin=0.0)
    assert match.person_id == 1 and np.isclose(match.distance, 0.0, atol=1e-6)
    assert len(mean.vectors) == 2 and len(mean.photo_vectors) == 3


def test_a_stranger_gets_no_name_but_the_nearest_person_is_known_as_the_candidate():
    match = identify(
        gallery({1: [[0, 0]], 2: [[3, 0]]}), np.array([0.9, 0]), threshold=0.6, margin=0
    )
    assert (match.person_id, match.reason, match.candidate_id) == (None, "no_match", 1)


def test_empty_gallery():
    empty = GalleryData.build(np.zeros(0, dtype=np.int64), np.zeros((0, 2), np.float32))
    assert identify(empty, np.array([0, 0]), threshold=0.6, margin=0.05).reason == "empty_gallery"


class TestRefresh:
    """The gallery follows the database: new enrolments appear, deletions disappear."""

    @pytest.fixture(autouse=True)
    def _media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path

    def photo(self, person, vector):
        from django.core.files.base import ContentFile

        from recognition.faces.crypto import embedding_encrypt
        from recognition.models import FacePhoto

        return FacePhoto.objects.create(
            person=person,
            image=ContentFile(b"x", name="x.jpg"),
            status="enrolled",
            model_name="m",
            embedding=embedding_encrypt(np.array(vector + [0.0] * 126, np.float32)),
        )

    def probe(self, vector):
        return np.array(vector + [0.0] * 126, np.float32)

    @pytest.mark.django_db
    def test_append_delete_and_change(self):
        from recognition.faces.gallery import Gallery
        from tests.factories import PersonFactory

        ada, alan = PersonFactory(), PersonFactory()
        self.photo(ada, [0, 0])
        gallery = Gallery("m", check_every=0)
        assert gallery.identify(self.probe([0, 0]), threshold=0.6, margin=0.05).person_id == ada.pk
        assert not gallery.refresh_if_changed()

        alans = self.photo(alan, [3, 0])
        assert gallery.identify(self.probe([3, 0]), threshold=0.6, margin=0.05).person_id == alan.pk
        assert len(gallery) == 2

        alans.delete()
        assert gallery.identify(self.probe([3, 0]), threshold=0.6, margin=0.05).person_id is None
        assert len(gallery) == 1

        ada.face_photos.update(status="rejected")
        assert (
            gallery.identify(self.probe([0, 0]), threshold=0.6, margin=0.05).reason
            == "empty_gallery"
        )

    @pytest.mark.django_db
    def test_while_the_database_is_away_the_people_loaded_are_still_named(self, monkeypatch):
        from django.db import OperationalError

        from recognition.faces.gallery import Gallery
        from tests.factories import PersonFactory

        ada = PersonFactory()
        self.photo(ada, [0, 0])
        gallery = Gallery("m", check_every=0)
        never_loaded = Gallery("m", check_every=0)

        def away(self):
            raise OperationalError("connection refused")

        monkeypatch.setattr(Gallery, "refresh_if_changed", away)
        with pytest.raises(OperationalError):  # nothing loaded yet: nobody could be named
            never_loaded.identify(self.probe([0, 0]), threshold=0.6, margin=0.05)
        monkeypatch.undo()
        gallery.identify(self.probe([0, 0]), threshold=0.6, margin=0.05)  # loaded
        monkeypatch.setattr(Gallery, "refresh_if_changed", away)
        match = gallery.identify(self.probe([0, 0]), threshold=0.6, margin=0.05)
        assert match.person_id == ada.pk


@pytest.mark.django_db
def test_changes_are_looked_for_at_most_once_per_interval(
    django_assert_max_num_queries, django_assert_num_queries
):
    from recognition.faces.gallery import Gallery

    gallery = Gallery("m", check_every=3600)
    with django_assert_max_num_queries(2):  # the first look-up checks (and loads)
        gallery.identify(np.zeros(128, np.float32), threshold=0.6, margin=0.05)
    with django_assert_num_queries(0):  # the next ones, within the hour, do not
        for _ in range(5):
            gallery.identify(np.zeros(128, np.float32), threshold=0.6, margin=0.05)


@pytest.mark.parametrize("template", ["best", "mean"])
@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([3, 3, 5], [7, 9, 9]),  # new people, larger ids: extended without sorting
        ([3, 5], [4, 5]),  # a new photo of a known person, and an id in between: rebuilt
        ([], [2, 2]),  # an empty gallery
    ],
)
def test_appending_gives_the_same_gallery_as_building_at_once(before, after, template):
    rng = np.random.default_rng(1)
    old_vectors = rng.normal(size=(len(before), 4)).astype(np.float32)
    new_vectors = rng.normal(size=(len(after), 4)).astype(np.float32)

    def build(ids, vectors):
        return GalleryData.build(np.array(ids, dtype=np.int64), vectors, "cosine", template)

    appended = build(before, old_vectors).appended(build(after, new_vectors))
    whole = build(before + after, np.concatenate([old_vectors, new_vectors]))
    fields = ("photo_person_ids", "photo_vectors", "starts", "people", "vectors", "squared_norms")
    for field in fields:
        np.testing.assert_allclose(getattr(appended, field), getattr(whole, field), rtol=1e-6)
    for probe in rng.normal(size=(5, 4)).astype(np.float32):
        assert identify(appended, probe, threshold=3, margin=0.01) == identify(
            whole, probe, threshold=3, margin=0.01
        )


def test_cosine_distance_ignores_length_and_matches_pair_distance():
    from recognition.faces.gallery import pair_distance

    rows = {1: [[1.0, 0.0]], 2: [[0.0, 3.0]]}
    ids = np.array([1, 2])
    data = GalleryData.build(ids, np.array([[1.0, 0.0], [0.0, 3.0]], np.float32), "cosine")
    probe = np.array([10.0, 1.0], np.float32)  # long, and close in angle to person 1
    match = identify(data, probe, threshold=0.05, margin=0.01)
    assert match.person_id == 1
    assert match.distance == pytest.approx(pair_distance(probe, np.array([1.0, 0.0]), "cosine"))
    assert match.distance + match.margin == pytest.approx(
        pair_distance(probe, np.array([0.0, 3.0]), "cosine"), abs=1e-6
    )
    assert identify(gallery(rows), probe, threshold=0.05, margin=0.01).person_id is None
    with pytest.raises(ValueError, match="metric"):
        GalleryData.build(ids, np.zeros((2, 2), np.float32), "manhattan")
