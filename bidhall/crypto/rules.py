"""Certificate rules: is a registered certificate good for a use at a moment, who may revoke it.
Plain values in, a decision out."""

from __future__ import annotations

from datetime import datetime

from bidhall.crypto.errors import CertificateRefused
from bidhall.errors import Forbidden

PURPOSES = ("signing", "encryption", "platform")


def check_certificate(
    purpose: str,
    wanted: str,
    not_before: datetime,
    not_after: datetime,
    revoked_at: datetime | None,
    at: datetime,
) -> None:
    """Refuse a registered certificate that is not good for ``wanted`` at ``at``."""
    if wanted not in PURPOSES:
        raise ValueError(f"unknown certificate purpose {wanted!r}")
    if purpose != wanted:
        raise CertificateRefused(
            f"this is a {purpose} certificate, not a {wanted} certificate",
            code="wrong_purpose",
        )
    if at < not_before:
        raise CertificateRefused(
            f"the certificate is valid only from {not_before.isoformat()}", code="not_yet_valid"
        )
    # notAfter is inclusive (RFC 5280 §4.1.2.5)
    if at > not_after:
        raise CertificateRefused(
            f"the certificate expired at {not_after.isoformat()}", code="expired"
        )
    if revoked_at is not None and revoked_at <= at:
        raise CertificateRefused(
            f"the certificate was revoked at {revoked_at.isoformat()}", code="revoked"
        )


def status(
    not_before: datetime, not_after: datetime, revoked_at: datetime | None, at: datetime
) -> str:
    """``active``, ``revoked``, ``expired`` or ``not_yet_valid`` at ``at``."""
    if revoked_at is not None and revoked_at <= at:
        return "revoked"
    if at > not_after:
        return "expired"
    if at < not_before:
        return "not_yet_valid"
    return "active"


def check_may_revoke(actor_id: int | None, actor_is_admin: bool, owner_id: int | None) -> None:
    """The certificate's holder or an administrator; ``actor_id`` None is the operator's own
    command line on the server."""
    if actor_id is None or actor_is_admin:
        return
    if owner_id is None or owner_id != actor_id:
        raise Forbidden("only its holder or an administrator may revoke a certificate")
