"""Embeddings at rest: float32 vectors, encrypted like every other piece of personal data
(``accessportal.data_at_rest``)."""

from __future__ import annotations

import numpy as np

from accessportal.data_at_rest import decrypt, encrypt


def embedding_encrypt(vector: np.ndarray) -> bytes:
    return encrypt(np.asarray(vector, dtype="<f4").tobytes())


def embedding_decrypt(token: bytes) -> np.ndarray:
    return np.frombuffer(decrypt(token), dtype="<f4")
