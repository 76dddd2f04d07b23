"""Every WebSocket route of the product, in one place."""

from channels.auth import AuthMiddlewareStack
from channels.sessions import CookieMiddleware
from django.urls import path

from recognition.kiosks.consumer import KioskConsumer
from recognition.status.consumer import StatusConsumer

websocket_urlpatterns = [
    # Kiosks authenticate with their own credential cookie, never a user session.
    path("ws/kiosk/", CookieMiddleware(KioskConsumer.as_asgi())),
    # Operators' pages: the signed-in user's session.
    path("ws/status/", AuthMiddlewareStack(StatusConsumer.as_asgi())),
]
