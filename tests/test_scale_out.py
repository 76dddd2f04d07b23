"""Several machines for real (tests/scale_out.py builds them): two web processes behind nginx,
a worker and beat, on PostgreSQL and Redis; then a web process killed, Redis restarted and
PostgreSQL restarted while a kiosk keeps deciding.

GIVEN Ada, enrolled through the worker, at a kiosk reaching the web processes through nginx
WHEN faults strike one after the other
THEN the kiosk decides again after each without any process being restarted by hand; no
passage is lost, none is decided twice, no door fires twice; the access log verifies.

It runs in scripts/test's PostgreSQL pass, where nginx, PostgreSQL and Redis are installed;
the servers it uses are its own, so the SQLite pass skips it rather than run it twice.
bench/failover.py runs the same scenario and prints the outage figures as JSON.
"""

import json
import os
import tempfile
from pathlib import Path

import pytest

from tests.scale_out import Deployment, fault_scenario

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("ACCESSPORTAL_DATABASE_URL", "").startswith("postgres"),
        reason="runs in the PostgreSQL pass of scripts/test",
    ),
]


def test_two_web_processes_survive_a_kill_and_restarts_of_redis_and_postgresql(face_models_dir):
    """The web processes send frames to an analysis worker of their own (the recognition
    processes scale apart from them): that worker rides out the faults too."""
    deployment = Deployment(
        Path(tempfile.mkdtemp(prefix="accessportal-scale-out-")),
        face_models_dir,
        analysis_workers=1,
    )
    try:
        deployment.start()
        facts = fault_scenario(deployment)
    finally:
        deployment.stop()
    print(json.dumps(facts, indent=2))

    assert facts["enrolment"]["decision_on_each_process"] == ["granted", "granted"]
    killed = facts["web_process_killed"]
    assert killed["reconnected_to_the_other_process"]
    assert killed["decisions_while_she_stayed"] == 0  # no second decision, no second door
    assert killed["next_passage"] == "granted"
    redis = facts["redis_restarted"]
    assert redis["readiness_while_down"]["http"] == 503
    assert redis["readiness_while_down"]["checks"]["channel_layer"] == "unreachable"
    assert redis["next_passage"] == "granted"
    postgres = facts["postgres_restarted"]
    assert (postgres["passage_during_restart"], postgres["passage_door"]) == ("granted", "opened")
    assert not postgres["kiosk_socket_closed"]
    assert postgres["next_passage"] == "granted"
    end = facts["end"]
    assert end["decisions"] == end["events"] == end["granted_events"] == 5
    assert end["events_without_decision"] == end["decisions_without_event"] == 0
    assert end["door_actuations"] == 5  # one per passage: none fired twice
    assert end["kiosk_errors"] == []
    assert end["worker_took_a_task_after_seconds"] < 60
    assert "The access log is intact" in end["audit_verify"]
