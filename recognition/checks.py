"""Start-up checks: settings that name code or keys fail when the server starts, with the
variable to fix, not on the first frame or the first photo."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@register()
def dotted_paths_import(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The frame analyser and every door output can be imported."""
    named = {"ACCESSPORTAL_KIOSK_FRAME_ANALYZER": settings.KIOSK_FRAME_ANALYZER}
    named |= {f"DOOR_OUTPUTS[{kind!r}]": path for kind, path in settings.DOOR_OUTPUTS.items()}
    errors: list[CheckMessage] = []
    for name, path in named.items():
        try:
            import_string(path)
        except ImportError as error:
            errors.append(
                Error(
                    f"{name}={path!r} cannot be imported: {error}",
                    hint="Name a class by its dotted path, e.g. "
                    "recognition.kiosks.analyzers.EmbeddedAnalyzer.",
                    id="accessportal.E001",
                )
            )
    return errors


@register()
def biometric_keys_load(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The keys for personal data at rest are Fernet keys (face photos, embeddings, snapshots,
    display photos and report files need them), and the access log's signing key is Ed25519."""
    from accessportal.data_at_rest import keys_check
    from recognition.access_log.anchors import anchor_key_check

    errors: list[CheckMessage] = []
    for check in (keys_check, anchor_key_check):
        try:
            check()
        except ImproperlyConfigured as error:
            errors.append(Error(str(error), id="accessportal.E002"))
    return errors


@register()
def analysis_service_shared(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Analysis workers are other processes: they need a channel layer and a cache that
    every process shares."""
    if not settings.KIOSK_FRAME_ANALYZER.endswith(".analysis_service.ChannelLayerAnalyzer"):
        return []
    errors: list[CheckMessage] = []
    if settings.CHANNEL_LAYER_URL == "memory://":
        errors.append(
            Error(
                "The analysis workers cannot reach an in-memory channel layer.",
                hint="Set ACCESSPORTAL_CHANNEL_LAYER_URL to a redis:// URL.",
                id="accessportal.E003",
            )
        )
    if settings.CACHE_URL == "locmem://":
        errors.append(
            Error(
                "Web processes cannot see that analysis workers are alive in a per-process cache.",
                hint="Set ACCESSPORTAL_CACHE_URL to a redis:// URL.",
                id="accessportal.E004",
            )
        )
    return errors
