"""The largest request body the server takes, checked before Django reads any of it.

Django's own limits (``DATA_UPLOAD_MAX_MEMORY_SIZE``) leave file parts alone, and its ASGI
handler copies the whole body before a view runs: an anonymous 50 MB POST was read whole.
Here a body whose Content-Length is over the limit is answered 413 at once, and one that
arrives without a length stops being read at the limit. (Daphne itself buffers a body in a
temporary file before the application sees it; in front of it, nginx's
``client_max_body_size`` refuses large bodies first: deploy/nginx/accessportal.conf.)
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


class RequestBodyLimit:
    """ASGI middleware: HTTP request bodies of at most ``max_bytes``, else 413."""

    def __init__(self, application: Any, max_bytes: int) -> None:
        self.application = application
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            return await self._refuse(scope, send)
        received = 0

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            return await self.application(scope, limited_receive, send)
        except BodyTooLarge:  # raised while Django read the body: nothing was answered yet
            return await self._refuse(scope, send)

    async def _refuse(self, scope: dict, send: Any) -> None:
        client = scope.get("client") or ("unknown address",)
        logger.warning(
            "Refused a %s %s from %s: its body is over %s bytes",
            scope.get("method"),
            scope.get("path"),
            client[0],
            self.max_bytes,
        )
        body = f"Request body too large: at most {self.max_bytes} bytes.\n".encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: dict) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
