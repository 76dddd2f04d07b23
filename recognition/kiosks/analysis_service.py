"""Frame analysis as a service of its own: analysis workers (``manage.py analysis_worker``, any
number, on any machine) take kiosk frames from one channel of the channel layer (Redis) and
answer each web process on its own reply channel. The number of recognition processes is
then a matter of how many workers run, whatever the number of web processes.

Pull, not push: a worker takes the next frame only once it has answered the last, so frames
go to whichever worker is free. A frame carries a deadline; a worker skips a frame whose
web process has given up on it. Workers say they are alive in the shared cache, which is
what a web process's readiness reads.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

from recognition.faces.engine import ImageError, get_engine
from recognition.kiosks.analyzers import EngineState, Readiness, frame_sighting
from recognition.kiosks.passages import Box, Seen, Sighting

logger = logging.getLogger(__name__)

FRAME_ANALYSIS_CHANNEL = "frame-analysis"
WORKERS_ALIVE_KEY = "accessportal:analysis-workers-alive"
ALIVE_EVERY_SECONDS = 2.0
ALIVE_FOR_SECONDS = 10  # a worker not heard of for this long is gone


class AnalysisFailed(RuntimeError):
    """A worker could not analyse the frame (not the frame's fault); the message says why."""


def sighting_message(sighting: Sighting) -> dict[str, Any]:
    """A sighting as the channel layer carries it (msgpack: plain numbers, lists, bytes)."""

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return {
        "at": sighting.at,
        "seen": sighting.seen.value,
        "faces": sighting.faces,
        "box": None if sighting.box is None else [float(v) for v in sighting.box],
        "person_id": sighting.person_id,
        "distance": number(sighting.distance),
        "margin": number(sighting.margin),
        "liveness": number(sighting.liveness),
        "face_jpeg": sighting.face_jpeg,
        "candidate_id": sighting.candidate_id,
        "turn": number(sighting.turn),
        "code": sighting.code,
    }


def _box(values: list[float] | None) -> Box | None:
    """A box back from the list the channel layer carried it as."""
    return None if values is None else (values[0], values[1], values[2], values[3])


def sighting_from_message(message: dict[str, Any]) -> Sighting:
    return Sighting(
        at=message["at"],
        seen=Seen(message["seen"]),
        faces=message["faces"],
        box=_box(message["box"]),
        person_id=message["person_id"],
        distance=message["distance"],
        margin=message["margin"],
        liveness=message["liveness"],
        face_jpeg=message["face_jpeg"],
        candidate_id=message["candidate_id"],
        code=message.get("code"),
        turn=message.get("turn"),
    )


class ChannelLayerAnalyzer:
    """The analyser a web process uses when analysis workers do the work
    (``KIOSK_FRAME_ANALYZER=recognition.kiosks.analysis_service.ChannelLayerAnalyzer``). It
    needs a channel layer and a cache that every process shares (Redis)."""

    def __init__(self) -> None:
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._reply_channel = ""
        self._listener: asyncio.Task[None] | None = None

    def readiness(self) -> Readiness:
        try:
            alive = cache.get(WORKERS_ALIVE_KEY)
        except Exception as error:  # the cache (Redis) is away: so are the workers' answers
            return Readiness(EngineState.NO_ANALYSIS_WORKER, f"the cache is unreachable: {error}")
        if alive is None:
            return Readiness(
                EngineState.NO_ANALYSIS_WORKER, "no analysis worker said it is alive lately"
            )
        return Readiness(EngineState.LOADED)

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
        layer = get_channel_layer()
        assert layer is not None
        await self._listening(layer)
        request_id = uuid.uuid4().hex
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = answer
        timeout = settings.KIOSK_ANALYSIS_TIMEOUT_SECONDS
        try:
            await layer.send(
                FRAME_ANALYSIS_CHANNEL,
                {
                    "type": "frame.analyse",
                    "id": request_id,
                    "reply_to": self._reply_channel,
                    "deadline": time.time() + timeout,
                    "data": data,
                    "at": at,
                    "check_liveness": check_liveness,
                    "still_at": None if still_at is None else list(still_at),
                    "snapshot": snapshot,
                    "claimed_person_id": claimed_person_id,
                    "read_pass": read_pass,
                },
            )
            reply = await asyncio.wait_for(answer, timeout)
        except TimeoutError:
            raise AnalysisFailed(f"no analysis worker answered within {timeout:g} s") from None
        finally:
            self._pending.pop(request_id, None)
        if reply.get("image_error"):
            raise ImageError(reply["image_error"])
        if reply.get("error"):
            raise AnalysisFailed(reply["error"])
        return sighting_from_message(reply["sighting"])

    async def _listening(self, layer: Any) -> None:
        """Start reading this process's reply channel, again after it failed (Redis away)."""
        listener = self._listener
        if listener and not listener.done() and listener.get_loop() is asyncio.get_running_loop():
            return
        # The default prefix: channels-redis reads all of a process's own channels (the
        # consumers' too) from one list only when they share it.
        self._reply_channel = await layer.new_channel()
        self._listener = asyncio.create_task(self._listen(layer, self._reply_channel))

    async def _listen(self, layer: Any, channel: str) -> None:
        while True:
            try:
                reply = await layer.receive(channel)
            except Exception as error:  # the layer is away: the next frame listens again
                logger.warning("Frame analysis replies could not be read: %s", error)
                return
            answer = self._pending.get(reply.get("id", ""))
            if answer is not None and not answer.done():
                answer.set_result(reply)


def frame_analyse(message: dict[str, Any]) -> dict[str, Any]:
    """One request, analysed here (blocking): the reply to send back."""
    reply: dict[str, Any] = {"type": "frame.analysed", "id": message["id"]}
    try:
        sighting = frame_sighting(
            message["data"],
            at=message["at"],
            check_liveness=message["check_liveness"],
            still_at=_box(message["still_at"]),
            snapshot=message["snapshot"],
            claimed_person_id=message.get("claimed_person_id"),
            read_pass=message.get("read_pass", False),
        )
    except ImageError as error:
        return {**reply, "image_error": str(error)}
    except Exception as error:
        logger.exception("A frame could not be analysed")
        return {**reply, "error": f"{type(error).__name__}: {error}"}
    return {**reply, "sighting": sighting_message(sighting)}


async def analysis_serve(*, stop: asyncio.Event | None = None) -> None:
    """The analysis worker's loop: say it is alive, take one frame at a time, answer it.
    While the channel layer is away it tries again every second."""
    layer = get_channel_layer()
    assert layer is not None
    await sync_to_async(get_engine, thread_sensitive=False)()  # loaded before the first frame
    name = f"{socket.gethostname()}:{os.getpid()}"
    stop = stop or asyncio.Event()
    alive = asyncio.create_task(_say_alive(name, stop))
    logger.info("Analysis worker %s ready, on channel %s", name, FRAME_ANALYSIS_CHANNEL)
    try:
        while not stop.is_set():
            try:
                message = await _next_frame(layer, stop)
            except Exception as error:
                logger.warning("Analysis worker %s: no frame could be read: %s", name, error)
                await asyncio.sleep(1.0)
                continue
            if message is None:
                break
            if message.get("deadline", 0) < time.time():
                continue  # its web process has given up on it
            reply = await sync_to_async(frame_analyse, thread_sensitive=False)(message)
            try:
                await layer.send(message["reply_to"], reply)
            except Exception as error:
                logger.warning("Analysis worker %s: an answer was lost: %s", name, error)
    finally:
        alive.cancel()


async def _next_frame(layer: Any, stop: asyncio.Event) -> dict[str, Any] | None:
    """The next frame, or None once ``stop`` is set."""
    receiving = asyncio.ensure_future(layer.receive(FRAME_ANALYSIS_CHANNEL))
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if receiving in done:
        stopping.cancel()
        return receiving.result()
    receiving.cancel()
    return None


async def _say_alive(name: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await sync_to_async(cache.set)(WORKERS_ALIVE_KEY, name, ALIVE_FOR_SECONDS)
        except Exception as error:  # the cache is away: readiness will say so
            logger.warning("Analysis worker %s could not say it is alive: %s", name, error)
        await asyncio.sleep(ALIVE_EVERY_SECONDS)
