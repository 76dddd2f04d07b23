"""Shared start-up for the benchmarks: Django, the models folder, the shared photos."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ACCESSPORTAL_SHARED_DIR", ROOT.parent / "shared"))
FACES = SHARED / "faces"


def django_setup(*, scratch_database: bool = False) -> None:
    """Set Django up; with ``scratch_database`` everything (database, media, broker) lives in a
    new temporary folder, so a benchmark never touches real data."""
    sys.path.insert(0, str(ROOT))
    if scratch_database:
        import tempfile

        os.environ["ACCESSPORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="accessportal-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accessportal.settings")
    import django

    django.setup()
    from django.conf import settings

    if scratch_database:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)

    from recognition.faces.weights import models_install

    source = settings.FACE_WEIGHTS_SOURCE or str(SHARED / "models" / "weights")
    models_install(models_dir=settings.FACE_MODELS_DIR, source=Path(source))


def labelled_pairs() -> list[tuple[str, str, bool]]:
    import csv

    with (FACES / "deepface-unit" / "face-recognition-pivot.csv").open() as handle:
        return [
            (Path(row["file_x"]).name, Path(row["file_y"]).name, row["decision"] == "Yes")
            for row in csv.DictReader(handle)
        ]


def identities() -> dict[str, list[str]]:
    """Images grouped by person, from the labelled same-person pairs (a union-find)."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            name = parent[name]
        return name

    for a, b, same in labelled_pairs():
        root(a), root(b)
        if same:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for name in parent:
        groups.setdefault(root(name), []).append(name)
    number = lambda n: int("".join(c for c in n if c.isdigit()) or 0)  # noqa: E731
    return {f"person{i:02d}": sorted(g, key=number) for i, g in enumerate(groups.values())}


def percentiles(
    values: list[float], quantiles: tuple[int, ...] = (50, 95), digits: int = 1
) -> dict[str, float | None]:
    """{"p50": ..., "p95": ...} of the values (None for each when there are none)."""
    import numpy as np

    return {
        f"p{q}": round(float(np.percentile(values, q)), digits) if values else None
        for q in quantiles
    }


def camera_jpeg(path: Path | None, *, background: tuple[int, int, int] = (0, 0, 0)) -> bytes:
    """A photo fitted into a 640x480 camera frame (letterboxed), JPEG quality 85; None gives
    an empty scene."""
    import io

    from PIL import Image

    frame = Image.new("RGB", (640, 480), background)
    if path is not None:
        with Image.open(path) as original:
            photo = original.convert("RGB")
            photo.thumbnail((640, 480))
            frame.paste(photo, ((640 - photo.width) // 2, (480 - photo.height) // 2))
    buffer = io.BytesIO()
    frame.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


# --- Real processes on loopback (bench/kiosk_load.py, bench/install_time.py) -----------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether ``url`` (a /healthz) answers 200 now."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except OSError:
        return False


def start_logged(command: list[str], *, cwd: Path, env: dict[str, str], log: Path):
    """Start ``command`` in a process group of its own, its output into ``log``; stop it with
    :func:`stop_group`."""
    import subprocess

    with log.open("w") as output:
        return subprocess.Popen(  # noqa: S603 (our own commands)
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_group(process, *, timeout: float = 60) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
