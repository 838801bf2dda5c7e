"""Data keys wrapped to a recipient's X25519 key (HKDF-SHA256, AES-256-GCM), their contexts, and
the 2-of-3 Shamir split of a key into custodian shares."""

from __future__ import annotations

import os

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bidhall.crypto.keys import b64, unb64
from bidhall.envelope.format import FORMAT, EnvelopeRefused
from bidhall.errors import InvalidInput


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


# --- key wrapping (X25519 + HKDF-SHA256 + AES-256-GCM) -----------------------------------------


def wrap_key(key: bytes, recipient: x509.Certificate, context: str) -> dict:
    """Lock ``key`` to the X25519 key of ``recipient``'s encryption certificate."""
    public = recipient.public_key()
    if not isinstance(public, X25519PublicKey):
        raise EnvelopeRefused(
            "a recipient certificate must carry an X25519 encryption key",
            code="recipient_not_x25519",
        )
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes_raw()
    kek = _kek(ephemeral.exchange(public), ephemeral_raw, public.public_bytes_raw(), context)
    nonce = os.urandom(12)
    return {
        "recipient": fingerprint(recipient),
        "ephemeral": b64(ephemeral_raw),
        "nonce": b64(nonce),
        "wrapped": b64(AESGCM(kek).encrypt(nonce, key, context.encode())),
    }


def unwrap_key(wrapped: dict, private_key: X25519PrivateKey, context: str) -> bytes:
    try:
        ephemeral_raw = unb64(wrapped["ephemeral"])
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        kek = _kek(shared, ephemeral_raw, private_key.public_key().public_bytes_raw(), context)
        return AESGCM(kek).decrypt(
            unb64(wrapped["nonce"]), unb64(wrapped["wrapped"]), context.encode()
        )
    except (InvalidTag, KeyError, ValueError, TypeError):
        raise EnvelopeRefused("this key cannot unlock the envelope", code="unwrap_failed") from None


def _kek(shared: bytes, ephemeral: bytes, recipient: bytes, context: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral + recipient,
        info=b"bidhall-seal/1 key-wrap " + context.encode(),
    ).derive(shared)


def wrap_context(section: str, tender_id: int, role: str, x: int | None = None) -> str:
    return f"{FORMAT}|tender:{tender_id}|section:{section}|{role}" + (
        "" if x is None else f"|x:{x}"
    )


# --- Shamir t-of-n over a 256-bit key (pycryptodome splits 16-byte secrets) ----------------------


def split_key(key: bytes, threshold: int, count: int) -> list[tuple[int, bytes]]:
    """Split a 32-byte key as two 16-byte halves with the same x-coordinates (DESIGN.md §4)."""
    from Crypto.Protocol.SecretSharing import Shamir

    if not 2 <= threshold <= count:
        raise InvalidInput(
            f"a threshold of {threshold} of {count} is not a valid split", code="invalid_threshold"
        )
    left = Shamir.split(threshold, count, key[:16])
    right = Shamir.split(threshold, count, key[16:])
    return [(x, a + b) for (x, a), (x2, b) in zip(left, right, strict=True) if x == x2]


def combine_shares(shares: list[tuple[int, bytes]]) -> bytes:
    from Crypto.Protocol.SecretSharing import Shamir

    left = Shamir.combine([(x, share[:16]) for x, share in shares])
    right = Shamir.combine([(x, share[16:]) for x, share in shares])
    return left + right
