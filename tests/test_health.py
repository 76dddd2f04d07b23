"""/healthz (readiness) and /healthz/live (liveness): what a load balancer is told.

The database, channel-layer and broker checks run against real clients; a server that is
away is a closed port on loopback. The engine's part is faked here (it is a view test); the
real engines' readiness is checked in tests/kiosks/test_analyzers.py and by the production
start in tests/test_start_up.py.
"""

import json

import pytest
from django.db import OperationalError

from accessportal import health
from recognition.kiosks.analyzers import EngineState, Readiness
from tests.processes import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine_loaded(monkeypatch):
    monkeypatch.setattr(health, "analyzer_readiness", lambda: Readiness(EngineState.LOADED))


def answer(client, path="/healthz") -> tuple[int, dict]:
    response = client.get(path)
    assert response["Cache-Control"] == "no-store"
    return response.status_code, json.loads(response.content)


def test_ready_when_everything_answers(client, engine_loaded):
    assert answer(client) == (
        200,
        {
            "status": "ready",
            "checks": {"database": "ok", "channel_layer": "ok", "broker": "ok", "engine": "loaded"},
        },
    )


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        (EngineState.LOADING, "loading"),
        (EngineState.FAILED, "failed"),
        (EngineState.NO_ANALYSIS_WORKER, "no_analysis_worker"),
    ],
)
def test_not_ready_until_the_engine_is_loaded(client, monkeypatch, state, outcome):
    monkeypatch.setattr(health, "analyzer_readiness", lambda: Readiness(state, "why"))
    status, body = answer(client)
    assert (status, body["status"], body["checks"]["engine"]) == (503, "not_ready", outcome)


def test_an_engine_not_warmed_at_start_does_not_hold_readiness(client, settings, monkeypatch):
    from recognition.kiosks import analyzers

    settings.KIOSK_WARM_AT_START = False
    monkeypatch.setattr(analyzers, "_analyzers", {})  # no analyser built in this process yet
    status, body = answer(client)
    assert (status, body["checks"]["engine"]) == (200, "on_first_frame")
    settings.KIOSK_WARM_AT_START = True  # on, but nothing built yet: still starting
    assert answer(client)[1]["checks"]["engine"] == "loading"


def test_not_ready_without_the_database(client, engine_loaded, monkeypatch, caplog):
    def database_away() -> None:
        raise OperationalError("connection refused: secret-host:5432")

    monkeypatch.setattr(health, "_database_check", database_away)
    status, body = answer(client)
    assert (status, body["status"], body["checks"]["database"]) == (503, "not_ready", "unreachable")
    assert "secret-host" not in json.dumps(body)  # the details go to the log only
    assert "secret-host" in caplog.text


def test_not_ready_without_the_channel_layer(client, engine_loaded, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    status, body = answer(client)
    assert (status, body["status"], body["checks"]["channel_layer"]) == (
        503,
        "not_ready",
        "unreachable",
    )


def test_degraded_but_serving_without_the_broker(client, engine_loaded):
    """Kiosks still decide without the broker; only enrolments wait for it."""
    from accessportal.celery import app

    before = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    try:
        status, body = answer(client)
    finally:
        app.conf.broker_url = before
    assert (status, body["status"], body["checks"]["broker"]) == (200, "degraded", "unreachable")


def test_liveness_checks_nothing_but_the_process(client, monkeypatch):
    def database_away() -> None:
        raise OperationalError("away")

    monkeypatch.setattr(health, "_database_check", database_away)
    assert answer(client, "/healthz/live") == (200, {"status": "live"})
    assert client.post("/healthz/live").status_code == 405


def test_a_not_ready_answer_is_not_logged_as_a_server_error(client, monkeypatch, caplog):
    """The load balancer asks every few seconds; the checks say why once, as warnings."""
    monkeypatch.setattr(health, "analyzer_readiness", lambda: Readiness(EngineState.LOADING))
    with caplog.at_level("INFO"):
        assert client.get("/healthz").status_code == 503
        assert client.get("/api/no-such-thing/").status_code == 404
    assert not [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
