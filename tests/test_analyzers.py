"""Frame analysers: the default thread pool and the process pool give the same sightings."""

import asyncio

import pytest

from recognition.analyzers import EmbeddedAnalyzer, ProcessPoolAnalyzer, frame_sighting
from recognition.engine import ImageError
from recognition.passages import Seen
from tests.camera import camera_jpeg
from tests.conftest import UNIT

FACE = camera_jpeg(UNIT / "img6.jpg")
EMPTY = camera_jpeg(None)


def sightings(analyzer) -> list:
    async def both():
        return [
            await analyzer.analyze(frame, at=1.0, identify=False, check_liveness=False)
            for frame in (FACE, EMPTY)
        ]

    return asyncio.run(both())


def test_presence_only_frames_cost_no_identification(face_engine):
    face = frame_sighting(FACE, at=1.0, identify=False, check_liveness=False)
    assert face.seen is Seen.UNUSABLE and face.faces == 1 and face.person_id is None
    empty = frame_sighting(EMPTY, at=2.0, identify=True, check_liveness=False)
    assert empty.seen is Seen.NOTHING and empty.faces == 0


def test_thread_and_process_pools_see_the_same(settings, monkeypatch, face_engine, face_models_dir):
    settings.KIOSK_ANALYZER_WORKERS = 1
    # The worker process builds its own engine from the environment, as a server's would.
    monkeypatch.setenv("ACCESSPORTAL_FACE_MODELS_DIR", str(face_models_dir))
    in_threads = sightings(EmbeddedAnalyzer())
    pool = ProcessPoolAnalyzer()
    try:
        in_processes = sightings(pool)
    finally:
        pool._pool.shutdown()
    assert [s.seen for s in in_threads] == [Seen.UNUSABLE, Seen.NOTHING]
    assert in_processes == in_threads


def test_unreadable_frames_raise_the_image_error(face_engine):
    async def bad():
        return await EmbeddedAnalyzer().analyze(
            b"\xff\xd8\xff junk", at=0, identify=True, check_liveness=False
        )

    with pytest.raises(ImageError):
        asyncio.run(bad())
