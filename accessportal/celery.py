"""The Celery application. Broker and options come from settings (``CELERY_*``)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accessportal.settings")

app = Celery("accessportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect  # once the configuration is loaded: reading it earlier recurses
def _make_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    # kombu's filesystem transport expects its folders to exist; the web process and the
    # worker may start in either order, so whichever configures first creates them.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.task(name="accessportal.ping")
def ping(token: str = "") -> str:
    """A no-op that proves a worker consumes from the broker; it logs the token it got."""
    import logging

    logging.getLogger("accessportal.celery").info("pong %s", token)
    return token
