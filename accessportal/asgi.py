"""ASGI entry point: Daphne serves HTTP (Django) and WebSockets (Channels) from here."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accessportal.settings")
# Django must be set up before anything imports models (the WebSocket routes do).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from accessportal.request_limits import RequestBodyLimit  # noqa: E402
from accessportal.routing import websocket_urlpatterns  # noqa: E402
from accessportal.socket_guards import socket_guards  # noqa: E402
from recognition.kiosks.analyzers import get_analyzer  # noqa: E402

if settings.KIOSK_WARM_AT_START:
    get_analyzer()  # its engines load in the background; /healthz is ready once they are

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app, settings.REQUEST_MAX_BYTES),
        "websocket": socket_guards(URLRouter(websocket_urlpatterns)),
    }
)
