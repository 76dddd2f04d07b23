"""The kiosk tablets at the gates."""

from __future__ import annotations

from django.db import models


class Kiosk(models.Model):
    """A tablet at a gate. It pairs once through a one-time link and then holds its own
    credential (a cookie); only hashes of the link token and of the credential are stored."""

    name = models.CharField(max_length=120)
    gate = models.ForeignKey(
        "gates.Gate",
        on_delete=models.SET_NULL,
        null=True,
        related_name="kiosks",
        help_text="The gate this kiosk decides for. A kiosk without a gate shows an error.",
    )
    pairing_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    pairing_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    credential_hash = models.CharField(max_length=64, blank=True, editable=False)
    paired_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["pairing_token_hash"]),
            models.Index(fields=["credential_hash"]),
        ]

    def __str__(self) -> str:
        return self.name
