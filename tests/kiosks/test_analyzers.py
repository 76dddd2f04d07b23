"""Frame analysers: the default thread pool and the process pool give the same sightings."""

import asyncio

import pytest

from recognition.faces.engine import ImageError
from recognition.kiosks.analyzers import (
    EmbeddedAnalyzer,
    ProcessPoolAnalyzer,
    Readiness,
    frame_sighting,
)
from recognition.kiosks.passages import Seen
from tests.camera import camera_jpeg
from tests.conftest import UNIT
from tests.processes import wait_for

FACE = camera_jpeg(UNIT / "img6.jpg")
EMPTY = camera_jpeg(None)


def sightings(analyzer, face_box) -> list:
    """Presence only (the face has not moved), so no database is needed in a worker."""

    async def both():
        return [
            await analyzer.analyze(frame, at=1.0, check_liveness=False, still_at=box)
            for frame, box in ((FACE, face_box), (EMPTY, None))
        ]

    return asyncio.run(both())


@pytest.mark.django_db
def test_a_face_that_has_not_moved_is_counted_not_identified(face_engine):
    first = frame_sighting(FACE, at=1.0, check_liveness=False)
    assert first.seen is Seen.UNKNOWN and first.faces == 1  # identified (nobody enrolled)
    still = frame_sighting(FACE, at=1.2, check_liveness=False, still_at=first.box)
    assert still.seen is Seen.UNUSABLE and still.box == first.box  # counted only
    moved = (1 - first.box[2], 1 - first.box[3], first.box[2], first.box[3])
    again = frame_sighting(FACE, at=1.4, check_liveness=False, still_at=moved)
    assert again.seen is Seen.UNKNOWN
    empty = frame_sighting(EMPTY, at=2.0, check_liveness=False)
    assert empty.seen is Seen.NOTHING and empty.faces == 0 and empty.box is None


@pytest.mark.django_db
def test_thread_and_process_pools_see_the_same(settings, monkeypatch, face_engine, face_models_dir):
    settings.KIOSK_ANALYZER_WORKERS = 1
    # The worker process builds its own engine from the environment, as a server's would.
    monkeypatch.setenv("ACCESSPORTAL_FACE_MODELS_DIR", str(face_models_dir))
    face_box = frame_sighting(
        FACE,
        at=0.0,
        check_liveness=False,
    ).box
    in_threads = sightings(EmbeddedAnalyzer(), face_box)
    pool = ProcessPoolAnalyzer()
    try:
        # Building the pool starts its process, which says when its engine is loaded.
        assert pool.readiness() == Readiness(False, "loading (0 of 1 processes)")
        wait_for(lambda: pool.readiness().ready, 120, "the worker's engine")
        in_processes = sightings(pool, face_box)
    finally:
        pool._pool.shutdown()
    assert [s.seen for s in in_threads] == [Seen.UNUSABLE, Seen.NOTHING]
    assert in_processes == in_threads


def test_a_pool_whose_engine_cannot_load_says_so(settings, monkeypatch, tmp_path):
    settings.KIOSK_ANALYZER_WORKERS = 1
    monkeypatch.setenv("ACCESSPORTAL_FACE_MODELS_DIR", str(tmp_path))  # no models there
    pool = ProcessPoolAnalyzer()
    try:
        wait_for(lambda: pool.readiness().detail != "loading (0 of 1 processes)", 120, "the pool")
        readiness = pool.readiness()
    finally:
        pool._pool.shutdown()
    assert not readiness.ready
    assert readiness.detail.startswith("failed to load: ")


def test_unreadable_frames_raise_the_image_error(face_engine):
    async def bad():
        return await EmbeddedAnalyzer().analyze(b"\xff\xd8\xff junk", at=0, check_liveness=False)

    with pytest.raises(ImageError):
        asyncio.run(bad())
