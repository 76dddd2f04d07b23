"""Permissions-Policy: which browser features a page may use.

Every response gets ``PERMISSIONS_POLICY_DEFAULT`` (the camera off, among others) unless its
view set its own: the kiosk page and enrolment from the camera allow the camera for this
origin only (``PERMISSIONS_POLICY_CAMERA``). Content-Security-Policy comes from django-csp
(settings).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Permissions-Policy"
PERMISSIONS_POLICY_CAMERA = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(HEADER, settings.PERMISSIONS_POLICY_DEFAULT)
        return response
