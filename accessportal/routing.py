"""Every WebSocket route of the product, in one place."""

from channels.sessions import CookieMiddleware
from django.urls import path

from recognition.consumers import KioskConsumer

websocket_urlpatterns = [
    path("ws/kiosk/", CookieMiddleware(KioskConsumer.as_asgi())),
]
