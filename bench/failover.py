"""Faults on a scaled-out install, measured: two web processes behind nginx (TLS, wss://), a
Celery worker and beat, on a PostgreSQL and a Redis of their own (tests/scale_out.py builds
them, as tests/test_scale_out.py does), with a kiosk deciding throughout.

    python bench/failover.py [--runs 1] [--analysis-workers 0]

Needs Debian's postgresql, redis-server and nginx (scripts/test installs them). Prints JSON:
for each run, how long the enrolment took through the worker; after a kill -9 of the kiosk's
web process, how long until the kiosk was connected to the other one; for a Redis restart
(down REDIS_DOWN_SECONDS), what /healthz said, how long the kiosk was offline and how long
after Redis it was back; for a PostgreSQL restart (down POSTGRES_DOWN_SECONDS) while a
person steps up, whether and when that passage was decided; and at the end, events against
decisions, doors fired, kiosk errors and the access log's verification.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def models_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="accessportal-bench-models-"))
    env = {**os.environ, "ACCESSPORTAL_FACE_MODELS_DIR": str(folder)}
    env["ACCESSPORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="accessportal-bench-")
    subprocess.run(
        [sys.executable, "manage.py", "models_install"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--analysis-workers",
        type=int,
        default=0,
        help="frames analysed by this many analysis workers (0: by the web processes)",
    )
    args = parser.parse_args()

    from tests.scale_out import (
        POSTGRES_DOWN_SECONDS,
        REDIS_DOWN_SECONDS,
        Deployment,
        fault_scenario,
    )

    models = models_folder()
    runs = []
    for _ in range(args.runs):
        deployment = Deployment(
            Path(tempfile.mkdtemp(prefix="accessportal-failover-")),
            models,
            analysis_workers=args.analysis_workers,
        )
        try:
            deployment.start()
            runs.append(fault_scenario(deployment))
        finally:
            deployment.stop()
        print(json.dumps(runs[-1]), file=sys.stderr)
    print(
        json.dumps(
            {
                "web_processes": 2,
                "analysis_workers": args.analysis_workers,
                "redis_down_seconds": REDIS_DOWN_SECONDS,
                "postgres_down_seconds": POSTGRES_DOWN_SECONDS,
                "runs": runs,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
