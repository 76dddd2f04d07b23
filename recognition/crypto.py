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


def embedding_encrypt(vector: np.ndarray) -> bytes:
    return _fernet().encrypt(np.asarray(vector, dtype="<f4").tobytes())


def embedding_decrypt(token: bytes) -> np.ndarray:
    try:
        return np.frombuffer(_fernet().decrypt(bytes(token)), dtype="<f4")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored embedding cannot be decrypted with ACCESSPORTAL_BIOMETRIC_KEYS: "
            "was the key changed without keeping the old one in the list?"
        ) from exc
