"""API tokens: stored hashed, expiring, scoped, and revoked when their account's password
changes.

django-rest-knox keeps only a SHA-512 digest of each token (a read of the database gives no
usable token), an expiry (``ACCESSPORTAL_API_TOKEN_DAYS``) and lets a holder revoke theirs.
Two facts ride in the token's first ten characters, which knox keeps as its lookup prefix and
covers with the digest (so they cannot be altered): the scope (``r`` read only, ``w`` read
and write) and a fingerprint of the account's password hash (an HMAC with the secret key:
it says nothing about the password). A token whose fingerprint no longer matches was made
before the password changed, and is refused: the same rule Django applies to sessions.
The endpoints are in ``accessportal.api_token_views`` (this module is an authentication
class DRF's settings import, so it imports no view).
"""

from __future__ import annotations

import enum
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.crypto import constant_time_compare, salted_hmac
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions

MARKER_LENGTH = 10  # knox's longest token prefix


class TokenScope(enum.StrEnum):
    READ = "read"
    WRITE = "write"

    @property
    def letter(self) -> str:
        return self.value[0]


def _fingerprint(user: AbstractBaseUser) -> str:
    digest = salted_hmac("accessportal.api-token", user.password, algorithm="sha256")
    return digest.hexdigest()[: MARKER_LENGTH - 1]


def api_token_create(user: AbstractBaseUser, scope: TokenScope) -> tuple[AuthToken, str]:
    """A new token for ``user``: the stored row (digest only) and the token, shown once."""
    return AuthToken.objects.create(user=user, prefix=scope.letter + _fingerprint(user))


def api_token_scope(token: AuthToken) -> TokenScope | None:
    """The token's scope, or None when it is not one of ours (or its password changed)."""
    marker = token.token_key[:MARKER_LENGTH]
    scope = next((s for s in TokenScope if s.letter == marker[:1]), None)
    if scope is None or not constant_time_compare(marker[1:], _fingerprint(token.user)):
        return None
    return scope


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token check, and then the fingerprint: 401 for a token made before the
    account's password changed."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        user, auth_token = super().authenticate_credentials(token)
        if api_token_scope(auth_token) is None:
            raise exceptions.AuthenticationFailed(
                "This token was revoked: its account's password has changed since."
            )
        return user, auth_token
