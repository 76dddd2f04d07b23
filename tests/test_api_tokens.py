"""API tokens: stored as digests, expiring, scoped, revocable, and revoked when the account's
password changes (accessportal/api_tokens.py, django-rest-knox)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def ask(api, scope=None) -> dict:
    data = {"username": "manager", "password": PASSWORD}
    if scope:
        data["scope"] = scope
    response = api.post("/api/auth/token/", data)
    assert response.status_code == 200, response.content
    return response.data


def using(api, token: str):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_a_token_is_shown_once_and_only_its_digest_is_stored(api, manager):
    answer = ask(api)
    assert answer["scope"] == "write"
    expiry = dt.datetime.fromisoformat(answer["expiry"])
    assert dt.timedelta(days=29) < expiry - timezone.now() <= dt.timedelta(days=30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        rows = cursor.fetchall()
    assert len(rows) == 1 and answer["token"] not in rows[0][0] + rows[0][1]
    assert using(api, answer["token"]).get("/api/people/").status_code == 200


def test_a_password_change_revokes_every_token_of_the_account(api, manager):
    token = ask(api)["token"]
    manager.set_password("a new password for the manager")
    manager.save()
    answer = using(api, token).get("/api/people/")
    assert answer.status_code == 401 and "password has changed" in answer.data["detail"]
    assert answer["WWW-Authenticate"] == "Token"


def test_an_expired_token_opens_nothing(api, manager):
    token = ask(api)["token"]
    AuthToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert using(api, token).get("/api/people/").status_code == 401


def test_a_read_token_reads_and_changes_nothing(api, manager):
    read = ask(api, "read")["token"]
    write = ask(api, "write")["token"]
    person = {"first_name": "Grace", "last_name": "Hopper"}
    assert using(api, read).get("/api/people/").status_code == 200
    assert using(api, read).post("/api/people/", person, format="json").status_code == 403
    decide = using(api, read).post("/api/access/decide/", {}, format="json")
    assert decide.status_code == 403
    assert using(api, write).post("/api/people/", person, format="json").status_code == 201


def test_an_unknown_scope_is_refused(api, manager):
    answer = api.post(
        "/api/auth/token/", {"username": "manager", "password": PASSWORD, "scope": "admin"}
    )
    assert answer.status_code == 400 and "scope" in answer.data


def test_a_holder_revokes_their_token_or_all_of_the_account(api, manager):
    first, second, third = (ask(api)["token"] for _ in range(3))
    assert using(api, first).post("/api/auth/token/revoke/").status_code == 204
    assert using(api, first).get("/api/people/").status_code == 401
    assert using(api, second).get("/api/people/").status_code == 200
    assert using(api, second).post("/api/auth/token/revoke/?all=true").status_code == 204
    assert using(api, third).get("/api/people/").status_code == 401
    assert AuthToken.objects.count() == 0


def test_an_account_has_a_limited_number_of_live_tokens(api, manager, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    ask(api)
    ask(api)
    third = api.post("/api/auth/token/", {"username": "manager", "password": PASSWORD})
    assert third.status_code == 403 and "revoke one first" in third.data["detail"]
