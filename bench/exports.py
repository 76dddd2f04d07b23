"""Report exports and the chain check at scale: time and peak memory.

In a scratch database it appends events (the real chain, in bulk) up to each size, then, each
in a fresh process so that peak memory is its own: exports every event to CSV and XLSX with
the code the report pages and Celery use, and runs audit_verify. Prints JSON.

    python bench/exports.py [--sizes 100000,1000000] [--formats csv,xlsx] [--verify]

Memory: the process's resident set is sampled every 20 ms while the export runs; reported are
the resident set just before it started, the peak during it, and their difference (what the
export itself held).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import ROOT, django_setup


def rss_mb() -> float:
    """The current resident set of this process, in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)


def child(task: str, fmt: str) -> None:
    """Runs in its own process against the scratch database named by the environment."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accessportal.settings")
    import django

    django.setup()
    from recognition.access_log.chain import audit_chain_verify
    from recognition.models import AccessEvent
    from recognition.reports.writers import export_write

    AccessEvent.objects.exists()  # connection and models loaded before the baseline
    baseline = rss_mb()
    sampler = PeakSampler()
    sampler.start()
    started = time.perf_counter()
    result: dict = {}
    if task == "export":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"events.{fmt}"
            export_write(fmt, AccessEvent.objects.all(), path, title="bench")
            result["file_mb"] = round(path.stat().st_size / 1e6, 1)
    else:
        report = audit_chain_verify()
        assert report.ok, report
        result["events_checked"] = report.events
    result["seconds"] = round(time.perf_counter() - started, 2)
    sampler.running = False
    sampler.join()
    result["rss_before_mb"] = round(baseline, 1)
    result["rss_peak_mb"] = round(sampler.peak, 1)
    result["peak_added_mb"] = round(sampler.peak - baseline, 1)
    print(json.dumps(result))


def fill(target: int) -> float:
    """Append events until there are ``target``; returns the seconds it took."""
    from gates.models import Gate, Site
    from people.models import Person
    from recognition.access_log.chain import access_events_append_many
    from recognition.models import AccessEvent

    have = AccessEvent.objects.count()
    if have >= target:
        return 0.0
    site, _ = Site.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    gates = [
        Gate.objects.get_or_create(slug=f"gate-{i}", defaults={"site": site, "name": f"Gate {i}"})[
            0
        ]
        for i in range(8)
    ]
    people = [
        Person.objects.get_or_create(
            employee_number=f"B{i}", defaults={"first_name": f"P{i}", "last_name": "Bench"}
        )[0]
        for i in range(200)
    ]
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    reasons = ("granted", "granted", "granted", "unknown_face", "outside_schedule", "no_rule")

    def facts():
        for n in range(have, target):
            gate, person = gates[n % len(gates)], people[n % len(people)]
            reason = reasons[n % len(reasons)]
            known = reason != "unknown_face"
            yield {
                "occurred_at": start + dt.timedelta(seconds=20 * n),
                "kiosk_name": f"Tablet {gate.name}",
                "gate": gate,
                "gate_name": f"Bench / {gate.name}",
                "site_name": "Bench",
                "person": person if known else None,
                "person_name": f"{person.first_name} {person.last_name}" if known else "",
                "granted": reason == "granted",
                "reason": reason,
                "rule_name": "Staff, office hours" if reason == "granted" else "",
                "distance": 0.3 + (n % 97) / 400,
                "margin": 0.1 + (n % 13) / 100 if known else None,
                "liveness": 0.9 + (n % 7) / 100,
                "model_name": "Dlib-ResNet/dlib-5pt-chip euclidean",
                "frames": 2,
            }

    started = time.perf_counter()
    access_events_append_many(facts())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--no-verify", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("TASK", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    django_setup(scratch_database=True)

    def measure(task: str, fmt: str = "-") -> dict:
        done = subprocess.run(  # noqa: S603 (this script, this interpreter)
            [sys.executable, __file__, "--child", task, fmt],
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        filled = fill(size)
        row: dict = {"events": size, "append_seconds": round(filled, 1)}
        for fmt in args.formats.split(","):
            row[fmt] = measure("export", fmt)
        if not args.no_verify:
            row["audit_verify"] = measure("verify")
        results.append(row)
        print(json.dumps(row), file=sys.stderr)
    print(json.dumps({"cores": os.cpu_count(), "database": "SQLite", "results": results}, indent=2))


if __name__ == "__main__":
    main()
