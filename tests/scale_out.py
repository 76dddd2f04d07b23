"""A scaled-out AccessPortal on one machine, for tests/test_scale_out.py and bench/failover.py:
two web processes (`scripts/run web`, each its own data folder, as two machines would have)
behind nginx with the shipped site file (TLS, wss://), a Celery worker and Celery beat, on a
PostgreSQL cluster and a Redis of their own; and a kiosk that behaves as its page does.

The processes share what the README says machines must share: the keys (from settings), the
database, Redis and the media folder. Nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.camera import camera_jpeg
from tests.kiosk_device import DeviceKey, websocket_greeting
from tests.processes import ROOT, UNIT, free_port, get, manage, process_env, wait_for
from tests.services import Nginx, PrivatePostgres, PrivateRedis

ADA = camera_jpeg(UNIT / "img6.jpg")  # not one of her enrolment photos
ADA_ENROLMENT = [str(UNIT / "img1.jpg"), str(UNIT / "img2.jpg")]
EMPTY = camera_jpeg(None)
REDIS_DOWN_SECONDS = 2.0
POSTGRES_DOWN_SECONDS = 1.0
FPS = 5.0
HEARTBEAT_SECONDS = 10.0

SETUP = textwrap.dedent(
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from gates.models import AccessRule, Gate, Site
    from people.models import Person
    from recognition.kiosks import pairing

    site = Site.objects.create(name="Headquarters", slug="hq", timezone="Europe/Berlin")
    gate = Gate.objects.create(site=site, name="Main entrance", slug="main-entrance")
    ada = Person.objects.create(first_name="Ada", last_name="Lovelace")
    AccessRule.objects.create(name="Ada, any time", person=ada, gate=gate)
    desk = User.objects.create_user("desk", is_staff=True)
    desk.groups.add(Group.objects.get(name="Security desk"))
    session = SessionStore()
    session[SESSION_KEY] = str(desk.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = desk.get_session_auth_hash()
    session.create()
    from tests.kiosk_device import DeviceKey
    credentials, device_keys = [], []
    for name in ("Kiosk A", "Kiosk B"):
        _, token = pairing.kiosk_create(gate=gate, name=name)
        device = DeviceKey()
        credentials.append(pairing.kiosk_pair(token=token, device_key=device.public)[1])
        device_keys.append(device.pem)
    from recognition.models import Kiosk
    kiosks = list(Kiosk.objects.order_by("pk").values_list("pk", flat=True))
    print(json.dumps({"person": ada.pk, "session": session.session_key, "kiosks": credentials,
                      "device_keys": device_keys, "kiosk_ids": kiosks}))
    """
)

ENROL = textwrap.dedent(
    """
    from django.core.files.base import ContentFile
    from people.consent import consent_record
    from people.models import Person
    from recognition.faces import enrolment

    ada = Person.objects.get(pk={person})
    consent_record(person=ada, method="signed_form", reference="test")
    for path in {photos!r}:
        image = ContentFile(open(path, "rb").read(), name=path.rsplit("/", 1)[-1])
        enrolment.face_photo_create(person=ada, image=image)  # queued for the worker
    """
)


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.popen = subprocess.Popen(
                [str(ROOT / "scripts" / "run"), *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process and everything it started (honcho runs each process of the
        Procfile in a process group of its own)."""
        if not self.popen or self.popen.poll() is not None:
            return
        for pid in [*_descendants(self.popen.pid), self.popen.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            for pid in [*_descendants(self.popen.pid), self.popen.pid]:
                os.kill(pid, signal.SIGKILL)
            self.popen.wait(timeout=20)

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, deepest first."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = [int(child) for child in found.split()]
    return [grandchild for child in children for grandchild in _descendants(child)] + children


class Deployment:
    """Everything above, started by :meth:`start` and stopped by :meth:`stop`."""

    def __init__(self, folder: Path, models_dir: Path, *, analysis_workers: int = 0) -> None:
        """With ``analysis_workers``, the web processes send frames to that many analysis
        workers (``scripts/run analysis``) instead of analysing them themselves."""
        self.folder = folder
        self.postgres = PrivatePostgres()
        self.redis = PrivateRedis(folder)
        self.web_ports = [free_port(), free_port()]
        self.nginx = Nginx(folder, self.web_ports)
        self.tls = ssl.create_default_context(cafile=str(self.nginx.cert))
        shared = {
            "ACCESSPORTAL_DATABASE_URL": self.postgres.url,
            "ACCESSPORTAL_CHANNEL_LAYER_URL": f"{self.redis.url}/0",
            "ACCESSPORTAL_CELERY_BROKER_URL": f"{self.redis.url}/1",
            "ACCESSPORTAL_CACHE_URL": f"{self.redis.url}/2",
            "ACCESSPORTAL_SECRET_KEY": "scale-out-test-" + "k" * 50,
            "ACCESSPORTAL_BIOMETRIC_KEYS": _fernet_key(),
            "ACCESSPORTAL_MEDIA_DIR": str(folder / "shared-media"),
            "ACCESSPORTAL_FACE_MODELS_DIR": str(models_dir),
            "ACCESSPORTAL_BEHIND_PROXY": "true",
            # Tablets use the proxy's address; the status page and a second kiosk here reach
            # the web processes directly, as an operator on the inside network might.
            "ACCESSPORTAL_KIOSK_PUBLIC_URL": self.nginx.url,
            "ACCESSPORTAL_WEBSOCKET_ORIGINS": ",".join(
                f"http://127.0.0.1:{port}" for port in self.web_ports
            ),
            "ACCESSPORTAL_KIOSK_RESULT_SECONDS": "2",
            "ACCESSPORTAL_KIOSK_LEAVE_SECONDS": "1",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "PYTHONUNBUFFERED": "1",
        }
        if analysis_workers:
            shared["ACCESSPORTAL_KIOSK_FRAME_ANALYZER"] = (
                "recognition.kiosks.analysis_service.ChannelLayerAnalyzer"
            )

        def machine(name: str, **extra: str) -> dict[str, str]:
            (folder / name).mkdir()
            return process_env(folder / name, database=False, **shared, **extra)

        self.env = machine("release")  # where migrations and set-up run, as a release step
        self.webs = [
            Process(
                f"web{n + 1}",
                ["web"],
                machine(f"web{n + 1}", ACCESSPORTAL_PORT=str(port)),
                folder / f"web{n + 1}.log",
            )
            for n, port in enumerate(self.web_ports)
        ]
        self.worker = Process("worker", ["worker"], machine("worker"), folder / "worker.log")
        self.beat = Process("beat", ["beat"], machine("beat"), folder / "beat.log")
        self.analysis = [
            Process(
                f"analysis{n + 1}",
                ["analysis"],
                machine(f"analysis{n + 1}"),
                folder / f"analysis{n + 1}.log",
            )
            for n in range(analysis_workers)
        ]

    # --- Running it ---------------------------------------------------------------------------

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def shell(self, code: str) -> str:
        return self.manage("shell", "-v0", "-c", "import json\n" + code)

    made: dict

    def start(self) -> None:
        """Start everything; ``made`` holds the set-up's ids and credentials."""
        self.postgres.start()
        self.postgres.create_database()
        self.redis.start()
        self.manage("migrate", "--noinput", "-v0")
        self.made = json.loads(self.shell(SETUP).strip().splitlines()[-1])
        for process in (*self.webs, self.worker, self.beat, *self.analysis):
            process.start()
        self.nginx.start()
        for port in self.web_ports:
            wait_for(lambda p=port: self.ready(p), 180, f"the web process on {port}")
        wait_for(lambda: "ready." in self.worker.text(), 120, "the worker")

    def ready(self, port: int) -> bool:
        return get(f"http://127.0.0.1:{port}/healthz")[0] == 200

    def photo_statuses(self) -> list[str]:
        import psycopg

        with psycopg.connect(self.postgres.url) as connection:
            rows = connection.execute("SELECT status FROM recognition_facephoto").fetchall()
        return sorted({row[0] for row in rows})

    def readiness(self, port: int) -> dict:
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        return {"http": status, **(json.loads(body) if body.startswith(b"{") else {})}

    def stop(self) -> None:
        for process in (*self.webs, self.worker, self.beat, *self.analysis):
            process.kill(signal.SIGTERM)
        self.nginx.stop()
        self.redis.stop()
        self.postgres.remove()

    def kiosk_connections(self, kiosk_id: int) -> list[int]:
        """How many times the kiosk connected to each web process (from their logs)."""
        return [web.text().count(f"Kiosk {kiosk_id} connected") for web in self.webs]


@dataclass
class Note:
    at: float
    kind: str
    message: dict = field(default_factory=dict)


class KioskClient:
    """A kiosk as its page behaves: frames at 5 fps of whatever ``scene`` is, a heartbeat every
    10 s, and after a lost socket a new one, waiting as the page does (1 s, doubled up to 30 s,
    here without the jitter). Everything it hears is noted with the time."""

    def __init__(
        self, url: str, origin: str, credential: str, device: DeviceKey, tls: ssl.SSLContext | None
    ):
        self.url, self.origin, self.credential, self.tls = url, origin, credential, tls
        self.device = device  # the key the credential is bound to
        self.scene = b""
        self.notes: list[Note] = []
        self._stopping = False
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def start(self, scene: bytes) -> None:
        self.scene = scene
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._thread.join(timeout=30)

    def _note(self, kind: str, message: dict | None = None) -> None:
        self.notes.append(Note(time.monotonic(), kind, message or {}))

    @property
    def connected(self) -> bool:
        """Whether its socket is open now (greeted, and not closed since)."""
        states = [n.kind for n in list(self.notes) if n.kind in ("hello", "closed", "failed")]
        return bool(states) and states[-1] == "hello"

    def since(self, at: float, kind: str) -> list[Note]:
        return [n for n in list(self.notes) if n.at >= at and n.kind == kind]

    async def _main(self) -> None:
        import websockets

        from recognition.kiosks.protocol import RECONNECT, REFUSALS

        wait = RECONNECT.first_seconds
        while not self._stopping:
            try:
                async with websockets.connect(
                    self.url,
                    ssl=self.tls,
                    additional_headers={
                        "Cookie": f"accessportal_kiosk={self.credential}",
                        "Origin": self.origin,
                    },
                    open_timeout=5,
                ) as socket:
                    hello = await websocket_greeting(socket, self.device)
                    self._note(hello.get("type", "?"), hello)
                    if hello.get("type") == "hello":
                        wait = RECONNECT.first_seconds
                        await self._session(socket)
                    self._note("closed", {"code": socket.close_code})
            except websockets.ConnectionClosed as closed:
                self._note("closed", {"code": closed.rcvd.code if closed.rcvd else None})
                if closed.rcvd and closed.rcvd.code in REFUSALS:
                    return
            except Exception as error:
                self._note("failed", {"error": f"{type(error).__name__}: {error}"})
            if self._stopping:
                return
            await asyncio.sleep(wait)
            wait = min(wait * 2, RECONNECT.max_seconds)

    async def _session(self, socket) -> None:
        async def send() -> None:
            beat_at = time.monotonic() + HEARTBEAT_SECONDS
            while not self._stopping:
                await socket.send(self.scene)
                if time.monotonic() >= beat_at:
                    await socket.send(json.dumps({"type": "heartbeat"}))
                    beat_at += HEARTBEAT_SECONDS
                await asyncio.sleep(1 / FPS)
            await socket.close()

        sender = asyncio.create_task(send())
        try:
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") != "frame":
                    self._note(message.get("type", "?"), message)
        finally:
            sender.cancel()


class StatusListener:
    """The security desk's status page socket, on one web process."""

    def __init__(self, url: str, origin: str, session: str):
        self.url, self.origin, self.session = url, origin, session
        self.updates: list[dict] = []
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect

        headers = {"Cookie": f"sessionid={self.session}", "Origin": self.origin}
        try:
            with connect(self.url, additional_headers=headers) as socket:
                for raw in socket:
                    self.updates.append(json.loads(raw))
        except ConnectionClosed:
            pass

    def events(self) -> list[int]:
        return [u["event"]["id"] for u in self.updates if u.get("kind") == "event"]


def decisions_after(kiosk: KioskClient, at: float) -> list[dict]:
    return [n.message for n in kiosk.since(at, "decision")]


def first_decision(kiosk: KioskClient, at: float, timeout: float, what: str) -> dict:
    wait_for(lambda: decisions_after(kiosk, at), timeout, what)
    return decisions_after(kiosk, at)[0]


def passage(kiosk: KioskClient, *, leave_seconds: float = 2.0, timeout: float = 30) -> dict:
    """Ada leaves, then steps up again: the decision on her new passage. She leaves in front
    of a connected kiosk: one that was offline meanwhile cannot tell that she left, and
    carries on her last passage (KIOSK_RESUME_SECONDS) until it sees nobody."""
    wait_for(lambda: kiosk.connected, 60, "the kiosk to be connected")
    kiosk.scene = EMPTY
    time.sleep(leave_seconds)
    started = time.monotonic()
    kiosk.scene = ADA
    return first_decision(kiosk, started, timeout, "a decision on a new passage")


def _seconds(later: float, earlier: float) -> float:
    return round(later - earlier, 2)


def fault_scenario(d: Deployment) -> dict:
    """Ada enrolled through the worker; a kiosk through nginx and one straight on the other
    web process; the status page there; then a kill -9 of the kiosk's web process, a Redis
    restart and a PostgreSQL restart. What happened, and how long each outage lasted."""
    import psycopg

    made = d.made
    kiosk_id = made["kiosk_ids"][0]
    kiosk = KioskClient(
        d.nginx.url.replace("https://", "wss://") + "/ws/kiosk/",
        d.nginx.url,
        made["kiosks"][0],
        DeviceKey.from_pem(made["device_keys"][0]),
        d.tls,
    )
    kiosk.start(EMPTY)
    wait_for(lambda: kiosk.connected, 30, "the kiosk's hello through nginx")
    holder = d.kiosk_connections(kiosk_id).index(1)
    other_port = d.web_ports[1 - holder]
    status = StatusListener(
        f"ws://127.0.0.1:{other_port}/ws/status/", f"http://127.0.0.1:{other_port}", made["session"]
    )
    facts: dict = {}

    # An enrolment through the worker reaches both web processes' galleries.
    d.shell(ENROL.format(person=made["person"], photos=ADA_ENROLMENT))
    queued_at = time.monotonic()  # committed, and queued on commit
    wait_for(lambda: d.photo_statuses() == ["enrolled"], 60, "the worker to enrol the photos")
    enrolled_at = time.monotonic()
    kiosk.scene = ADA
    straight = KioskClient(
        f"ws://127.0.0.1:{other_port}/ws/kiosk/",
        f"http://127.0.0.1:{other_port}",
        made["kiosks"][1],
        DeviceKey.from_pem(made["device_keys"][1]),
        None,
    )
    straight.start(ADA)
    on_holder = first_decision(kiosk, enrolled_at, 30, "a decision on the kiosk's process")
    on_other = first_decision(straight, enrolled_at, 30, "a decision on the other process")
    straight.stop()
    wait_for(
        lambda: on_holder["event"] in status.events(), 10, "the status page on the other process"
    )
    facts["enrolment"] = {
        "queued_to_enrolled_seconds": _seconds(enrolled_at, queued_at),
        "decision_on_each_process": [on_holder["state"], on_other["state"]],
        "passage_seen_by_status_page_on_other_process": True,
    }

    # kill -9 of the web process holding the kiosk, with Ada still in front of it.
    killed_at = time.monotonic()
    d.webs[holder].kill()
    wait_for(lambda: kiosk.since(killed_at, "hello"), 60, "the kiosk to reconnect through nginx")
    back_at = kiosk.since(killed_at, "hello")[0].at
    time.sleep(3)  # Ada stays in front of it
    decided_while_staying = decisions_after(kiosk, killed_at)
    facts["web_process_killed"] = {
        "kiosk_reconnected_after_seconds": _seconds(back_at, killed_at),
        "reconnected_to_the_other_process": d.kiosk_connections(kiosk_id)[1 - holder] >= 1,
        "decisions_while_she_stayed": len(decided_while_staying),
        "next_passage": passage(kiosk)["state"],
    }

    # Redis restarted.
    survivor = d.web_ports[1 - holder]
    stopped_at = time.monotonic()
    d.redis.stop()
    wait_for(lambda: d.readiness(survivor)["http"] == 503, 15, "readiness to say not ready")
    readiness_down = d.readiness(survivor)
    time.sleep(REDIS_DOWN_SECONDS)
    d.redis.start()
    redis_back_at = time.monotonic()
    wait_for(lambda: d.ready(survivor), 30, "readiness again after Redis")
    ready_at = time.monotonic()
    wait_for(lambda: kiosk.since(redis_back_at, "hello"), 60, "the kiosk again after Redis")
    facts["redis_restarted"] = {
        "redis_down_seconds": _seconds(redis_back_at, stopped_at),
        "readiness_while_down": readiness_down,
        "ready_again_after_redis_seconds": _seconds(ready_at, redis_back_at),
        "kiosk_socket_closed": bool(kiosk.since(stopped_at, "closed")),
        "kiosk_offline_seconds": _seconds(kiosk.since(redis_back_at, "hello")[0].at, stopped_at),
        "kiosk_back_after_redis_seconds": _seconds(
            kiosk.since(redis_back_at, "hello")[0].at, redis_back_at
        ),
        "next_passage": passage(kiosk, timeout=60)["state"],
    }

    # PostgreSQL restarted while Ada steps up.
    wait_for(lambda: kiosk.connected, 60, "the kiosk to be connected")
    kiosk.scene = EMPTY
    time.sleep(2)
    restart_at = time.monotonic()
    kiosk.scene = ADA
    d.postgres.stop()
    time.sleep(POSTGRES_DOWN_SECONDS)
    d.postgres.start()
    postgres_back_at = time.monotonic()
    during = first_decision(kiosk, restart_at, 30, "the passage during the restart")
    facts["postgres_restarted"] = {
        "postgres_down_seconds": _seconds(postgres_back_at, restart_at),
        "passage_during_restart": during["state"],
        "passage_door": during["door"],
        "passage_decided_after_seconds": _seconds(
            kiosk.since(restart_at, "decision")[0].at, restart_at
        ),
        "kiosk_socket_closed": bool(kiosk.since(restart_at, "closed")),
        "next_passage": passage(kiosk)["state"],
    }
    kiosk.stop()

    with psycopg.connect(d.postgres.url) as connection:
        events = connection.execute(
            "SELECT id, granted FROM recognition_accessevent WHERE kiosk_id = %s ORDER BY id",
            [kiosk_id],
        ).fetchall()
        doors = connection.execute(
            "SELECT count(*) FROM recognition_dooractuation d JOIN recognition_accessevent e "
            "ON d.event_id = e.id WHERE e.kiosk_id = %s",
            [kiosk_id],
        ).fetchone()[0]
    decided = [n.message["event"] for n in kiosk.since(0, "decision")]
    token = uuid.uuid4().hex  # the worker, through the same restarts, still takes tasks
    sent_at = time.monotonic()
    d.shell(f"from accessportal.celery import ping; ping.delay({token!r})")
    wait_for(lambda: f"pong {token}" in d.worker.text(), 60, "the worker to take a task")
    facts["end"] = {
        "worker_took_a_task_after_seconds": _seconds(time.monotonic(), sent_at),
        "decisions": len(decided),
        "events": len(events),
        "granted_events": sum(1 for _, granted in events if granted),
        "events_without_decision": len({e for e, _ in events} - set(decided)),
        "decisions_without_event": len(set(decided) - {e for e, _ in events}),
        "door_actuations": doors,
        "kiosk_errors": [n.message for n in kiosk.since(0, "error")],
        "audit_verify": d.manage("audit_verify").strip(),
    }
    return facts
