"""The API token endpoints: ask for one (``/api/auth/token/``), revoke one or all
(``/api/auth/token/revoke/``). Tokens themselves: ``accessportal.api_tokens``."""

from __future__ import annotations

from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils import timezone
from django_otp import match_token
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from two_factor.utils import default_device

from accessportal.api_tokens import ApiTokenAuthentication, TokenScope, api_token_create
from accessportal.second_factor import second_factor_required


def second_factor_check(user, code: str | None, *, request: HttpRequest) -> None:
    """An account with a second factor gives its code; one whose role needs one and has none
    sets it up in the browser first. A wrong code counts as a failed sign-in (django-axes)."""
    if default_device(user) is not None:
        if not code or match_token(user, code.strip()) is None:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=request,
            )
            raise exceptions.AuthenticationFailed("A valid otp_token is needed for this account.")
    elif second_factor_required(user):
        raise exceptions.PermissionDenied(
            "This account's role requires a second factor: set one up in the browser first "
            "(/account/two_factor/setup/)."
        )


class ApiTokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})
    scope = serializers.ChoiceField(
        choices=[s.value for s in TokenScope], default=TokenScope.WRITE.value
    )
    otp_token = serializers.CharField(
        required=False,
        help_text="The code of the account's authenticator app (or a backup code): needed "
        "for accounts with a second factor.",
    )


class ApiTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as 'Authorization: Token <token>'.")
    scope = serializers.ChoiceField(choices=[s.value for s in TokenScope])
    expiry = serializers.DateTimeField()


class ApiTokenView(APIView):
    """``POST /api/auth/token/``: username, password, ``otp_token`` (the authenticator app's
    code or a backup code, for an account with a second factor) and optionally ``scope``
    (``read`` or ``write``, the default) give a new token, shown once, with its scope and
    expiry. Goes through django-axes (lockout) and the per-address throttle like any sign-in."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=ApiTokenRequestSerializer, responses=ApiTokenSerializer)
    def post(self, request: Request) -> Response:
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        user = credentials.validated_data["user"]
        asked = ApiTokenRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        second_factor_check(user, asked.validated_data.get("otp_token"), request=request._request)
        live = AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).count()
        if live >= knox_settings.TOKEN_LIMIT_PER_USER:
            raise exceptions.PermissionDenied(
                f"This account already has {live} live tokens: revoke one first "
                "(POST /api/auth/token/revoke/ with it)."
            )
        scope = TokenScope(asked.validated_data["scope"])
        row, token = api_token_create(user, scope)
        answer = {"token": token, "scope": scope, "expiry": row.expiry}
        return Response(ApiTokenSerializer(answer).data)


class ApiTokenRevokeView(APIView):
    """``POST /api/auth/token/revoke/`` with a token: that token stops working now.
    ``?all=true``: every token of its account."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if request.query_params.get("all") == "true":
            AuthToken.objects.filter(user=request.user).delete()
        else:
            request.auth.delete()
        return Response(status=204)
