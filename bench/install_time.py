"""How long the README's two commands take on a clean clone with an empty pip cache.

    python bench/install_time.py [--commit HEAD] [--test]

Clones the repository at ``--commit`` into a new temporary folder, gives pip an empty cache,
and runs ``./scripts/start`` until ``/healthz`` answers (install, migrate, demo data, models,
Daphne, worker and beat up), then stops it. With ``--test`` it then runs ``./scripts/test``
in a second clean clone, also with an empty cache, to its end. Prints JSON: seconds for each,
the test command's exit status, and what the venv holds. Downloads come from PyPI each time
(nothing cached), so the figures include the network.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, SHARED, free_port, healthy, start_logged, stop_group


def clean_clone(commit: str, folder: Path) -> Path:
    checkout = folder / "accessportal"
    subprocess.run(  # noqa: S603
        ["git", "clone", "--quiet", "--no-local", str(ROOT), str(checkout)],  # noqa: S607
        check=True,
    )
    subprocess.run(  # noqa: S603
        ["git", "-C", str(checkout), "checkout", "--quiet", commit],  # noqa: S607
        check=True,
    )
    return checkout


def environment(folder: Path) -> dict[str, str]:
    cache = folder / "pip-cache"
    cache.mkdir()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ACCESSPORTAL_")},
        "PIP_CACHE_DIR": str(cache),
        "ACCESSPORTAL_SHARED_DIR": str(SHARED),
        "ACCESSPORTAL_FACE_WEIGHTS_SOURCE": str(SHARED / "models" / "weights"),
    }


def time_start(commit: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="accessportal-start-") as tmp:
        folder = Path(tmp)
        checkout = clean_clone(commit, folder)
        port = free_port()
        env = {**environment(folder), "ACCESSPORTAL_PORT": str(port)}
        started = time.monotonic()
        process = start_logged(["./scripts/start"], cwd=checkout, env=env, log=folder / "start.log")
        try:
            while not healthy(f"http://127.0.0.1:{port}/healthz"):
                if process.poll() is not None:
                    tail = (folder / "start.log").read_text()[-2000:]
                    return {"ok": False, "exit": process.returncode, "log_tail": tail}
                time.sleep(1)
            seconds = time.monotonic() - started
        finally:
            stop_group(process)
        return {"ok": True, "seconds_to_healthz": round(seconds, 1), **venv_facts(checkout)}


def time_test(commit: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="accessportal-test-") as tmp:
        folder = Path(tmp)
        checkout = clean_clone(commit, folder)
        started = time.monotonic()
        with (folder / "test.log").open("w") as log:
            result = subprocess.run(
                ["./scripts/test", "-q", "-p", "no:cacheprovider"],
                cwd=checkout,
                env=environment(folder),
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        seconds = time.monotonic() - started
        lines = (folder / "test.log").read_text().strip().splitlines()
        # Each pass's last line, and every failure named (the log goes with the clone).
        summary = [
            line
            for line in lines
            if line.startswith(("FAILED ", "ERROR ", "== "))
            or (line.startswith("=") and (" passed" in line or " failed" in line))
        ]
        # Why each failure failed: its assertion lines ("E   ...") and where (file:line).
        why = [line for line in lines if line.startswith("E ") or ".py:" in line[:120]][:80]
        facts = {"exit": result.returncode, "seconds": round(seconds, 1), "summary": summary}
        return {**facts, "failures": why} if result.returncode else facts


def venv_facts(checkout: Path) -> dict:
    python = checkout / ".venv" / "bin" / "python"
    listing = subprocess.run(  # noqa: S603
        [str(python), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=False,
    )
    packages = {p["name"].lower(): p["version"] for p in json.loads(listing.stdout or "[]")}
    return {
        "packages": len(packages),
        "dlib": packages.get("dlib"),
        "opencv": {k: v for k, v in packages.items() if k.startswith("opencv")},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--test", action="store_true", help="also time ./scripts/test")
    args = parser.parse_args()
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", args.commit],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    result: dict = {"commit": commit, "cpu_count": os.cpu_count(), "python": sys.version.split()[0]}
    result["start"] = time_start(commit)
    if args.test:
        result["test"] = time_test(commit)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
