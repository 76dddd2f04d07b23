"""Schemathesis drives every API operation with generated input: never a server error.

It runs against the real WSGI application and the test database seeded with the demo data,
signed in as a manager (who may call everything), so bodies reach validation and the database.
"""

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accessportal.wsgi import application
from gates.demo import demo_load
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


# Generating the schema reads no data, so it can load when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def connections_kept_open_between_requests():
    """As Django's test client does: a request's end must not close the database connection
    that holds the test's transaction (on PostgreSQL it would; SQLite's in-memory test
    database ignores the close)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def manager_token(manager):
    demo_load()
    client = token_client(manager)
    return client._credentials["HTTP_AUTHORIZATION"]


@schema.parametrize()
@hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_keeps_the_contract(case, manager_token):
    """No server error; status codes, content types and bodies as the schema documents."""
    case.call_and_validate(
        headers={"Authorization": manager_token},
        checks=[
            not_a_server_error,
            content_type_conformance,
            response_schema_conformance,
            status_code_conformance,
        ],
    )
