"""Processes the tests start never touch the database, channel layer or broker the suite was
pointed at: anyone may run the suite with a production URL in their shell."""

from tests.processes import process_env, throwaway_database_url


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
