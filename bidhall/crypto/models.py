from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bidhall.db import Base


class CertificatePurpose(enum.StrEnum):
    SIGNING = "signing"
    ENCRYPTION = "encryption"
    # the platform's own signing certificate (receipts, records); its encryption certificate
    # (as an opening custodian) is an ENCRYPTION one without a user
    PLATFORM = "platform"


class Certificate(Base):
    """The registry of every certificate the issuing CA signed: the authority on revocation.
    Certificates only: a private key never reaches the server."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # lowercase hex, no padding
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    purpose: Mapped[CertificatePurpose] = mapped_column(
        Enum(
            CertificatePurpose,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the DER
    # SHA-256 of the raw public key: one key is never certified to two holders
    public_key_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pem: Mapped[str] = mapped_column(Text)
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(40))
