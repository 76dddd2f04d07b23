"""Processes the tests start never touch the database, channel layer or broker the suite was
pointed at: anyone may run the suite with a production URL in their shell."""

import os
import subprocess

import pytest

from tests.processes import ROOT, free_port, process_env, throwaway_database_url


def test_a_started_process_gets_its_own_data_folder_and_none_of_the_servers(monkeypatch, tmp_path):
    monkeypatch.setenv("ACCESSPORTAL_DATABASE_URL", "sqlite:////srv/accessportal/production.db")
    monkeypatch.setenv("ACCESSPORTAL_CHANNEL_LAYER_URL", "redis://production:6379/0")
    monkeypatch.setenv("ACCESSPORTAL_CELERY_BROKER_URL", "redis://production:6379/1")
    monkeypatch.setenv("ACCESSPORTAL_CACHE_URL", "redis://production:6379/2")
    monkeypatch.setenv("ACCESSPORTAL_DATA_DIR", "/srv/accessportal")
    monkeypatch.setenv("ACCESSPORTAL_MEDIA_DIR", "/srv/media")
    env = process_env(tmp_path, ACCESSPORTAL_PORT="9999")
    assert env["ACCESSPORTAL_DATA_DIR"] == str(tmp_path)
    assert env["ACCESSPORTAL_PORT"] == "9999"
    assert not [value for value in env.values() if "production" in value or "/srv/" in value]
    for name in (
        "DATABASE_URL",
        "CHANNEL_LAYER_URL",
        "CELERY_BROKER_URL",
        "CACHE_URL",
        "MEDIA_DIR",
    ):
        assert f"ACCESSPORTAL_{name}" not in env


def test_on_postgresql_the_processes_get_a_test_database_on_the_same_server():
    url = "postgres://portal:secret@db.example.com:5432/accessportal"
    assert (
        throwaway_database_url(url, "test_accessportal_processes_1")
        == "postgres://portal:secret@db.example.com:5432/test_accessportal_processes_1"
    )


@pytest.mark.skipif(
    not os.environ.get("ACCESSPORTAL_DATABASE_URL", "").startswith("postgres"),
    reason="runs in the PostgreSQL pass of scripts/test, where the servers are installed",
)
def test_the_test_command_gets_its_urls_while_the_servers_it_started_keep_running():
    """scripts/test reads scripts/test-services' URLs through a pipe: a Redis it starts as a
    daemon must not hold that pipe, or the test command waits for ever (a CI run did)."""
    port = free_port()
    env = {**os.environ, "ACCESSPORTAL_TEST_REDIS_PORT": str(port)}
    try:
        answer = subprocess.run(
            [str(ROOT / "scripts" / "test-services")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert answer.returncode == 0, answer.stderr
        assert answer.stdout.splitlines() == [
            line for line in answer.stdout.splitlines() if line.startswith("TEST_")
        ]
        assert f"TEST_REDIS_URL=redis://127.0.0.1:{port}" in answer.stdout.splitlines()
        ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True)
        assert ping.stdout.strip() == b"PONG"
    finally:
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


def test_the_data_folder_and_what_the_product_writes_there_are_its_users_only(tmp_path):
    """GIVEN an older install whose data folder and database anyone on the machine could read
    WHEN any process of the product starts (here: migrate, then a photo stored by the shell)
    THEN the folder is 0700, the database and every file written 0600."""
    from tests.processes import manage

    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "db.sqlite3").touch()
    (data / "db.sqlite3").chmod(0o644)
    env = process_env(data)
    manage(env, "migrate", "--noinput", "-v0")
    manage(
        env,
        "shell",
        "-v0",
        "-c",
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage\n"
        "default_storage.save('reports/x.csv', ContentFile(b'a,b'))",
    )
    assert data.stat().st_mode & 0o777 == 0o700
    written = list(data.rglob("*"))
    assert any(p.name == "x.csv" for p in written) and any(p.name == "secret_key" for p in written)
    loose = [str(p) for p in written if p.stat().st_mode & 0o077]
    assert loose == []
