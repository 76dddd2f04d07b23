"""What runs inside a ProcessPoolAnalyzer worker process.

This module imports nothing from Django at import time: a spawned worker unpickles these
functions before Django is set up, and sets it up in :func:`start`.
"""

from __future__ import annotations

import os


def start() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accessportal.settings")
    django.setup()
    from recognition.engine import get_engine

    get_engine()  # loaded before the first frame, not during it


def sighting(data: bytes, **options):
    from recognition.analyzers import frame_sighting

    return frame_sighting(data, **options)
