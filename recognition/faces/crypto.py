"""Encryption of biometric data at rest (Fernet: AES-128-CBC with HMAC-SHA256)."""

from __future__ import annotations

from functools import cache

import numpy as np
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in settings.BIOMETRIC_KEYS])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "ACCESSPORTAL_BIOMETRIC_KEYS must be Fernet keys (32 url-safe base64 bytes each); "
            "make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        ) from exc


def biometric_keys_check() -> None:
    """Raise ImproperlyConfigured unless the biometric keys can be used."""
    _fernet()


def biometric_encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def biometric_decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Stored biometric data cannot be decrypted with ACCESSPORTAL_BIOMETRIC_KEYS: "
            "was the key changed without keeping the old one in the list?"
        ) from exc


def embedding_encrypt(vector: np.ndarray) -> bytes:
    return biometric_encrypt(np.asarray(vector, dtype="<f4").tobytes())


def embedding_decrypt(token: bytes) -> np.ndarray:
    return np.frombuffer(biometric_decrypt(token), dtype="<f4")
