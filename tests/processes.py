"""Helpers for tests that run the product's real processes on loopback.

Every process a test starts gets its environment from :func:`process_env`: its own data folder,
and never the database, channel layer or broker the suite was pointed at. Those may be real
(anyone can run the suite with a production ``ACCESSPORTAL_DATABASE_URL`` in their shell);
Django's test runner only swaps the database name inside the test process itself.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.early_environment import TEST_PROCESS_ONLY

ROOT = Path(__file__).resolve().parent.parent
# The shared photos and weights (never in the repository), for tests and benchmarks.
SHARED = Path(os.environ.get("ACCESSPORTAL_SHARED_DIR", ROOT.parent / "shared"))
FACES = SHARED / "faces"
UNIT = FACES / "deepface-unit"


# Where the suite's own settings may point at servers; a started process never inherits these.
SHARED_STATE = (
    "ACCESSPORTAL_DATABASE_URL",
    "ACCESSPORTAL_CHANNEL_LAYER_URL",
    "ACCESSPORTAL_CELERY_BROKER_URL",
    "ACCESSPORTAL_CACHE_URL",
    "ACCESSPORTAL_DATA_DIR",
    "ACCESSPORTAL_MEDIA_DIR",
    "ACCESSPORTAL_FACE_MODELS_DIR",
)


def throwaway_database_url(url: str, name: str) -> str:
    """The same PostgreSQL server as ``url``, database ``name``."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _postgres(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(throwaway_database_url(url, "postgres"), autocommit=True) as connection:
        connection.execute(statement)


def _database_for_processes() -> str | None:
    """A fresh PostgreSQL database, named test_..., on the server the suite runs on, for the
    processes this test run starts (dropped when it ends); None when the suite runs on SQLite
    (each process then keeps SQLite in its own data folder)."""
    url = os.environ.get("ACCESSPORTAL_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    name = f"test_accessportal_processes_{os.getpid()}_{time.monotonic_ns()}"
    _postgres(url, f'CREATE DATABASE "{name}"')
    atexit.register(_postgres, url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return throwaway_database_url(url, name)


def process_env(data_dir: Path, *, database: bool = True, **variables: str) -> dict[str, str]:
    """The environment for a product process a test starts: the data folder ``data_dir``, a
    test database (see above; with ``database=False`` SQLite in the folder, for tools that
    write nothing), the in-memory channel layer and the folder broker unless the test names
    others in ``variables``."""
    env = {
        k: v for k, v in os.environ.items() if k not in SHARED_STATE and k not in TEST_PROCESS_ONLY
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["ACCESSPORTAL_DATA_DIR"] = str(data_dir)
    url = _database_for_processes() if database else None
    if url:
        env["ACCESSPORTAL_DATABASE_URL"] = url
    # Operators sign in with the password alone here (browser_sign_in); the second factor's
    # own browser test asks for the product's default.
    env["ACCESSPORTAL_SECOND_FACTOR_ROLES"] = "none"
    env.update(variables)
    return env


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


def manage(env: dict[str, str], *args: str) -> str:
    """``manage.py args`` in a process with ``env``; what it printed. It must succeed."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def browser_sign_in(page, url: str, username: str, password: str) -> None:
    """Open ``url`` (the sign-in page, or a page that sends there) and sign in with the
    password: the form's first step, all an operator without a second factor is asked."""
    page.goto(url)
    page.fill("#id_auth-username", username)
    page.fill("#id_auth-password", password)
    with page.expect_navigation():  # returns on the page signed in to, not before it loads
        page.click("button.btn-primary[type=submit]")


# Python for ``Server.prepare``: a site with its main entrance, and Ada enrolled from two of
# DeepFace's unit photos (folder ``{unit}``), with her consent, allowed there at any time.
# Kiosk tests and benchmarks add their kiosks (``pairing``, ``gate``, ``site`` and ``ada`` are
# defined).
ADA_AT_THE_MAIN_ENTRANCE = """
from pathlib import Path
from django.core.files.base import ContentFile
from gates.models import AccessRule, Gate, Site
from people.consent import consent_record
from people.models import Person
from recognition.faces import enrolment
from recognition.kiosks import pairing

unit = Path({unit!r})
site = Site.objects.create(name="Headquarters", slug="hq", timezone="Europe/Berlin")
gate = Gate.objects.create(site=site, name="Main entrance", slug="main-entrance")
ada = Person.objects.create(first_name="Ada", last_name="Lovelace")
consent_record(person=ada, method="signed_form", reference="test")
for name in ("img1.jpg", "img2.jpg"):
    image = ContentFile((unit / name).read_bytes(), name=name)
    photo = enrolment.face_photo_store(person=ada, image=image)
    assert enrolment.face_photo_enroll(photo_id=photo.pk).status == "enrolled"
AccessRule.objects.create(name="Ada, any time", person=ada, gate=gate)
"""


def kiosk_browser(playwright, clip: Path):
    """Chromium whose camera plays ``clip`` (a Y4M made by ``tests.camera.y4m_clip``), and
    that grants the camera without asking: a kiosk tablet."""
    return playwright.chromium.launch(
        executable_path=chromium_path(),
        args=[
            "--no-sandbox",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )


def chromium_path() -> str:
    path = os.environ.get("ACCESSPORTAL_CHROMIUM") or shutil.which("chromium")
    assert path, "Chromium is needed (Debian package chromium; scripts/test installs it)"
    return path


class Server:
    """Daphne serving the product from its own data folder, as in production."""

    def __init__(self, data_dir: Path, models_dir: Path | None = None, **variables: str):
        """Without ``models_dir`` it serves pages only: no face engine is loaded. ``variables``
        add to or replace its environment."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = process_env(
            data_dir,
            ACCESSPORTAL_FACE_MODELS_DIR=str(models_dir or data_dir / "models"),
            ACCESSPORTAL_KIOSK_PUBLIC_URL=self.url,
            ACCESSPORTAL_KIOSK_RESULT_SECONDS="2",
            ACCESSPORTAL_KIOSK_WARM_AT_START="true" if models_dir else "false",
            **variables,
        )
        self.log = data_dir / "daphne.log"
        self.process = None

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def prepare(self, setup: str) -> str:
        """Migrate, collect static files and run ``setup`` (Python, in ``manage.py shell``);
        what it printed."""
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        return self.manage("shell", "-v0", "-c", setup)

    def start(self, *, wait: bool = True) -> None:
        """Start Daphne; with ``wait``, return once ``/healthz`` says it is ready."""
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
        if wait:
            wait_for(lambda: get(f"{self.url}/healthz")[0] == 200, 60, "Daphne")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
