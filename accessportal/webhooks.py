"""JSON POSTed to a URL the operator set in the settings (the audit anchors' webhook, the
security alerts' webhook). Door webhooks are a gate's own and go through ``gates.doors``
(signed, private addresses refused, no redirect followed)."""

from __future__ import annotations

import urllib.request

TIMEOUT_SECONDS = 10


def json_post(url: str, body: bytes) -> None:
    """POST ``body`` (JSON) to ``url``; raises OSError (``urllib.error.URLError`` among them)
    when the receiver is away or answers with an error."""
    request = urllib.request.Request(  # noqa: S310 (the operator's own URL, from the settings)
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310
        pass
