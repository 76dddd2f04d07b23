"""Frame analysers: the default thread pool and the process pool give the same sightings."""

import asyncio

import pytest

from recognition.faces.engine import ImageError
from recognition.kiosks.analyzers import (
    EmbeddedAnalyzer,
    EngineState,
    ProcessPoolAnalyzer,
    Readiness,
    frame_sighting,
)
from recognition.kiosks.passages import Seen, Sighting
from tests.camera import camera_jpeg
from tests.conftest import UNIT
from tests.processes import wait_for

pytestmark = pytest.mark.one_backend

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
        assert pool.readiness() == Readiness(EngineState.LOADING, "0 of 1 processes")
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
        wait_for(lambda: pool.readiness().state is not EngineState.LOADING, 120, "the pool")
        readiness = pool.readiness()
    finally:
        pool._pool.shutdown()
    assert readiness.state is EngineState.FAILED and readiness.detail


def test_unreadable_frames_raise_the_image_error(face_engine):
    async def bad():
        return await EmbeddedAnalyzer().analyze(b"\xff\xd8\xff junk", at=0, check_liveness=False)

    with pytest.raises(ImageError):
        asyncio.run(bad())


# --- Analysis workers on the channel layer ----------------------------------------------------


def test_a_sighting_crosses_the_channel_layer_unchanged():
    import msgpack
    import numpy as np

    from recognition.kiosks.analysis_service import sighting_from_message, sighting_message

    sighting = Sighting(
        at=12.5,
        seen=Seen.PERSON,
        faces=2,
        box=(0.25, 0.5, 0.125, 0.25),
        person_id=7,
        distance=np.float32(0.375),  # the engine's numbers are NumPy's
        margin=0.25,
        liveness=None,
        face_jpeg=b"\xff\xd8\xff jpeg",
        candidate_id=7,
        turn=0.125,
        code="AP1:7.1:signature",
    )
    carried = msgpack.unpackb(msgpack.packb(sighting_message(sighting)))
    assert sighting_from_message(carried) == sighting


@pytest.fixture
def analysis_worker(settings, tmp_path, face_models_dir):
    """A private Redis as channel layer and cache, and one analysis worker process on it."""
    import shutil
    import subprocess
    import sys

    from tests.processes import ROOT, process_env
    from tests.services import PrivateRedis

    if not shutil.which("redis-server"):
        pytest.skip("needs Debian's redis-server (scripts/test installs it)")
    redis = PrivateRedis(tmp_path)
    redis.start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"{redis.url}/0"]},
        }
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{redis.url}/2",
        }
    }
    env = process_env(
        tmp_path,
        database=False,
        ACCESSPORTAL_CHANNEL_LAYER_URL=f"{redis.url}/0",
        ACCESSPORTAL_CACHE_URL=f"{redis.url}/2",
        ACCESSPORTAL_FACE_MODELS_DIR=str(face_models_dir),
    )
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "analysis_worker"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    yield worker
    worker.terminate()
    worker.wait(timeout=30)
    log.close()
    redis.stop()


@pytest.mark.django_db
def test_analysis_workers_see_what_the_web_process_would(
    analysis_worker, settings, face_engine, tmp_path
):
    """GIVEN a web process whose frames go to analysis workers through Redis
    THEN it is not ready until a worker runs, and the worker's sightings are the thread
    pool's; an unreadable frame is the same image error."""
    from recognition.kiosks.analysis_service import AnalysisFailed, ChannelLayerAnalyzer

    settings.KIOSK_ANALYSIS_TIMEOUT_SECONDS = 30
    analyzer = ChannelLayerAnalyzer()
    wait_for(lambda: analyzer.readiness().ready, 120, "the analysis worker to say it is alive")
    face_box = frame_sighting(FACE, at=0.0, check_liveness=False).box
    assert sightings(analyzer, face_box) == sightings(EmbeddedAnalyzer(), face_box)
    with pytest.raises(ImageError):
        asyncio.run(analyzer.analyze(b"\xff\xd8\xff not a jpeg", at=1.0, check_liveness=False))

    analysis_worker.terminate()
    analysis_worker.wait(timeout=30)
    settings.KIOSK_ANALYSIS_TIMEOUT_SECONDS = 0.5
    with pytest.raises(AnalysisFailed, match="no analysis worker answered"):
        asyncio.run(analyzer.analyze(EMPTY, at=2.0, check_liveness=False))


def test_without_analysis_workers_a_web_process_is_not_ready(settings):
    from recognition.kiosks.analysis_service import ChannelLayerAnalyzer

    readiness = ChannelLayerAnalyzer().readiness()  # the test cache: nobody said they are alive
    assert readiness.state is EngineState.NO_ANALYSIS_WORKER


@pytest.mark.django_db(transaction=True)  # enrolment runs once the photo is committed
def test_a_frame_is_searched_for_a_pass_only_when_asked_and_a_face_checked_one_to_one(
    face_engine, settings, tmp_path, eager_celery
):
    """``read_pass``: the QR code in the frame, no face looked at. ``claimed_person_id``: the
    face compared with that person's photos alone, no margin to anyone else."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from recognition.faces import enrolment
    from tests.camera import pass_shown
    from tests.factories import PersonFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    one, other = PersonFactory(), PersonFactory()
    for person, photo in ((one, "img33.jpg"), (other, "img35.jpg")):
        image = SimpleUploadedFile(photo, (UNIT / photo).read_bytes(), content_type="image/jpeg")
        enrolment.face_photo_create(person=person, image=image)
    read = frame_sighting(
        pass_shown("AP1:x", UNIT / "img33.jpg"), at=0, check_liveness=False, read_pass=True
    )
    assert (read.code, read.seen, read.person_id) == ("AP1:x", Seen.NOTHING, None)
    assert (
        frame_sighting(
            camera_jpeg(UNIT / "img33.jpg"), at=0, check_liveness=False, read_pass=True
        ).code
        is None
    )
    face = camera_jpeg(UNIT / "img33.jpg")
    own = frame_sighting(face, at=0, check_liveness=False, claimed_person_id=one.pk)
    others = frame_sighting(face, at=0, check_liveness=False, claimed_person_id=other.pk)
    assert (own.seen, own.person_id, own.margin) == (Seen.PERSON, one.pk, None)
    assert (others.seen, others.person_id, others.candidate_id) == (Seen.UNKNOWN, None, other.pk)
    assert others.distance > own.distance
