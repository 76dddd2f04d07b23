"""Loaded by pytest before Django is set up (``-p tests.early_environment`` in pyproject's
addopts): the environment of the test process itself, never of the processes it starts
(``tests.processes.process_env`` leaves these out)."""

import os

TEST_PROCESS_ONLY = {
    # The test process is no web process: importing accessportal.asgi does not load a face
    # engine in the background (tests that need one build it from the shared weights).
    "ACCESSPORTAL_KIOSK_WARM_AT_START": "false",
}

for name, value in TEST_PROCESS_ONLY.items():
    os.environ.setdefault(name, value)
