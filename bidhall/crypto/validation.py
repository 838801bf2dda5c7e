"""The checks other modules call on a certificate: is it ours, registered, in its validity period,
unrevoked and meant for this use (validate); a signature by it; the user or organisation it
names."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from bidhall import clock
from bidhall.crypto import ca, keys, rules
from bidhall.crypto.errors import (
    CertificateRefused,
    SignatureInvalid,
)
from bidhall.crypto.models import Certificate
from bidhall.crypto.services import ORG_URI, USER_URI, authority, platform_row
from bidhall.db import db

# --- checks for other modules -------------------------------------------------------------------


def validate(
    cert: x509.Certificate | str | bytes, purpose: str, at: datetime | None = None
) -> Certificate:
    """The registry row of ``cert`` if it is good for ``purpose`` (signing | encryption |
    platform) at ``at`` (default now); else ``CertificateRefused`` with ``unknown_issuer``,
    ``unknown_certificate``, ``wrong_purpose``, ``not_yet_valid``, ``expired`` or ``revoked``.

    ``at`` must be a moment the server vouches for (e.g. when it received a signed upload), never
    one a client claims: a certificate revoked later is still good for what it signed before.
    """
    cert = _as_certificate(cert)
    issuer = authority()
    try:
        cert.verify_directly_issued_by(issuer.issuing_cert)
    except (ValueError, TypeError, InvalidSignature):
        raise CertificateRefused(
            "the certificate was not issued by this platform's CA", code="unknown_issuer"
        ) from None
    fingerprint = ca.fingerprint(cert)
    row = db.session.scalar(
        select(Certificate).where(Certificate.fingerprint_sha256 == fingerprint)
    )
    if row is None:
        for own in (issuer.platform_cert, issuer.platform_encryption_cert):
            if fingerprint == ca.fingerprint(own):
                row = platform_row(own)
    if row is None:
        raise CertificateRefused(
            "the certificate is not in the platform's registry", code="unknown_certificate"
        )
    rules.check_certificate(
        row.purpose.value,
        purpose,
        clock.as_utc(row.not_before),
        clock.as_utc(row.not_after),
        row.revoked_at and clock.as_utc(row.revoked_at),
        at or clock.now(),
    )
    return row


def verify_signature(cert: x509.Certificate | str | bytes, data: bytes, signature: bytes) -> None:
    """Check an Ed25519 ``signature`` over ``data`` by the key of ``cert``. This does not judge
    the certificate itself: call ``validate`` for that."""
    public_key = _as_certificate(cert).public_key()
    if not isinstance(public_key, Ed25519PublicKey):
        raise SignatureInvalid(
            "the certificate does not carry an Ed25519 signing key",
            code="not_a_signing_certificate",
        )
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise SignatureInvalid(
            "the signature does not verify with the certificate's key", code="bad_signature"
        ) from None


def user_id_of(cert: x509.Certificate | str | bytes) -> int | None:
    """The holder's user id from the ``urn:bidhall:user:<id>`` SAN URI (None for the platform)."""
    return _uri_id(_as_certificate(cert), USER_URI)


def organisation_id_of(cert: x509.Certificate | str | bytes) -> int | None:
    return _uri_id(_as_certificate(cert), ORG_URI)


def certificate_status(row: Certificate, at: datetime | None = None) -> str:
    return rules.status(
        clock.as_utc(row.not_before),
        clock.as_utc(row.not_after),
        row.revoked_at and clock.as_utc(row.revoked_at),
        at or clock.now(),
    )


def _as_certificate(cert: x509.Certificate | str | bytes) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    try:
        return keys.load_certificate(cert)
    except (ValueError, TypeError):
        raise CertificateRefused(
            "not a PEM X.509 certificate", code="malformed_certificate"
        ) from None


def _uri_id(cert: x509.Certificate, prefix: str) -> int | None:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    for uri in names.get_values_for_type(x509.UniformResourceIdentifier):
        if uri.startswith(prefix) and uri[len(prefix) :].isdigit():
            return int(uri[len(prefix) :])
    return None
