"""Load on the kiosk WebSocket: N simulated kiosks on loopback, each sending real JPEG frames
at F fps for T seconds to a real Daphne process (scratch database, real face engine).

    python bench/kiosk_load.py [--kiosks 10] [--fps 5] [--seconds 60] [--sweep 2,4,6,8,10]
                               [--web-processes 2] [--analysis-workers 2]
                               [--fuzz-connections 8 --fuzz-rate 12]

Each kiosk plays visitors in turn: ``--visit`` seconds of an enrolled person's face (a photo
that was not enrolled), then ``--gap`` seconds of an empty scene. Every frame is sent on
schedule whatever the server answers (harsher than the real page, which holds back when
answers lag). Prints JSON per run: frame-to-reply latency p50/p95/p99 over answered frames,
frame-to-decision latency, frames sent, answered and dropped (newest frame wins), decisions
received, events written, lost events (decisions without an event, or the reverse), errors,
and whether the target holds (zero errors, zero lost events, p95 under 250 ms). With
``--sweep`` it also reports the largest kiosk count that holds it.

With ``--fuzz-connections`` that many hostile clients run beside the kiosks, each paired as a
kiosk of its own: they send what tests/kiosk_fuzz.py makes (size-bomb JPEG headers, noise,
deep and broken JSON, text too long to read) at ``--fuzz-rate`` messages a second, connect
again whenever they are closed, and every fifth connection skips the device-key proof (a
copied cookie). The run then also reports messages sent, connections, close codes, error
replies, and the tracebacks and ERROR lines the server logged (target: none): the kiosks'
figures are their figures during the fuzz.

By default one Daphne analyses frames itself (``KIOSK_FRAME_ANALYZER`` from the environment)
on SQLite. With ``--web-processes`` above 1 or ``--analysis-workers`` above 0 it runs scaled
out, on a PostgreSQL and a Redis of its own (tests/services.py; Debian's postgresql and
redis-server): that many Daphnes, the kiosks spread over them in turn as a load balancer
would, and, with ``--analysis-workers``, frames analysed by that many ``manage.py
analysis_worker`` processes instead of inside the Daphnes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

from _setup import (
    FACES,
    ROOT,
    camera_jpeg,
    django_setup,
    free_port,
    healthy,
    identities,
    percentiles,
    start_logged,
    stop_group,
)

TARGET_P95_MS = 250.0
ASGI_APPLICATION = "accessportal.asgi:application"


GREY = (90, 90, 90)  # an empty corridor, rather than a black screen


def prepare(kiosk_count: int, people: int) -> tuple[list[str], list[bytes]]:
    """Enrol ``people`` identities (first photo), allow them at one gate, pair the kiosks.
    Returns the kiosks' credentials (each with its device key) and one probe frame per
    person."""
    from django.core.files.base import ContentFile

    from gates.models import AccessRule, Gate, Site
    from people.consent import consent_record
    from people.models import Consent, Person
    from recognition.faces import enrolment
    from recognition.kiosks import pairing

    site = Site.objects.create(name="Bench", slug="bench", timezone="Europe/Berlin")
    gate = Gate.objects.create(site=site, name="Bench gate", slug="bench-gate")
    probes = []
    for name, photos in identities().items():
        if len(probes) == people:
            break
        if len(photos) < 2:
            continue
        person = Person.objects.create(first_name=name, last_name="Bench")
        consent_record(person=person, method=Consent.Method.SIGNED_FORM, reference="bench")
        image = ContentFile((FACES / "deepface-unit" / photos[0]).read_bytes(), name=photos[0])
        photo = enrolment.face_photo_store(person=person, image=image)
        if enrolment.face_photo_enroll(photo_id=photo.pk).status != "enrolled":
            person.delete()
            continue
        AccessRule.objects.create(name=f"{name} any time", person=person, gate=gate)
        probes.append(camera_jpeg(FACES / "deepface-unit" / photos[1], background=GREY))
    from tests.kiosk_device import DeviceKey

    credentials = []
    for number in range(kiosk_count):
        _, token = pairing.kiosk_create(gate=gate, name=f"Bench kiosk {number + 1}")
        device = DeviceKey()
        credentials.append((pairing.kiosk_pair(token=token, device_key=device.public)[1], device))
    return credentials, probes


def kiosk_socket(url: str, origin: str, credential: str):
    """A kiosk's socket as the page opens it: its credential cookie, its page's origin."""
    import websockets

    return websockets.connect(
        url,
        additional_headers={"Cookie": f"accessportal_kiosk={credential}", "Origin": origin},
        max_size=2**20,
    )


class KioskClient:
    def __init__(self, number: int, credential: tuple, url: str, origin: str):
        self.number, self.url, self.origin = number, url, origin
        self.credential, self.device = credential  # the cookie, and the device key it is bound to
        self.sent_at: dict[int, float] = {}
        self.reply_ms: list[float] = []
        self.decision_ms: list[float] = []
        self.decisions: list[int] = []
        self.errors: list[str] = []
        self.sent = 0
        self.dropped = 0

    async def run(self, probes, empty, *, fps, seconds, visit, gap, start) -> None:

        try:
            async with kiosk_socket(self.url, self.origin, self.credential) as ws:
                from tests.kiosk_device import websocket_greeting

                hello = await websocket_greeting(ws, self.device)
                if hello.get("type") != "hello":
                    self.errors.append(f"no hello: {hello}")
                    return
                receiver = asyncio.create_task(self._receive(ws))
                await self._send(ws, probes, empty, fps, seconds, visit, gap, start)
                await asyncio.sleep(3)  # answers to the last frames
                receiver.cancel()
        except Exception as error:
            self.errors.append(f"{type(error).__name__}: {error}")

    async def _send(self, ws, probes, empty, fps, seconds, visit, gap, start) -> None:
        cycle = visit + gap
        offset = self.number * 0.37  # kiosks out of step, as real doors are
        frame_index = 0
        while True:
            due = start + frame_index / fps
            if due - start >= seconds:
                return
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            phase = (due - start + offset) % cycle
            visitor = int((due - start + offset) // cycle) + self.number
            frame = probes[visitor % len(probes)] if phase < visit else empty
            self.sent += 1
            self.sent_at[self.sent] = time.monotonic()
            await ws.send(frame)
            frame_index += 1

    async def _receive(self, ws) -> None:
        async for raw in ws:
            now = time.monotonic()
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "frame":
                self.reply_ms.append((now - self.sent_at[message["frame"]]) * 1000)
                self.dropped = message["dropped"]
            elif kind == "decision":
                self.decision_ms.append((now - self.sent_at[message["frame"]]) * 1000)
                self.decisions.append(message["event"])
            elif kind in ("error", "refused"):
                self.errors.append(f"{kind}: {message}")


class FuzzClient:
    """A hostile client holding a kiosk's credential and device key (see the module's
    docstring). Counts what it sent and what it heard."""

    def __init__(self, number: int, credential: tuple, url: str, origin: str):
        self.number, self.url, self.origin = number, url, origin
        self.credential, self.device = credential
        self.sent = self.connections = 0
        self.closes: Counter[str] = Counter()
        self.replies: Counter[str] = Counter()
        self.failures: list[str] = []

    async def run(self, *, seconds: float, rate: float, start: float) -> None:
        import websockets

        from tests.kiosk_device import websocket_greeting
        from tests.kiosk_fuzz import TEXT_TOO_LONG, bad_frames, bad_texts

        rng = random.Random(self.number)
        messages: list[bytes | str] = [*bad_frames(rng), *bad_texts(rng), TEXT_TOO_LONG]
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        deadline = start + seconds
        while time.monotonic() < deadline:
            self.connections += 1
            prove = self.connections % 5 != 0
            try:
                async with kiosk_socket(self.url, self.origin, self.credential) as ws:
                    if prove:
                        await websocket_greeting(ws, self.device)
                    else:
                        await ws.recv()  # the challenge, left unanswered: frames instead
                    receiver = asyncio.create_task(self._receive(ws))
                    try:
                        while time.monotonic() < deadline:
                            await ws.send(rng.choice(messages))
                            self.sent += 1
                            await asyncio.sleep(1 / rate)
                    finally:
                        receiver.cancel()
            except websockets.ConnectionClosed as closed:
                self.closes[str(closed.rcvd.code if closed.rcvd else None)] += 1
            except Exception as error:
                self.failures.append(f"{type(error).__name__}: {error}")
                await asyncio.sleep(0.5)

    async def _receive(self, ws) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") in ("error", "refused"):
                self.replies[message.get("code", "?")] += 1


async def load_run(
    credentials, probes, empty, *, ports, fps, seconds, visit, gap, fuzzers=(), fuzz_rate=12.0
) -> dict:
    clients = []
    for i, credential in enumerate(credentials):
        port = ports[i % len(ports)]  # in turn, as a load balancer without stickiness would
        url, origin = f"ws://127.0.0.1:{port}/ws/kiosk/", f"http://127.0.0.1:{port}"
        clients.append(KioskClient(i, credential, url, origin))
    hostile = []
    for i, credential in enumerate(fuzzers):
        port = ports[i % len(ports)]
        url, origin = f"ws://127.0.0.1:{port}/ws/kiosk/", f"http://127.0.0.1:{port}"
        hostile.append(FuzzClient(i, credential, url, origin))
    start = time.monotonic() + 1.0
    await asyncio.gather(
        *(
            c.run(probes, empty, fps=fps, seconds=seconds, visit=visit, gap=gap, start=start)
            for c in clients
        ),
        *(f.run(seconds=seconds, rate=fuzz_rate, start=start) for f in hostile),
    )
    return {
        "clients": clients,
        "fuzzers": hostile,
        "reply_ms": [ms for c in clients for ms in c.reply_ms],
        "decision_ms": [ms for c in clients for ms in c.decision_ms],
    }


def summarise(result: dict, *, kiosks: int, fps: float, seconds: float, since) -> dict:
    from recognition.models import AccessEvent

    clients = result["clients"]
    decided = {event for c in clients for event in c.decisions}
    written = set(
        AccessEvent.objects.filter(
            occurred_at__gte=since, kiosk_name__startswith="Bench kiosk"
        ).values_list("pk", flat=True)
    )
    errors = [f"kiosk {c.number + 1}: {e}" for c in clients for e in c.errors]
    sent = sum(c.sent for c in clients)
    answered = len(result["reply_ms"])
    reply = percentiles(result["reply_ms"], (50, 95, 99))
    lost = len(decided ^ written)
    fuzzers = result["fuzzers"]
    fuzz = None
    if fuzzers:
        closes: Counter[str] = sum((f.closes for f in fuzzers), Counter())
        replies: Counter[str] = sum((f.replies for f in fuzzers), Counter())
        fuzz = {
            "clients": len(fuzzers),
            "connections": sum(f.connections for f in fuzzers),
            "messages_sent": sum(f.sent for f in fuzzers),
            "close_codes": dict(closes),
            "error_replies": dict(replies),
            "client_failures": [e for f in fuzzers for e in f.failures][:5],
        }
    return {
        "kiosks": kiosks,
        "fuzz": fuzz,
        "fps": fps,
        "seconds": seconds,
        "frames_sent": sent,
        "frames_answered": answered,
        "frames_dropped": sum(c.dropped for c in clients),
        "frames_unanswered": sent - answered,
        "frame_to_reply_ms": reply,
        "frame_to_decision_ms": percentiles(result["decision_ms"], (50, 95, 99)),
        "decisions": len(decided),
        "events_written": len(written),
        "lost_events": lost,
        "errors": len(errors),
        "error_samples": errors[:5],
        "holds_target": not errors
        and lost == 0
        and reply["p95"] is not None
        and reply["p95"] < TARGET_P95_MS,
    }


def server_log_problems(data: Path) -> dict:
    """Exceptions inside the application, as the web processes logged them: tracebacks and
    ERROR lines (refusals are logged as warnings, one line each)."""
    tracebacks = errors = 0
    samples: list[str] = []
    for log in sorted(data.glob("daphne-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("Traceback"):
                tracebacks += 1
            elif " ERROR " in line:
                errors += 1
                samples.append(line[:200])
    return {"tracebacks": tracebacks, "error_lines": errors, "error_samples": samples[:5]}


def resident_mb(pid: int) -> float | None:
    """A process's resident memory (Linux), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kilobytes = next(
        int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
    )
    return round(kilobytes / 1024)


def event_storage() -> dict:
    """What the access log takes on PostgreSQL: its tables with their indexes and the door
    results, per event (a small table's pages are not full: an upper bound)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM recognition_accessevent), "
            "pg_total_relation_size('recognition_accessevent') "
            "+ pg_total_relation_size('recognition_dooractuation')"
        )
        events, size = cursor.fetchone()
    per_event = size / events if events else None
    return {
        "events": events,
        "bytes": size,
        "bytes_per_event": round(per_event) if per_event else None,
        "events_per_gb": int(1e9 / per_event) if per_event else None,
    }


def scaled_out(analysis_workers: int):
    """A PostgreSQL and a Redis of the benchmark's own; the settings that point at them."""
    sys.path.insert(0, str(ROOT))
    import tempfile

    from tests.services import PrivatePostgres, PrivateRedis

    postgres = PrivatePostgres()
    postgres.start()
    postgres.create_database()
    redis = PrivateRedis(Path(tempfile.mkdtemp(prefix="accessportal-bench-redis-")))
    redis.start()
    settings = {
        "ACCESSPORTAL_DATABASE_URL": postgres.url,
        "ACCESSPORTAL_CHANNEL_LAYER_URL": f"{redis.url}/0",
        "ACCESSPORTAL_CELERY_BROKER_URL": f"{redis.url}/1",
        "ACCESSPORTAL_CACHE_URL": f"{redis.url}/2",
    }
    if analysis_workers:
        settings["ACCESSPORTAL_KIOSK_FRAME_ANALYZER"] = (
            "recognition.kiosks.analysis_service.ChannelLayerAnalyzer"
        )
    return postgres, redis, settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosks", type=int, default=10)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--visit", type=float, default=3.0, help="seconds a visitor stays")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between visitors")
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--sweep", default="", help="kiosk counts to try, e.g. 2,4,6,8,10")
    parser.add_argument("--web-processes", type=int, default=1)
    parser.add_argument("--analysis-workers", type=int, default=0)
    parser.add_argument("--fuzz-connections", type=int, default=0)
    parser.add_argument("--fuzz-rate", type=float, default=12.0, help="messages a second each")
    args = parser.parse_args()
    counts = [int(n) for n in args.sweep.split(",") if n] or [args.kiosks]

    postgres = redis = None
    if args.web_processes > 1 or args.analysis_workers > 0:
        postgres, redis, shared = scaled_out(args.analysis_workers)
        os.environ.update(shared)
    processes = []
    named = {}  # for their memory at the end
    try:
        django_setup(scratch_database=True)
        from django.conf import settings
        from django.utils import timezone

        credentials, probes = prepare(max(counts) + args.fuzz_connections, args.people)
        fuzzers = credentials[len(credentials) - args.fuzz_connections :]
        credentials = credentials[: len(credentials) - args.fuzz_connections]
        empty = camera_jpeg(None, background=GREY)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "accessportal.settings"}
        data = Path(os.environ["ACCESSPORTAL_DATA_DIR"])
        for number in range(args.analysis_workers):
            processes.append(
                start_logged(
                    [sys.executable, "manage.py", "analysis_worker"],
                    cwd=ROOT,
                    env=env,
                    log=data / f"analysis-{number + 1}.log",
                )
            )
            named[f"analysis worker {number + 1}"] = processes[-1]
        ports = [free_port() for _ in range(args.web_processes)]
        # The simulated kiosks open their sockets as pages served by their own process.
        env["ACCESSPORTAL_WEBSOCKET_ORIGINS"] = ",".join(f"http://127.0.0.1:{p}" for p in ports)
        for port in ports:
            processes.append(
                start_logged(
                    [
                        sys.executable,
                        "-m",
                        "daphne",
                        "-b",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        ASGI_APPLICATION,
                    ],
                    cwd=ROOT,
                    env=env,
                    log=data / f"daphne-{port}.log",
                )
            )
            named[f"web process {ports.index(port) + 1}"] = processes[-1]
        deadline = time.monotonic() + 120
        for port in ports:
            while not healthy(f"http://127.0.0.1:{port}/healthz"):
                if time.monotonic() > deadline:
                    raise TimeoutError("Daphne was not ready within 120 s")
                time.sleep(0.3)
        # Warm-up (gallery and first frames), outside the measurement.
        asyncio.run(
            load_run(
                credentials[: len(ports)],
                probes,
                empty,
                ports=ports,
                fps=2,
                seconds=3,
                visit=3,
                gap=0,
            )
        )
        runs = []
        for count in counts:
            since = timezone.now()
            result = asyncio.run(
                load_run(
                    credentials[:count],
                    probes,
                    empty,
                    ports=ports,
                    fps=args.fps,
                    seconds=args.seconds,
                    visit=args.visit,
                    gap=args.gap,
                    fuzzers=fuzzers,
                    fuzz_rate=args.fuzz_rate,
                )
            )
            runs.append(
                summarise(result, kiosks=count, fps=args.fps, seconds=args.seconds, since=since)
            )
            if runs[-1]["fuzz"] is not None:
                runs[-1]["fuzz"]["server_log"] = server_log_problems(data)
            print(json.dumps(runs[-1]), file=sys.stderr)
        storage = event_storage() if postgres is not None else None
        memory = {name: resident_mb(process.pid) for name, process in named.items()}
    finally:
        for process in processes:
            stop_group(process, timeout=20)
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.remove()
    holding = [r["kiosks"] for r in runs if r["holds_target"]]
    print(
        json.dumps(
            {
                "target": {
                    "p95_frame_to_reply_ms_under": TARGET_P95_MS,
                    "errors": 0,
                    "lost_events": 0,
                },
                "visit_seconds": args.visit,
                "gap_seconds": args.gap,
                "cpu_count": os.cpu_count(),
                "web_processes": args.web_processes,
                "analysis_workers": args.analysis_workers,
                "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
                "analyzer": settings.KIOSK_FRAME_ANALYZER,
                "analyzer_workers": settings.KIOSK_ANALYZER_WORKERS,
                "runs": runs,
                "largest_kiosk_count_holding_target": max(holding) if holding else 0,
                "event_storage": storage,
                "resident_memory_mb": memory,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
