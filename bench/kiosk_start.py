"""The first person at a door after a server start: how long until the kiosk decides.

A real Daphne (warm start on, as shipped) with Ada enrolled and allowed at the main entrance; a
kiosk paired in headless Chromium whose fake camera shows her (a photo that is not one of her
enrolment photos). For each of ``--runs`` restarts of the server:

- ``ready_seconds``: from starting the process to ``/healthz`` answering 200 (the engine is
  loaded before the process says it is ready);
- ``page_to_decision_seconds``: from opening the kiosk page, once the server is ready, to the
  page showing her granted (the target is under 2 s);
- ``opened_at_start_to_decision_seconds``: the page opened as soon as the process answers at
  all (a kiosk reconnecting to a restarted server): it shows "Starting…" until the engine is
  loaded; ``process_start_to_decision_seconds`` counts from starting the process.

Prints JSON. The per-frame latency is ``bench/latency.py``'s.

    python bench/kiosk_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _setup import FACES, ROOT, django_setup

sys.path.insert(0, str(ROOT))
from tests.camera import y4m_clip  # one definition of a fake camera's clip
from tests.processes import ADA_AT_THE_MAIN_ENTRANCE, Server, get, kiosk_browser, wait_for

SETUP = ADA_AT_THE_MAIN_ENTRANCE + textwrap.dedent(
    """
    kiosk, token = pairing.kiosk_create(gate=gate, name="Bench kiosk")
    print(pairing.pairing_url(token))
    """
)


def seconds_until_granted(page, *, timeout: float = 120) -> float:
    started = time.monotonic()
    page.wait_for_selector('html[data-state="granted"]', timeout=timeout * 1000)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    django_setup()  # installs the face models, which the server below reads
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="accessportal-kiosk-start-"))
    models = Path(settings.FACE_MODELS_DIR)
    clip = work / "ada.y4m"
    clip.write_bytes(y4m_clip(FACES / "deepface-unit" / "img6.jpg"))
    # Each page stands for a new person: a passage decided before the restart is not carried on.
    server = Server(work / "data", models, ACCESSPORTAL_KIOSK_RESUME_SECONDS="0")
    (work / "data").mkdir()
    output = server.prepare(SETUP.format(unit=str(FACES / "deepface-unit")))
    pairing_url = next(w for w in output.split() if "/kiosk/pair/" in w)

    ready, page_to_decision, opened_at_start, process_to_decision = [], [], [], []
    with sync_playwright() as playwright:
        browser = kiosk_browser(playwright, clip)
        context = browser.new_context()  # keeps the device key and the cookie across runs
        server.start()
        page = context.new_page()
        page.goto(pairing_url)
        page.wait_for_url(f"{server.url}/kiosk/")
        seconds_until_granted(page)
        page.close()
        server.stop()
        for _ in range(args.runs):
            started = time.monotonic()
            server.start()
            ready.append(time.monotonic() - started)
            page = context.new_page()
            page.goto(f"{server.url}/kiosk/")
            page_to_decision.append(seconds_until_granted(page))
            page.close()
            server.stop()

            started = time.monotonic()
            server.start(wait=False)
            wait_for(lambda: get(f"{server.url}/healthz/live")[0] == 200, 60, "Daphne")
            page = context.new_page()
            page.goto(f"{server.url}/kiosk/")
            opened_at_start.append(seconds_until_granted(page))
            process_to_decision.append(time.monotonic() - started)
            page.close()
            server.stop()
        browser.close()

    def summary(values: list[float]) -> dict[str, float]:
        return {
            "median": round(statistics.median(values), 2),
            "max": round(max(values), 2),
            "each": [round(v, 2) for v in values],
        }

    print(
        json.dumps(
            {
                "runs": args.runs,
                "ready_seconds": summary(ready),
                "page_to_decision_seconds": summary(page_to_decision),
                "opened_at_start_to_decision_seconds": summary(opened_at_start),
                "process_start_to_decision_seconds": summary(process_to_decision),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
