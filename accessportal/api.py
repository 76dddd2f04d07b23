"""Pieces every app's API shares: role permissions, pagination, model validation, errors."""

from __future__ import annotations

import copy
from typing import Any

from auditlog.middleware import AuditlogMiddleware
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django_filters import fields as filter_fields
from django_filters import rest_framework as django_filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.models import AuthToken
from rest_framework import exceptions, pagination, permissions, serializers, throttling
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accessportal.api_tokens import ApiTokenAuthentication, TokenScope, api_token_scope


class RoleModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, with reading guarded too.

    DRF's default lets any signed-in user read; here reading needs ``view_<model>``, so the
    security desk sees people but not rules, exactly as the roles say.
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request: Any, view: Any) -> bool:
        return token_scope_allows(request) and super().has_permission(request, view)


def token_scope_allows(request: Any) -> bool:
    """A read-only API token reads and nothing else, whatever its account's role may do."""
    if isinstance(request.auth, AuthToken) and request.method not in permissions.SAFE_METHODS:
        return api_token_scope(request.auth) == TokenScope.WRITE
    return True


class TokenRequestThrottle(throttling.SimpleRateThrottle):
    """Token requests per client address (``ACCESSPORTAL_API_TOKEN_RATE``), signed in or not,
    so that passwords cannot be guessed through the API at speed."""

    scope = "token"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class StandardPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ModelValidationMixin:
    # Runs the model's own clean() and constraint checks on API input. DRF calls neither, so
    # without this a bad combination would reach the database and come back as a 500, not a
    # 400. (A comment, not a docstring: the schema generator would show it on every model.)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)  # type: ignore[misc]
        model = self.Meta.model  # type: ignore[attr-defined]
        instance = getattr(self, "instance", None)
        candidate = copy.copy(instance) if instance is not None else model()
        for name, value in attrs.items():
            field = model._meta.get_field(name)
            if field.concrete and not field.many_to_many:
                setattr(candidate, name, value)
        try:
            candidate.clean()
            candidate.validate_constraints()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_error_detail(exc)) from exc
        return attrs


def _error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Django's errors in DRF's shape: model-wide errors go under ``non_field_errors``."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
        for field, messages in exc.message_dict.items()
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django validation and integrity errors as 400s rather than 500s."""
    if isinstance(exc, DjangoValidationError):
        return Response(_error_detail(exc), status=400)
    if isinstance(exc, IntegrityError):
        return Response(
            {"non_field_errors": ["This change conflicts with existing data."]}, status=400
        )
    # Imported here: rest_framework.views reads these settings at import time.
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


def permission_required(perm: str) -> type[permissions.BasePermission]:
    """A DRF permission class for one Django permission, for command-style endpoints."""

    class _HasPermission(permissions.BasePermission):
        def has_permission(self, request: Any, view: Any) -> bool:
            return token_scope_allows(request) and bool(
                request.user and request.user.has_perm(perm)
            )

    _HasPermission.__name__ = f"Has_{perm.replace('.', '_')}"
    return _HasPermission


_DB_INTEGER = (-(2**63), 2**63 - 1)


class _BoundedIdsField(filter_fields.ModelMultipleChoiceField):
    """Rejects ids no database column can hold before they reach an ``__in`` lookup.

    Django guards single-value lookups against out-of-range integers but not ``__in``,
    where SQLite raises OverflowError (a 500) and PostgreSQL a DataError.
    """

    def _check_values(self, value: Any) -> Any:
        for item in value:
            try:
                number = int(item)
            except (TypeError, ValueError):
                continue  # the parent reports it as an invalid choice
            if not _DB_INTEGER[0] <= number <= _DB_INTEGER[1]:
                raise DjangoValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)


class _BoundedModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = _BoundedIdsField


class FilterSet(django_filters.FilterSet):
    """The base of every filterset: many-to-many filters refuse out-of-range ids."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.ManyToManyField: {
            "filter_class": _BoundedModelMultipleChoiceFilter,
            "extra": lambda f: {"queryset": f.remote_field.model._default_manager.all()},
        },
    }


class FilterBackend(django_filters.DjangoFilterBackend):
    filterset_base = FilterSet


_ERROR_RESPONSES = {
    "400": "Invalid input: a list of messages per field name, or under non_field_errors.",
    "401": "Not signed in: send a session cookie or 'Authorization: Token <key>'.",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object (or page).",
    "429": "Too many requests; retry after the number of seconds in Retry-After.",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema names our token check (drf-spectacular knows only knox's own class)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
        scheme["description"] = (
            "A token from POST /api/auth/token/ (scope read or write), sent as "
            "'Authorization: Token <token>'. It expires, and dies with a password change."
        )
        return scheme


def document_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: every operation documents the errors it can answer with."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "additionalProperties": True,
        "description": "Either {'detail': message} or {field: [messages]}.",
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, text in _ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": text, "content": error})
    return result


class AuditActorMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, which also knows the user of an API token: DRF
    authenticates tokens inside the view, after the middleware has looked at request.user."""

    @staticmethod
    def _get_actor(request: Any) -> Any:
        actor = AuditlogMiddleware._get_actor(request)
        if actor is None and request.headers.get("Authorization", "").startswith("Token "):
            try:
                found = ApiTokenAuthentication().authenticate(request)
            except exceptions.AuthenticationFailed:
                return None  # the view refuses the request itself
            actor = found[0] if found else None
        return actor
