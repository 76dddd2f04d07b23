"""Helpers for tests that run the product's real processes on loopback."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def chromium_path() -> str:
    path = os.environ.get("ACCESSPORTAL_CHROMIUM") or shutil.which("chromium")
    assert path, "Chromium is needed (Debian package chromium; scripts/test installs it)"
    return path


class Server:
    """Daphne serving the product from its own data folder, as in production."""

    def __init__(self, data_dir: Path, models_dir: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ACCESSPORTAL_DATA_DIR": str(data_dir),
            "ACCESSPORTAL_FACE_MODELS_DIR": str(models_dir or data_dir / "models"),
            "ACCESSPORTAL_KIOSK_PUBLIC_URL": self.url,
            "ACCESSPORTAL_KIOSK_RESULT_SECONDS": "2",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.log = data_dir / "daphne.log"
        self.process = None

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def prepare(self, setup: str) -> str:
        """Migrate, collect static files and run ``setup`` (Python, in ``manage.py shell``);
        what it printed."""
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        return self.manage("shell", "-v0", "-c", setup)

    def start(self) -> None:
        daphne = Path(sys.executable).parent / "daphne"
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [
                    str(daphne),
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "accessportal.asgi:application",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: get(f"{self.url}/healthz")[0] == 200, 60, "Daphne")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
