"""Passkeys (WebAuthn, django-otp-webauthn): an operator adds one under "Account security" once
signed in with their second factor, and may then sign in with it alone. A passkey asks the
device for its own PIN or biometric (user verification is required for signing in with it), so
it stands for both factors; its private key never leaves the device, and it works only on this
site's domain (``PASSKEY_RP_ID``), which a look-alike phishing site cannot borrow.
"""

from __future__ import annotations

from django.conf import settings
from django_otp_webauthn.helpers import WebAuthnHelper


class PasskeyHelper(WebAuthnHelper):
    """The library's helper with the relying party and origins from our settings."""

    def get_relying_party_domain(self) -> str:
        return settings.PASSKEY_RP_ID

    def get_allowed_origins(self) -> list[str]:
        return list(settings.PASSKEY_ORIGINS)
