"""The kiosk tablets at the gates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kiosk(models.Model):
    """A tablet at a gate. It pairs once through a one-time link and then holds its own
    credential (a cookie) and its own device key (made in its browser, never leaving it); only
    hashes of the link token and of the credential, and the device key's public half, are
    stored (``recognition.kiosks.device_keys``)."""

    name = models.CharField(max_length=120, verbose_name=_("name"))
    gate = models.ForeignKey(
        "gates.Gate",
        on_delete=models.SET_NULL,
        null=True,
        related_name="kiosks",
        help_text=_("The gate this kiosk decides for. A kiosk without a gate shows an error."),
        verbose_name=_("gate"),
    )
    pairing_token_hash = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("pairing token hash")
    )
    pairing_expires_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("pairing expires at")
    )
    credential_hash = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("credential hash")
    )
    device_key = models.CharField(
        max_length=256,
        blank=True,
        editable=False,
        help_text=_("The public half of the key the paired tablet proves on every connection."),
        verbose_name=_("device key"),
    )
    paired_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("paired at")
    )
    credential_misused_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When this kiosk's credential last came from a device that could not prove "
            "the device key: the cookie was copied. Cleared by pairing again."
        ),
        verbose_name=_("credential misused at"),
    )
    revoked_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("revoked at")
    )
    last_seen_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last seen at")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["pairing_token_hash"]),
            models.Index(fields=["credential_hash"]),
        ]
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")

    def __str__(self) -> str:
        return self.name
