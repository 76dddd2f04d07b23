"""A kiosk's device key: the proof that a connection comes from the tablet that was paired.

When a tablet opens its pairing link, its browser makes an ECDSA P-256 key pair (WebCrypto,
the private half not extractable, kept in the browser's IndexedDB) and sends the public half
with the pairing form. On every connection the server sends a fresh random challenge; the
tablet signs it, and the server checks the signature against the stored public key before it
takes a single frame. A copied credential cookie alone therefore opens nothing: whoever holds
it cannot sign.

The signature is WebCrypto's: the raw ``r || s`` (IEEE P1363), 64 bytes, over
``PROOF_CONTEXT + challenge`` (UTF-8), hashed with SHA-256.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

PROOF_CONTEXT = "accessportal kiosk proof\n"
CHALLENGE_BYTES = 32
SIGNATURE_BYTES = 64  # r and s, 32 bytes each
MAX_KEY_CHARACTERS = 256  # a P-256 SubjectPublicKeyInfo is 91 bytes, 124 in base64


class DeviceKeyError(ValueError):
    """What was sent as a device's public key is not one."""


def device_key_parse(text: str) -> str:
    """The public key sent at pairing (base64 of its SubjectPublicKeyInfo), checked to be a
    P-256 key; returned in the same form for storing. Raises DeviceKeyError."""
    if not text or len(text) > MAX_KEY_CHARACTERS:
        raise DeviceKeyError("No device key was sent.")
    try:
        key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error, TypeError) as error:
        raise DeviceKeyError("The device key is not a public key.") from error
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise DeviceKeyError("The device key must be an ECDSA P-256 key.")
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def challenge_new() -> str:
    """A fresh challenge for one connection."""
    return secrets.token_urlsafe(CHALLENGE_BYTES)


def proof_message(challenge: str) -> bytes:
    return (PROOF_CONTEXT + challenge).encode()


def proof_valid(*, device_key: str, challenge: str, signature: object) -> bool:
    """Whether ``signature`` (base64 of WebCrypto's raw ``r || s``) signs ``challenge`` with
    the private half of ``device_key``. Anything malformed is simply not a valid proof."""
    if not device_key or not isinstance(signature, str) or len(signature) > 2 * SIGNATURE_BYTES:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
        key = serialization.load_der_public_key(base64.b64decode(device_key))
    except (ValueError, binascii.Error):
        return False
    if len(raw) != SIGNATURE_BYTES or not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    half = SIGNATURE_BYTES // 2
    der = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    try:
        key.verify(der, proof_message(challenge), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
