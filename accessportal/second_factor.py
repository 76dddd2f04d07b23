"""Operators' second factor: who must have one, and the gate that holds them until they do.

Sign-in is django-two-factor-auth's (``/account/login/``): the password, then a code from an
authenticator app (TOTP, django-otp) or one of the one-time backup codes. An operator in a role
of ``SECOND_FACTOR_ROLES`` who has no second factor yet is sent to set one up before any other
page; a session signed in without one (made before the role asked for it) is sent to sign in
again. The API's token endpoint asks for the code too (``accessportal.api_token_views``), and
the status page's socket closes for a session that lacks it (``recognition.status.consumer``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp_webauthn.models import WebAuthnCredential
from two_factor.utils import default_device
from two_factor.views import DisableView, ProfileView

SUPERUSERS = "superusers"  # in SECOND_FACTOR_ROLES: superusers, whatever their groups

# Paths an operator without a second factor may still reach: setting one up and signing out,
# and what is not an operator's page at all (static files, health checks, the kiosk).
PASSKEY_REGISTRATION = "/account/passkeys/registration/"
# The setup pages' own requests stay open: the scripts' words (/jsi18n/, loaded by every admin
# page) and the language button. Sending them to the setup page instead would start the setup
# again, with a new secret, behind the operator's back.
OPEN_PATHS = (
    "/account/",
    "/admin/logout/",
    "/static/",
    "/healthz",
    "/kiosk/",
    "/favicon",
    "/jsi18n/",
    "/i18n/",
)


def second_factor_required(user: Any) -> bool:
    """Whether the user's role asks for a second factor (``SECOND_FACTOR_ROLES``)."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = set(settings.SECOND_FACTOR_ROLES)
    if user.is_superuser and SUPERUSERS in roles:
        return True
    return user.groups.filter(name__in=roles).exists()


def session_verified(session: Mapping[str, Any], user: Any) -> bool:
    """Whether a session (a request's or a socket's) passed the user's second factor: the
    device it was verified with still exists and is theirs."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id, for_verify=False)
    return device is not None and device.user_id == user.pk and device.confirmed


def second_factor_missing(session: Mapping[str, Any], user: Any) -> bool:
    """A signed-in session that its user's role says must have passed a second factor and
    has not."""
    return second_factor_required(user) and not session_verified(session, user)


class SecondFactorRequiredMiddleware:
    """After django-otp's middleware: an operator whose role needs a second factor and whose
    session has not passed one reaches only the pages to set one up (or sign out). API calls
    signed in by session get a 403 saying so; API tokens are checked when they are made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.path.startswith(PASSKEY_REGISTRATION) and not (
            user.is_authenticated and user.is_verified()  # type: ignore[attr-defined]
        ):
            # A passkey is added from a session that passed the second factor, never to get one.
            return JsonResponse(
                {"detail": "Sign in with your second factor before adding a passkey."},
                status=403,
            )
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PATHS)
            and not user.is_verified()  # type: ignore[attr-defined]  # django-otp adds it
            and second_factor_required(user)
        ):
            return self._held(request)
        return self.get_response(request)

    def _held(self, request: HttpRequest) -> HttpResponse:
        has_device = default_device(request.user) is not None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": "This account must sign in with a second factor: "
                    + (
                        "sign in again in the browser."
                        if has_device
                        else "set one up in the browser first (/account/two_factor/setup/)."
                    )
                },
                status=403,
            )
        if has_device:  # signed in without it (before the role asked for one): sign in again
            logout(request)
            return redirect(f"{reverse('two_factor:login')}?next={request.get_full_path()}")
        return redirect("two_factor:setup")


class AccountSecurityView(ProfileView):
    """django-two-factor-auth's account page, told whether the operator's role requires the
    second factor (then it cannot be switched off)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["second_factor_required"] = second_factor_required(self.request.user)
        count = WebAuthnCredential.objects.filter(user=self.request.user).count()
        context["passkeys"] = f"{count} passkey{'' if count == 1 else 's'}"
        return context


class SecondFactorDisableView(DisableView):
    """Switching the second factor off, refused where the operator's role requires one."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if second_factor_required(request.user):
            return render(
                request,
                "two_factor/profile/disable_refused.html",
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)
