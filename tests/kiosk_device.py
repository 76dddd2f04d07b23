"""A kiosk tablet's device key, as a test or bench client holds it: what the kiosk page's
WebCrypto key does in the browser (static/kiosk/device_key.js), done with ``cryptography``."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from recognition.kiosks.device_keys import proof_message


class DeviceKey:
    _shared: DeviceKey | None = None

    def __init__(self, private: ec.EllipticCurvePrivateKey | None = None) -> None:
        self._private = private or ec.generate_private_key(ec.SECP256R1())

    @property
    def pem(self) -> str:
        """The private key, to hand a key made in one process to a client in another."""
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @classmethod
    def from_pem(cls, pem: str) -> DeviceKey:
        private = serialization.load_pem_private_key(pem.encode(), password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        return cls(private)

    @classmethod
    def shared(cls) -> DeviceKey:
        """One key for tests that need any key many times over."""
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    @property
    def public(self) -> str:
        """What the pairing form sends: base64 of the SubjectPublicKeyInfo."""
        der = self._private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def sign(self, challenge: str) -> str:
        """The proof for one challenge: base64 of the raw ``r || s``, as WebCrypto signs."""
        der = self._private.sign(proof_message(challenge), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()

    def proof(self, challenge_message: dict) -> dict:
        """The kiosk's answer to the server's challenge message."""
        return {"type": "proof", "signature": self.sign(challenge_message["challenge"])}


async def websocket_greeting(socket: Any, device: DeviceKey) -> dict:
    """On a ``websockets`` connection: answer the server's challenge as the kiosk page does;
    the server's next message (hello, or why the kiosk is refused)."""
    first = json.loads(await socket.recv())
    if first.get("type") != "challenge":
        return first
    await socket.send(json.dumps(device.proof(first)))
    return json.loads(await socket.recv())
