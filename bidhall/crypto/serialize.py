"""JSON shapes of certificates, shared by the API and the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bidhall.crypto import services, validation
from bidhall.crypto.models import Certificate


def enrollment_answer(signing: Certificate, encryption: Certificate) -> dict[str, Any]:
    """The answer to ``POST /api/certificates``; ``bidhall keys install`` reads it."""
    return {
        "signing": signing.pem,
        "encryption": encryption.pem,
        "chain": services.chain_pems(),
        "serials": {"signing": signing.serial, "encryption": encryption.serial},
    }


def certificate(row: Certificate, now: datetime | None = None) -> dict[str, Any]:
    return {
        "serial": row.serial,
        "purpose": row.purpose.value,
        "status": validation.certificate_status(row, now),
        "fingerprint_sha256": row.fingerprint_sha256,
        "not_before": _iso(row.not_before),
        "not_after": _iso(row.not_after),
        "issued_at": _iso(row.issued_at),
        "revoked_at": _iso(row.revoked_at),
        "revocation_reason": row.revocation_reason,
        "pem": row.pem,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
