"""Lint, types, migrations in step with models, and Django's deployment checklist."""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import process_env

pytestmark = pytest.mark.one_backend

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # Lint, types and Django's checks: no database of their own is needed.
        env=process_env(ROOT / "var" / "quality-gates", database=False, **(env or {})),
        timeout=300,
        check=False,
    )


def test_ruff_lint():
    result = run("-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run("-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_type_checks(tmp_path):
    """Every annotation is checked (django-stubs, djangorestframework-stubs); the domain modules
    strictly (``[tool.mypy]`` in pyproject.toml)."""
    result = run("-m", "mypy", "--cache-dir", str(tmp_path / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_match_models(tmp_path):
    result = run(
        "manage.py",
        "makemigrations",
        "--check",
        "--dry-run",
        env={"ACCESSPORTAL_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checklist_passes_with_production_settings(tmp_path):
    production = {
        "ACCESSPORTAL_DATA_DIR": str(tmp_path),
        "ACCESSPORTAL_DEBUG": "false",
        "ACCESSPORTAL_HTTPS": "true",
        "ACCESSPORTAL_HSTS_PRELOAD": "true",
        "ACCESSPORTAL_BEHIND_PROXY": "true",
        "ACCESSPORTAL_SECRET_KEY": secrets.token_urlsafe(60),
        "ACCESSPORTAL_ALLOWED_HOSTS": "portal.example.com",
        "ACCESSPORTAL_CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
    }
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_setting_stops_start_up_with_a_clear_message(tmp_path):
    result = run(
        "manage.py",
        "check",
        env={"ACCESSPORTAL_DATA_DIR": str(tmp_path), "ACCESSPORTAL_DEBUG": "perhaps"},
    )
    assert result.returncode != 0
    assert "ACCESSPORTAL_DEBUG='perhaps' is not a boolean" in result.stderr
