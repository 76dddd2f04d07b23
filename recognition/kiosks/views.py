"""The pages a kiosk tablet opens: the one-time pairing link, then the kiosk page itself."""

import urllib.parse

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accessportal import security_headers
from gates.models import Gate
from recognition.kiosks.offline import list_public_key
from recognition.kiosks.page_texts import kiosk_page_texts
from recognition.kiosks.pairing import (
    NoDeviceKey,
    PairingError,
    Refusal,
    kiosk_check,
    kiosk_pair,
)
from recognition.kiosks.protocol import page_protocol

CREDENTIAL_MAX_AGE = 10 * 365 * 24 * 3600  # the credential lasts until it is revoked


def _error_page(request: HttpRequest, reason: str, message: str, status: int) -> HttpResponse:
    return render(
        request, "kiosk/message.html", {"reason": reason, "message": message}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_pair_page(request: HttpRequest) -> HttpResponse:
    """GET is the page the pairing link opens; its script makes the device key and POSTs it
    with the link's token, which uses the link once.

    The token travels in the link's fragment (``/kiosk/pair/#<token>``), which browsers never
    send to a server: it appears in no access log (Daphne's, a proxy's) and no Referer. And
    pairing happens on POST, from the page's script, so that a link preview or a crawler
    fetching the URL cannot use the link up.
    """
    if request.method == "GET":
        return render(request, "kiosk/pair.html")
    try:
        _, credential = kiosk_pair(
            token=request.POST.get("token", ""), device_key=request.POST.get("device_key", "")
        )
    except NoDeviceKey as error:
        return _error_page(request, "pairing_no_device_key", str(error), 400)
    except PairingError as error:
        return _error_page(request, "pairing_invalid", str(error), 404)
    response = redirect("kiosk")
    response.set_cookie(
        settings.KIOSK_COOKIE_NAME,
        credential,
        max_age=CREDENTIAL_MAX_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


@never_cache
def kiosk_page(request: HttpRequest) -> HttpResponse:
    """The kiosk itself, for a paired device; a clear screen (and no camera) for any other."""
    checked = kiosk_check(request.COOKIES.get(settings.KIOSK_COOKIE_NAME))
    if isinstance(checked, Refusal):
        return _error_page(request, checked.name.lower(), checked.message, 403)
    config = {
        "socketPath": "/ws/kiosk/",
        "fps": settings.KIOSK_FRAME_FPS,
        "maxSide": settings.KIOSK_FRAME_MAX_SIDE,
        "resultSeconds": settings.KIOSK_RESULT_SECONDS,
        "heartbeatSeconds": settings.KIOSK_HEARTBEAT_SECONDS,
        "offlineListKey": list_public_key(),
        "texts": kiosk_page_texts(checked.language),
        **page_protocol(),
    }
    with translation.override(checked.language):
        response = render(request, "kiosk/kiosk.html", {"kiosk": checked, "config": config})
    response.headers[security_headers.HEADER] = security_headers.PERMISSIONS_POLICY_CAMERA
    door_url = Gate.objects.filter(pk=checked.gate_id, offline_allow_list=True).values_list(
        "offline_door_url", flat=True
    )
    if door_url and door_url[0]:  # offline, the page talks to the door controller itself
        parts = urllib.parse.urlsplit(door_url[0])
        response._csp_update = {"connect-src": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return response
