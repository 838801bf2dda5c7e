"""Documents the platform signs (receipts, opening records) and their offline check.

A signed document is ``{<body_key>: body, "signature": b64(Ed25519(canonical(body))),
"platform_certificate": PEM, "chain": [PEM, ...]}``. Anyone holding the platform's root
certificate (``/ca/root.pem``) can check it with no access to the platform; without a root the
chain's own last certificate is used, which proves integrity but not origin.
"""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from bidhall.canonical import canonical
from bidhall.errors import InvalidInput, RuleViolation


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def sign(body: dict, body_key: str) -> dict:
    """Sign ``body`` with the platform's signing key."""
    from bidhall.crypto import services as pki

    key, cert, chain = pki.platform_signer()
    return {
        body_key: body,
        "signature": base64.b64encode(key.sign(canonical(body))).decode(),
        "platform_certificate": _pem(cert),
        "chain": [_pem(c) for c in chain],
    }


def verify(
    document: object, body_key: str, format: str, what: str, root_pem: str | None = None
) -> dict:
    """Check a signed document offline: its format, the platform's signature, and the
    certificate chain up to ``root_pem`` (or the embedded root). Returns the body."""
    try:
        assert isinstance(document, dict)
        body = document[body_key]
        signature = base64.b64decode(document["signature"], validate=True)
        cert = x509.load_pem_x509_certificate(document["platform_certificate"].encode())
        chain = [x509.load_pem_x509_certificate(p.encode()) for p in document.get("chain", [])]
        assert isinstance(body, dict) and body.get("format") == format
    except (KeyError, TypeError, ValueError, AssertionError, binascii.Error):
        raise InvalidInput(
            f"not a bidhall {what}", code=f"invalid_{what.replace(' ', '_')}"
        ) from None
    try:
        cert.public_key().verify(signature, canonical(body))
    except InvalidSignature:
        raise RuleViolation(
            f"the {what}'s signature does not verify: it was changed", code="bad_signature"
        ) from None
    roots = [x509.load_pem_x509_certificate(root_pem.encode())] if root_pem else chain[-1:]
    if not roots:
        raise RuleViolation(
            f"the {what} carries no certificate chain and no root was given: it cannot be "
            "traced to the platform",
            code="untrusted_certificate",
        )
    if not chains_to(cert, chain, roots[0]):
        raise RuleViolation(
            f"the {what}'s certificate does not chain to the platform's root",
            code="untrusted_certificate",
        )
    return body


def chains_to(
    cert: x509.Certificate, chain: list[x509.Certificate], root: x509.Certificate
) -> bool:
    """Whether each certificate is issued by the next and the last by ``root`` (itself, when
    the chain ends with the root)."""
    path = [cert, *chain]
    for child, parent in zip(path, [*path[1:], root], strict=True):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            return False
    return True
