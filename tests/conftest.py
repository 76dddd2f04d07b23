import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gates import roles
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Tests render pages without running collectstatic first, so no manifest exists; a fast
    password hasher keeps the many fixture users from dominating the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # API throttle counters live there; each test starts with none
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


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
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
