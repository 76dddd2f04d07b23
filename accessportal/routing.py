"""Every WebSocket route of the product, in one place. The kiosk stream joins here."""

websocket_urlpatterns: list = []
