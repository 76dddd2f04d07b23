"""Filters for the logging configuration (settings.LOGGING). Imported while Django sets up
logging, before the apps are loaded: nothing from the apps here."""

from __future__ import annotations

import logging


class ReadinessAnswers(logging.Filter):
    """Django logs every 5xx answer as an error. A 503 from /healthz is an answer (not ready
    yet, or a dependency away), asked for every few seconds by the load balancer: the
    readiness checks log why, once each, at warning level."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return not (
            getattr(record, "status_code", None) == 503
            and getattr(request, "path", None) == "/healthz"
        )


class OrdinaryRefusals(logging.Filter):
    """A 403 or 404 is an answer, not a fault: Django logs it with the exception's whole
    traceback (about 30 lines a request, for any anonymous caller to multiply). Keep the one
    line that says what was refused; drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (403, 404):
            record.exc_info = None
            record.exc_text = None
        return True
