"""What runs inside a ProcessPoolAnalyzer worker process.

This module imports nothing from Django at import time: a spawned worker unpickles these
functions before Django is set up, and sets it up in :func:`start`.
"""

from __future__ import annotations

import os
from typing import Any


def start(loaded: Any) -> None:
    """Set up Django and load the engine; then say so on the ``loaded`` queue."""
    import cv2
    import django

    # One core a process: the pool is as wide as the machine, and OpenCV's own thread pool
    # in every process would only make them fight over the same cores.
    cv2.setNumThreads(1)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accessportal.settings")
    django.setup()
    from recognition.faces.engine import get_engine

    get_engine()  # loaded before the first frame, not during it
    loaded.put(os.getpid())


def ready() -> None:
    """Nothing: submitted once per worker so that every process starts (and loads its
    engine) when the pool does, not during the first busy moment."""


def sighting(data: bytes, **options):
    from recognition.kiosks.analyzers import frame_sighting

    return frame_sighting(data, **options)
