"""Security alerts: an operator account locked after wrong passwords, a kiosk credential used
from a device that cannot prove its key, a duress PIN, and the doors' and kiosks' alerts
(``recognition.kiosks.alerts``: a door that did not open, repeated denials, a kiosk offline).
Each is logged at once (logger ``accessportal.security``) and, where the settings name them,
e-mailed to ``SECURITY_ALERT_EMAILS`` and POSTed as JSON to ``SECURITY_ALERT_WEBHOOK_URL`` by
a Celery worker (tried again with back-off while the mail server or the receiver is away). The
same alert is raised once per ``SECURITY_ALERT_REPEAT_SECONDS``: a guesser hammering a locked
account does not flood the inbox.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone

from accessportal.webhooks import json_post

logger = logging.getLogger("accessportal.security")


def security_alert(
    kind: str, text: str, *, key: str, repeat_seconds: int | None = None, **details: Any
) -> bool:
    """Raise an alert of ``kind`` (one per ``key`` within ``repeat_seconds``, by default
    ``SECURITY_ALERT_REPEAT_SECONDS``); whether it was raised rather than a repeat."""
    repeat = repeat_seconds or settings.SECURITY_ALERT_REPEAT_SECONDS
    if not cache.add(f"security-alert:{kind}:{key}", 1, repeat):
        return False
    logger.warning("Security alert (%s): %s", kind, text)
    alert = {"kind": kind, "text": text, "at": timezone.now().isoformat(), "details": details}
    try:
        if settings.SECURITY_ALERT_EMAILS:
            security_alert_email.delay(alert)
        if settings.SECURITY_ALERT_WEBHOOK_URL:
            security_alert_post.delay(alert)
    except Exception as error:  # the broker is away: the log line above still says it
        logger.error("Security alert (%s) not queued for sending: %s", kind, error)
    return True


@shared_task(
    name="accessportal.security_alert_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
)
def security_alert_email(alert: dict[str, Any]) -> None:
    details = "\n".join(f"{name}: {value}" for name, value in alert["details"].items())
    send_mail(
        subject=f"[AccessPortal] {alert['text']}",
        message=f"{alert['text']}\n\nWhen: {alert['at']}\nKind: {alert['kind']}\n{details}\n",
        from_email=None,
        recipient_list=settings.SECURITY_ALERT_EMAILS,
    )


@shared_task(
    name="accessportal.security_alert_post",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
)
def security_alert_post(alert: dict[str, Any]) -> None:
    url = settings.SECURITY_ALERT_WEBHOOK_URL
    if url:  # (unset since the alert was queued: nothing to do)
        json_post(url, json.dumps(alert).encode())


def sign_in_locked(sender: object, *, username: str, ip_address: str, **kwargs: Any) -> None:
    """django-axes locked an account from an address."""
    security_alert(
        "sign_in_locked",
        f"Sign-in of {username!r} from {ip_address} locked after "
        f"{settings.AXES_FAILURE_LIMIT} failed attempts",
        key=f"{username}@{ip_address}",
        account=username,
        address=ip_address,
    )


def security_alert_receivers_connect() -> None:
    """Called once the apps are ready (``accessportal.apps``)."""
    from axes.signals import user_locked_out

    user_locked_out.connect(sign_in_locked, dispatch_uid="accessportal.sign_in_locked")
