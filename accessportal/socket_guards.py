"""Who may open a WebSocket here, checked before any consumer runs.

Django checks the Host header of HTTP requests against ALLOWED_HOSTS; nothing does for
sockets. Channels' own origin check compares host names only, so a page on another port or
scheme of an allowed host passed. Here the Host header must be an allowed host, and the
Origin must be one of ``WEBSOCKET_ALLOWED_ORIGINS`` exactly: scheme, host and port.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host


class AllowedHostValidator:
    """Refuses a socket whose Host header names no allowed host (as Django does for HTTP)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        host = next(
            (value.decode("latin1") for name, value in scope.get("headers", []) if name == b"host"),
            "",
        )
        domain, _ = split_domain_port(host)
        if domain and validate_host(domain, settings.ALLOWED_HOSTS):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def socket_guards(application: Any) -> Any:
    return AllowedHostValidator(OriginValidator(application, settings.WEBSOCKET_ALLOWED_ORIGINS))


class IntegerCloseCodes:
    """For a consumer: close codes go out as plain ``int``. Daphne's WebSocket library
    refuses anything else, an ``IntEnum`` such as our close-code tables included, and closes
    with 1011 and a traceback instead (the test communicator takes anything, so only a real
    Daphne shows it: bench/kiosk_load.py --fuzz-connections and tests/kiosks/test_kiosk_browser.py).
    """

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        plain = code if code is None or isinstance(code, bool) else int(code)
        await super().close(code=plain, reason=reason)  # type: ignore[misc]
