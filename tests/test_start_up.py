"""The product as scripts/serve starts it: Daphne, a Celery worker and Celery beat (scheduled
reports), from the Procfile.

GIVEN a fresh data folder, WHEN scripts/serve runs (migrate, collectstatic, demo data,
honcho), THEN HTTP, static files and the admin answer, and a task sent to the broker is
consumed by the real worker process.
"""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.processes import free_port, get, wait_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_serve_starts_web_and_worker(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "ACCESSPORTAL_DATA_DIR": str(tmp_path),
        "ACCESSPORTAL_PORT": str(port),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: get(f"{base}/healthz")[0] == 200, 120, "the web process")
        wait_for(lambda: "ready." in log.read_text(), 60, "the worker")
        wait_for(lambda: "beat: Starting" in log.read_text(), 60, "Celery beat")
        assert get(f"{base}/admin/login/")[0] == 200
        status, css = get(f"{base}/static/admin/css/base.css")
        assert status == 200 and b"body" in css
        assert get(f"{base}/api/people/")[0] in {401, 403}

        token = uuid.uuid4().hex
        subprocess.run(
            [sys.executable, "-c", f"from accessportal.celery import ping; ping.delay({token!r})"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=60,
        )
        wait_for(lambda: f"pong {token}" in log.read_text(), 60, "the worker to run the task")
        assert "Password for all of them:" in log.read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
