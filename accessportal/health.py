"""Is this web process fit to serve? Answers for load balancers and service managers.

- ``/healthz/live`` (liveness): the process answers at all. Restart it when this fails.
- ``/healthz`` (readiness): what a kiosk needs to be decided here is there: the database, the
  channel layer and a loaded face engine. Send no traffic here while it answers 503. The
  broker is checked too, but without it only enrolments wait (they are queued again when it
  is back), so a process whose broker is away answers 200 with ``"status": "degraded"``.

The answers name each check's outcome in a word; the details go to the log, not to whoever
asked.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from recognition.kiosks.analyzers import EngineState, analyzer_readiness

logger = logging.getLogger(__name__)

CHECK_SECONDS = 3.0  # a check that takes longer counts as failed
HEALTH_GROUP = "health"  # a channel-layer group nobody joins: sending to it is a round trip


class Outcome(enum.StrEnum):
    """A server's answer to a check (the engine's is an ``EngineState``)."""

    OK = "ok"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"


class Status(enum.StrEnum):
    READY = "ready"
    DEGRADED = "degraded"
    NOT_READY = "not_ready"


def _database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _channel_layer_check() -> None:
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS names no default layer"
    await layer.group_send(HEALTH_GROUP, {"type": "health.check"})


def _broker_check() -> None:
    from accessportal.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=CHECK_SECONDS)


def engine_outcome() -> EngineState:
    readiness = analyzer_readiness()
    if readiness.state is EngineState.FAILED:
        logger.error("Health: the face engine is not usable: %s", readiness.detail)
    elif readiness.state is EngineState.NO_ANALYSIS_WORKER:
        logger.warning("Health: no analysis worker: %s", readiness.detail)
    return readiness.state


async def _outcome(name: str, check: Callable[[], Awaitable[None]]) -> Outcome:
    try:
        await asyncio.wait_for(check(), CHECK_SECONDS)
    except TimeoutError:
        logger.warning("Health: the %s did not answer within %s s", name, CHECK_SECONDS)
        return Outcome.TIMEOUT
    except Exception as error:  # whatever the client library raises: it did not answer
        logger.warning("Health: the %s is unreachable: %s", name, error)
        return Outcome.UNREACHABLE
    return Outcome.OK


async def readiness() -> tuple[Status, dict[str, Outcome | EngineState]]:
    """Each check's outcome, and what they add up to."""
    database, channel_layer, broker = await asyncio.gather(
        _outcome("database", sync_to_async(_database_check)),
        _outcome("channel layer", _channel_layer_check),
        _outcome("broker", sync_to_async(_broker_check, thread_sensitive=False)),
    )
    checks: dict[str, Outcome | EngineState] = {
        "database": database,
        "channel_layer": channel_layer,
        "broker": broker,
        "engine": engine_outcome(),
    }
    usable = (Outcome.OK, EngineState.LOADED, EngineState.ON_FIRST_FRAME)
    if any(checks[name] not in usable for name in ("database", "channel_layer", "engine")):
        return Status.NOT_READY, checks
    return (Status.READY if broker is Outcome.OK else Status.DEGRADED), checks


@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 while this process can decide kiosks, 503 while it cannot."""
    status, checks = await readiness()
    return JsonResponse(
        {"status": status, "checks": checks},
        status=503 if status is Status.NOT_READY else 200,
        headers={"Cache-Control": "no-store"},
    )


@require_GET
async def healthz_live(request: HttpRequest) -> JsonResponse:
    """Liveness: this process answers. It checks nothing else on purpose: a database that is
    away is no reason to restart every web process."""
    return JsonResponse({"status": "live"}, headers={"Cache-Control": "no-store"})
