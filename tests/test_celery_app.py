"""The Celery app configures itself quietly, and makes the no-server broker's folders."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_first_use_of_celery_logs_no_error_and_makes_the_broker_folders(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSPORTAL_")}
    env |= {
        "ACCESSPORTAL_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "accessportal.settings",
    }
    code = (
        "import django; django.setup(); "
        "from accessportal.celery import app; print(app.conf.broker_url)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "filesystem://"
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr[:2000]
    folders = {p.name for p in tmp_path.rglob("*") if p.is_dir()}
    assert {"queue", "control"} <= folders, folders
