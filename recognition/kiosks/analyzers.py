"""Frame analysers: turn one kiosk frame into a :class:`~recognition.kiosks.passages.Sighting`.

The kiosk consumer awaits ``analyzer.analyze(...)`` and never runs the face engine on the
event loop. Which analyser is used is a setting (``KIOSK_FRAME_ANALYZER``, a dotted class
path): the default runs the engine in this process on a small thread pool;
``ProcessPoolAnalyzer`` runs one engine per worker process to use every core. An analyser
that sends frames to Celery workers only has to offer the same ``analyze`` coroutine.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import multiprocessing
import queue
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from recognition.faces.engine import FaceEngine, get_engine
from recognition.faces.enrolment import has_rival_face
from recognition.faces.gallery import Match
from recognition.faces.identification import embedding_match, embedding_verify
from recognition.kiosks import analyzer_process
from recognition.kiosks.pass_reader import pass_read
from recognition.kiosks.passages import STILL_OVERLAP, Box, Seen, Sighting, overlap

logger = logging.getLogger(__name__)


class EngineState(enum.StrEnum):
    LOADING = "loading"
    LOADED = "loaded"
    FAILED = "failed"  # it cannot load: the detail says why
    NO_ANALYSIS_WORKER = "no_analysis_worker"  # the engines are in workers; none is alive
    ON_FIRST_FRAME = "on_first_frame"  # no analyser built: it loads with the first frame


# A kiosk may send frames: the engine is loaded, or loads with the first frame (no warm start).
# NO_ANALYSIS_WORKER counts too: a worker may come back, and each frame then says what failed.
ENGINE_USABLE = frozenset(
    {EngineState.LOADED, EngineState.ON_FIRST_FRAME, EngineState.NO_ANALYSIS_WORKER}
)


@dataclass(frozen=True)
class Readiness:
    """Whether an analyser can take frames at full speed now: its engines are loaded."""

    state: EngineState
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state is EngineState.LOADED


def warming_readiness(warming: list[Future]) -> Readiness:
    """The readiness of an analyser whose engines load in ``warming``."""
    if not all(future.done() for future in warming):
        return Readiness(EngineState.LOADING)
    for future in warming:
        error = future.exception()
        if error is not None:
            return Readiness(EngineState.FAILED, str(error))
    return Readiness(EngineState.LOADED)


class FrameAnalyzer(Protocol):
    def readiness(self) -> Readiness:
        """Whether the engines are loaded; building the analyser starts loading them."""
        ...

    async def analyze(
        self,
        data: bytes,
        *,
        at: float,
        check_liveness: bool,
        still_at: Box | None = None,
        snapshot: bool = False,
        claimed_person_id: int | None = None,
        read_pass: bool = False,
    ) -> Sighting:
        """Raises ``faces.engine.ImageError`` for bytes that are not a readable image."""
        ...


def frame_sighting(
    data: bytes,
    *,
    at: float,
    check_liveness: bool,
    still_at: Box | None = None,
    snapshot: bool = False,
    claimed_person_id: int | None = None,
    read_pass: bool = False,
    engine: FaceEngine | None = None,
    matcher: Callable[[np.ndarray], Match] | None = None,
) -> Sighting:
    """Analyse one frame (blocking). With ``still_at``, a largest face that has not moved
    from that box is only counted, not identified (the passage already knows who it is).
    With ``snapshot``, an identified face comes with its picture, cropped. ``matcher`` names
    the face (default: the gallery of everyone enrolled, :func:`embedding_match`; with
    ``claimed_person_id``, that person's photos alone, :func:`embedding_verify`). With
    ``read_pass``, the frame is only searched for a QR pass (``Sighting.code``), no face."""
    if read_pass:
        return Sighting(at=at, seen=Seen.NOTHING, code=pass_read(data))
    engine = engine or get_engine()
    # Most frames at a door show nobody, and a decided passage only needs to know whether the
    # same face is still there: a cheap presence check answers both.
    presence = engine.detect_faces(data)
    if not presence.faces:
        return Sighting(at=at, seen=Seen.NOTHING)
    assert presence.size is not None  # a presence check always says what it looked at
    width, height = presence.size
    face = presence.faces[0]
    box = (face.x / width, face.y / height, face.w / width, face.h / height)
    faces = len(presence.faces)
    turn = face.nose_turn()
    if still_at is not None and overlap(box, still_at) >= STILL_OVERLAP:
        return Sighting(at=at, seen=Seen.UNUSABLE, faces=faces, box=box, turn=turn)
    reading = engine.read(data, check_liveness=check_liveness, presence=presence, snapshot=snapshot)
    if not reading.faces:
        return Sighting(at=at, seen=Seen.NOTHING)
    if reading.embedding is None:  # the largest face is too small: still far away
        return Sighting(at=at, seen=Seen.UNUSABLE, faces=faces, box=box, turn=turn)
    if has_rival_face(reading):
        return Sighting(at=at, seen=Seen.SEVERAL, faces=faces, box=box, turn=turn)
    if matcher is None:
        # The gallery looks for enrolment changes in the database: on this long-lived worker
        # thread, drop a connection that broke or expired first (never one inside a
        # transaction, which belongs to the caller).
        if not connection.in_atomic_block:
            close_old_connections()
        if claimed_person_id is not None:
            match = embedding_verify(reading.embedding, person_id=claimed_person_id, engine=engine)
        else:
            match = embedding_match(reading.embedding, engine=engine)
    else:
        match = matcher(reading.embedding)
    return Sighting(
        face_jpeg=reading.face_jpeg,
        at=at,
        seen=Seen.PERSON if match.person_id is not None else Seen.UNKNOWN,
        faces=faces,
        box=box,
        person_id=match.person_id,
        distance=match.distance,
        margin=match.margin,
        liveness=reading.liveness,
        candidate_id=match.candidate_id,
        turn=turn,
    )


class _PoolAnalyzer:
    """Runs ``_function`` (:func:`frame_sighting`) on an executor, so that the event loop
    never waits for the engine."""

    _pool: Executor
    _warming: list[Future]
    _function = staticmethod(frame_sighting)

    def readiness(self) -> Readiness:
        return warming_readiness(self._warming)

    async def analyze(
        self,
        data: bytes,
        *,
        at: float,
        check_liveness: bool,
        still_at: Box | None = None,
        snapshot: bool = False,
        claimed_person_id: int | None = None,
        read_pass: bool = False,
    ) -> Sighting:
        work = partial(
            self._function,
            data,
            at=at,
            check_liveness=check_liveness,
            still_at=still_at,
            snapshot=snapshot,
            claimed_person_id=claimed_person_id,
            read_pass=read_pass,
        )
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)


class EmbeddedAnalyzer(_PoolAnalyzer):
    """The default: the engine in this process, on ``KIOSK_ANALYZER_WORKERS`` threads."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(
            max_workers=settings.KIOSK_ANALYZER_WORKERS, thread_name_prefix="frame-analyzer"
        )
        self._warming = [self._pool.submit(get_engine)]  # loaded before the first frame


class ProcessPoolAnalyzer(_PoolAnalyzer):
    """The engine in ``KIOSK_ANALYZER_WORKERS`` processes beside this one, an engine each:
    the engine holds Python's GIL in places, so only processes put every core to work for sure.
    Each process reads the gallery from the database like any other process does. A worker
    that dies costs the frames it held; the pool is started again for the next frames."""

    _function = staticmethod(analyzer_process.sighting)

    def __init__(self) -> None:
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        self._loaded: Any = context.Queue()  # each process says here that its engine is loaded
        self._loaded_count = 0
        pool = ProcessPoolExecutor(
            max_workers=settings.KIOSK_ANALYZER_WORKERS,
            mp_context=context,
            initializer=analyzer_process.start,
            initargs=(self._loaded,),
        )
        # The pool starts a process only when no idle one is left: with every worker asked
        # at once, all start now, each loading its engine before the first frame. A process
        # whose engine fails to load breaks these futures.
        self._warming = [
            pool.submit(analyzer_process.ready) for _ in range(settings.KIOSK_ANALYZER_WORKERS)
        ]
        return pool

    def readiness(self) -> Readiness:
        failed = warming_readiness([f for f in self._warming if f.done()])
        if not failed.ready:
            return failed
        while True:
            try:
                self._loaded.get_nowait()
            except queue.Empty:
                break
            self._loaded_count += 1
        workers = settings.KIOSK_ANALYZER_WORKERS
        if self._loaded_count < workers:
            return Readiness(EngineState.LOADING, f"{self._loaded_count} of {workers} processes")
        return Readiness(EngineState.LOADED)

    async def analyze(self, data: bytes, **options: Any) -> Sighting:
        pool = self._pool
        try:
            return await super().analyze(data, **options)
        except BrokenProcessPool:
            if self._pool is pool:
                logger.error("A frame analyser process died; starting the pool again.")
                self._pool = self._start()
                pool.shutdown(wait=False, cancel_futures=True)
            raise


_analyzers: dict[str, FrameAnalyzer] = {}


def analyzer_readiness() -> Readiness:
    """The readiness of this process's analyser. Before one is built: loading, where the web
    process builds it as it starts (``KIOSK_WARM_AT_START``), else on the first frame."""
    analyzer = _analyzers.get(settings.KIOSK_FRAME_ANALYZER)
    if analyzer is not None:
        return analyzer.readiness()
    if settings.KIOSK_WARM_AT_START:
        return Readiness(EngineState.LOADING)
    return Readiness(EngineState.ON_FIRST_FRAME)


def get_analyzer() -> FrameAnalyzer:
    """The process's analyser (``KIOSK_FRAME_ANALYZER``), built on first use. Building it
    starts loading its engines in the background: a web process asks at start
    (``accessportal.asgi``), so that the first person at a door does not wait for them."""
    path = settings.KIOSK_FRAME_ANALYZER
    if path not in _analyzers:
        _analyzers[path] = import_string(path)()
    return _analyzers[path]
