"""The product as scripts/serve starts it: Daphne, a Celery worker and Celery beat (scheduled
reports), from the Procfile.

GIVEN a fresh data folder, WHEN scripts/serve runs (migrate, collectstatic, demo data,
honcho), THEN HTTP, static files and the admin answer, and a task sent to the broker is
consumed by the real worker process.
"""

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.processes import free_port, get, process_env, wait_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def script_env(data_dir: Path, port: int) -> dict[str, str]:
    return process_env(
        data_dir,
        ACCESSPORTAL_PORT=str(port),
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )


def script_start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [str(ROOT / "scripts" / args[0]), *args[1:]],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def script_stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def test_serve_starts_web_and_worker(tmp_path):
    port = free_port()
    env = script_env(tmp_path, port)
    log = tmp_path / "serve.log"
    process = script_start(["serve"], env, log)
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
        script_stop(process)


def test_the_production_start_migrates_nothing_and_loads_no_demo_users(tmp_path, face_models_dir):
    """GIVEN a new database WHEN scripts/run starts THEN it refuses, naming the migration step;
    once migrated, it serves with no user in the database (no demo accounts), and says it is
    ready only once its face engine is loaded."""
    port = free_port()
    env = script_env(tmp_path, port)
    env["ACCESSPORTAL_FACE_MODELS_DIR"] = str(face_models_dir)

    def command(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=check
        )

    def manage(*args: str) -> str:
        return command(sys.executable, "manage.py", *args).stdout

    refused = command(str(ROOT / "scripts" / "run"), "web", check=False)
    assert refused.returncode != 0
    assert "run 'python manage.py migrate' first" in refused.stderr

    manage("migrate", "--noinput", "-v0")
    log = tmp_path / "run.log"
    process = script_start(["run", "web"], env, log)
    try:
        wait_for(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200, 120, "the web process")
        ready = json.loads(get(f"http://127.0.0.1:{port}/healthz")[1])
        assert ready == {
            "status": "ready",
            "checks": {"database": "ok", "channel_layer": "ok", "broker": "ok", "engine": "loaded"},
        }
        assert "Health:" not in log.read_text()  # no check failed on the way
        users = "from django.contrib.auth.models import User; print(User.objects.count())"
        assert manage("shell", "-v0", "-c", users).strip() == "0"
        assert "worker" not in log.read_text()  # only the process asked for
    finally:
        script_stop(process)
