"""The recognition app's rooms, and the one direction their imports run in.

``faces`` (engine, gallery, enrolment) imports no other room; ``access_log`` none either (its
snapshot files use the project's encrypted storage, through the tables); ``kiosks`` uses
both; ``reports`` reads the access log; ``status`` shows kiosks and the access log, and no room
imports it. Every room may use the tables (``recognition.models``) and the other apps.
"""

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from tests.processes import ROOT

pytestmark = pytest.mark.one_backend

ROOMS = ("faces", "access_log", "kiosks", "reports", "status")
MAY_IMPORT = {
    "faces": set(),
    "access_log": set(),
    "kiosks": {"faces", "access_log"},
    "reports": {"access_log"},
    "status": {"kiosks", "access_log"},
}


def _rooms_imported() -> dict[str, set[str]]:
    graph = grimp.build_graph("recognition", cache_dir=None)
    imported: dict[str, set[str]] = {}
    for room in ROOMS:
        package = f"recognition.{room}"
        found = set()
        for module in graph.find_descendants(package) | {package}:
            for target in graph.find_modules_directly_imported_by(module):
                parts = target.split(".")
                if len(parts) > 1 and parts[1] in ROOMS and parts[1] != room:
                    found.add(parts[1])
        imported[room] = found
    return imported


def test_each_room_imports_only_the_rooms_below_it():
    imported = _rooms_imported()
    print("\n".join(f"{room:>10} imports {sorted(imported[room]) or '-'}" for room in ROOMS))
    assert set(imported) == set(ROOMS)
    wrong = {room: imported[room] - MAY_IMPORT[room] for room in ROOMS}
    assert not any(wrong.values()), f"imports against the direction: {wrong}"
    assert not any("status" in found for found in imported.values())


def test_the_import_contracts_in_pyproject_hold():
    """The same direction, transitively, and the modules that must never load the face engine
    (import-linter's contracts in pyproject.toml; ``lint-imports`` runs them by hand)."""
    # In its own process: zope.interface, loaded by Daphne's Twisted in the test process,
    # confuses import-linter's contract classes.
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
