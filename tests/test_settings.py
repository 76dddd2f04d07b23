"""Settings come from ACCESSPORTAL_* variables; bad values fail loudly and say what to set."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from accessportal import env

pytestmark = pytest.mark.one_backend


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("0", False), ("Yes", True), ("", False)]
)
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("ACCESSPORTAL_FLAG", raw)
    assert env.env_bool("FLAG", False) is expected


def test_bad_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("ACCESSPORTAL_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="ACCESSPORTAL_DEBUG='maybe' is not a boolean"):
        env.env_bool("DEBUG", False)


def test_integers_and_minimums(monkeypatch):
    monkeypatch.setenv("ACCESSPORTAL_N", "12")
    assert env.env_int("N", 1) == 12
    monkeypatch.setenv("ACCESSPORTAL_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env.env_int("N", 1)
    monkeypatch.setenv("ACCESSPORTAL_N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env.env_int("N", 1, minimum=0)


def test_secret_from_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("ACCESSPORTAL_SECRET_KEY", raising=False)
    monkeypatch.setenv("ACCESSPORTAL_SECRET_KEY_FILE", str(secret))
    assert env.env_optional_str("SECRET_KEY") == "s3cret"
    monkeypatch.setenv("ACCESSPORTAL_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env.env_optional_str("SECRET_KEY")


def test_choices_and_lists(monkeypatch):
    monkeypatch.setenv("ACCESSPORTAL_LOG_LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="not one of"):
        env.env_choice("LOG_LEVEL", "INFO", ("INFO", "DEBUG"))
    monkeypatch.setenv("ACCESSPORTAL_HOSTS", "a.example, b.example,")
    assert env.env_list("HOSTS", []) == ["a.example", "b.example"]


def test_floats_with_bounds(monkeypatch):
    monkeypatch.setenv("ACCESSPORTAL_SCORE", "0.8")
    assert env.env_float("SCORE", 0.9, maximum=1.0) == 0.8
    monkeypatch.setenv("ACCESSPORTAL_SCORE", "1.5")
    with pytest.raises(ImproperlyConfigured, match=r"between 0\.0 and 1\.0"):
        env.env_float("SCORE", 0.9, maximum=1.0)
    monkeypatch.setenv("ACCESSPORTAL_SCORE", "high")
    with pytest.raises(ImproperlyConfigured, match="not a number"):
        env.env_float("SCORE", 0.9)


FACE_MATCHING = "s.FACE_MODEL, s.FACE_DISTANCE_METRIC, s.FACE_MATCH_THRESHOLD, s.FACE_MATCH_MARGIN"


def settings_in_a_new_process(tmp_path, shown=FACE_MATCHING, **variables) -> tuple[int, str]:
    """Import the settings module (``s``) in a fresh interpreter with these ACCESSPORTAL_
    variables; what it prints of ``shown``, or its last error line."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSPORTAL_")}
    env.update({f"ACCESSPORTAL_{k}": v for k, v in variables.items()})
    env["ACCESSPORTAL_DATA_DIR"] = str(tmp_path)
    code = f"import accessportal.settings as s; print({shown})"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def test_each_model_brings_its_own_metric_and_calibrated_threshold(tmp_path):
    assert settings_in_a_new_process(tmp_path) == (0, "SFace cosine 0.5 0.03")
    assert settings_in_a_new_process(tmp_path, FACE_MODEL="Dlib") == (0, "Dlib euclidean 0.4 0.05")


def test_a_metric_without_a_threshold_for_the_model_must_be_given_one(tmp_path):
    code, message = settings_in_a_new_process(
        tmp_path, FACE_MODEL="Dlib", FACE_DISTANCE_METRIC="cosine"
    )
    assert code != 0 and "Dlib has no cosine threshold" in message
    given = settings_in_a_new_process(
        tmp_path,
        FACE_MODEL="Dlib",
        FACE_DISTANCE_METRIC="cosine",
        FACE_MATCH_THRESHOLD="0.05",
        FACE_MATCH_MARGIN="0.01",
    )
    assert given == (0, "Dlib cosine 0.05 0.01")


def manage_check_in_a_new_process(tmp_path, **variables) -> tuple[int, str]:
    """``manage.py check`` in a fresh interpreter with these ACCESSPORTAL_ variables."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCESSPORTAL_")}
    env.update({f"ACCESSPORTAL_{k}": v for k, v in variables.items()})
    env["ACCESSPORTAL_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_an_analyser_that_cannot_be_imported_stops_the_start_up_check(tmp_path):
    code, output = manage_check_in_a_new_process(
        tmp_path, KIOSK_FRAME_ANALYZER="recognition.kiosks.analyzers.Missing"
    )
    assert code != 0
    assert "ACCESSPORTAL_KIOSK_FRAME_ANALYZER='recognition.kiosks.analyzers.Missing'" in output


def test_the_analysers_former_dotted_path_keeps_working(tmp_path):
    code, output = manage_check_in_a_new_process(
        tmp_path, KIOSK_FRAME_ANALYZER="recognition.analyzers.ProcessPoolAnalyzer"
    )
    assert code == 0, output


def test_analysis_workers_need_a_shared_channel_layer_and_cache(tmp_path):
    analyser = "recognition.kiosks.analysis_service.ChannelLayerAnalyzer"
    code, output = manage_check_in_a_new_process(tmp_path, KIOSK_FRAME_ANALYZER=analyser)
    assert code != 0
    assert "accessportal.E003" in output and "accessportal.E004" in output
    code, output = manage_check_in_a_new_process(
        tmp_path,
        KIOSK_FRAME_ANALYZER=analyser,
        CHANNEL_LAYER_URL="redis://127.0.0.1:1/0",  # checked for its kind, not reached
        CACHE_URL="redis://127.0.0.1:1/2",
    )
    assert code == 0, output


def test_biometric_keys_that_are_not_fernet_keys_stop_the_start_up_check(tmp_path):
    code, output = manage_check_in_a_new_process(tmp_path, BIOMETRIC_KEYS="not-a-key")
    assert code != 0 and "ACCESSPORTAL_BIOMETRIC_KEYS must be Fernet keys" in output


def test_a_cache_that_is_neither_local_nor_redis_is_refused(tmp_path):
    code, output = manage_check_in_a_new_process(tmp_path, CACHE_URL="memcached://cache:11211")
    assert code != 0 and "ACCESSPORTAL_CACHE_URL='memcached://cache:11211'" in output


def test_with_redis_a_status_page_stays_in_its_group_for_days(tmp_path):
    code, shown = settings_in_a_new_process(
        tmp_path,
        shown="s.CHANNEL_LAYERS['default']['CONFIG']['group_expiry']",
        CHANNEL_LAYER_URL="redis://127.0.0.1:6379/0",
    )
    assert (code, shown) == (0, str(7 * 86400))
