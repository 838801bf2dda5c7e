"""The certificate authority's use cases.

- ``enroll``: a holder's ``bidhall-certreq/1`` becomes a signing and an encryption certificate;
  the holder's previous pair is revoked as superseded.
- ``revoke``, ``current_crl``: revocation, kept in the registry (the ``certificates`` table),
  published as a CRL signed by the issuing CA.
- the checks other modules call (``validate``, ``verify_signature``, ``user_id_of``) are in
  bidhall.crypto.validation.
- ``platform_signer``: the platform's own signing key and certificate, for receipts and records;
  ``platform_custodian``: its encryption key and certificate, as an opening custodian.

The CA lives in the instance folder (bidhall.crypto.ca). In development and testing it is created
the first time it is needed; production needs ``bidhall ca init`` and otherwise refuses every
signing operation with an error naming that command (and refuses to start at all without a
``BIDHALL_CA_PASSPHRASE`` to encrypt the CA's keys: bidhall.config.check).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidhall import clock, sandbox
from bidhall.accounts.models import Role, User
from bidhall.crypto import ca, keys, rules
from bidhall.crypto.errors import (
    CAExists,
    CAUnavailable,
    CertificateRefused,
    CertificateRequestInvalid,
    KeyFileError,
    SignatureInvalid,
)
from bidhall.crypto.models import Certificate, CertificatePurpose
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidhall.events import emit

__all__ = [
    "CAExists",
    "CAUnavailable",
    "CertificateRefused",
    "CertificateRequestInvalid",
    "KeyFileError",
    "SignatureInvalid",
    "active_certificate",
    "authority",
    "certificates_of",
    "chain_pems",
    "configure",
    "counts",
    "current_crl",
    "enroll",
    "init_authority",
    "issuing_pem",
    "platform_custodian",
    "platform_custodian_certificate",
    "platform_signer",
    "revoke",
    "root_pem",
]


logger = logging.getLogger(__name__)


USER_URI = "urn:bidhall:user:"


ORG_URI = "urn:bidhall:org:"


_settings: dict[str, Any] = {
    "CERT_VALIDITY_DAYS": 730,
    "CRL_NEXT_UPDATE_HOURS": 24,
    "CA_NAME": "bidhall",
}


class _State:
    directory: Path | None = None
    passphrase: str | None = None
    create_when_missing = False
    authority: ca.Authority | None = None
    lock = threading.Lock()


_state = _State()


def configure(config: Mapping[str, Any]) -> None:
    """Point the CA at ``<instance>/ca`` (loaded when first needed)."""
    for key in _settings:
        _settings[key] = config[key]
    with _state.lock:
        _state.directory = Path(config["BIDHALL_INSTANCE"]) / "ca"
        _state.passphrase = config.get("BIDHALL_CA_PASSPHRASE") or None
        _state.create_when_missing = config["BIDHALL_ENV"] in ("development", "testing")
        _state.authority = None


def authority() -> ca.Authority:
    """The loaded CA. In development and testing a missing CA is created on first use."""
    with _state.lock:
        if _state.authority is None:
            directory = _directory()
            if _state.create_when_missing and not ca.exists(directory):
                try:
                    _init(directory)
                except CAExists:
                    pass  # another process created it a moment ago
            _state.authority = ca.load_ca(directory, _state.passphrase)
        return _state.authority


def init_authority() -> ca.Authority:
    """Create the CA (``bidhall ca init``); refused when one exists."""
    with _state.lock:
        _state.authority = _init(_directory())
        return _state.authority


# --- enrolment and revocation -------------------------------------------------------------------


def enroll(actor: User, request: Any) -> tuple[Certificate, Certificate]:
    """Certify the two public keys of ``request`` (whose proof of possession must hold) to
    ``actor``: subject CN = username, O = organisation; SAN ``urn:bidhall:user:<id>`` and
    ``urn:bidhall:org:<id>``. The actor's previous active pair is revoked as superseded."""
    signing_key, encryption_key = keys.verify_certificate_request(request)
    issuer = authority()
    now = clock.now().replace(microsecond=0)  # X.509 times have whole seconds
    with db.transaction() as session:
        user = session.get(User, actor.id)
        if user is None or not user.active:
            raise Forbidden("an inactive account cannot enroll", code="account_inactive")
        key_hashes = [keys.public_key_sha256(signing_key), keys.public_key_sha256(encryption_key)]
        taken = session.scalar(
            select(Certificate.id).where(
                Certificate.public_key_sha256.in_(key_hashes),
                or_(Certificate.user_id.is_(None), Certificate.user_id != user.id),
            )
        )
        if taken is not None:
            raise Conflict(
                "this key is certified to another holder already: make a new key file",
                code="key_in_use",
            )
        previous = session.scalars(
            select(Certificate).where(
                Certificate.user_id == user.id,
                Certificate.purpose.in_(
                    [CertificatePurpose.SIGNING, CertificatePurpose.ENCRYPTION]
                ),
                Certificate.revoked_at.is_(None),
                Certificate.not_after > now,
            )
        ).all()
        for old in previous:
            _mark_revoked(old, actor, now, "superseded")
        subject = ca.holder_name(user.username, user.organisation.name)
        uris = [f"{USER_URI}{user.id}", f"{ORG_URI}{user.organisation_id}"]
        not_after = now + timedelta(
            days=sandbox.validity_days(_settings["CERT_VALIDITY_DAYS"], now)
        )
        issued = []
        for purpose, public_key in (
            (CertificatePurpose.SIGNING, signing_key),
            (CertificatePurpose.ENCRYPTION, encryption_key),
        ):
            cert = ca.issue(
                issuer.issuing_cert,
                issuer.issuing_key,
                public_key,
                subject=subject,
                uris=uris,
                purpose=purpose.value,
                not_before=now,
                not_after=not_after,
            )
            row = _register(session, cert, purpose, user.id, user.organisation_id, now)
            emit(
                "certificate.issued",
                actor,
                serial=row.serial,
                user_id=user.id,
                purpose=purpose.value,
                fingerprint_sha256=row.fingerprint_sha256,
            )
            issued.append(row)
    logger.info("certificates %s and %s issued", issued[0].serial, issued[1].serial)
    return issued[0], issued[1]


def revoke(actor: User | str, serial: str, reason: str | None) -> Certificate:
    """Revoke a certificate (its holder or an administrator; a ``system:...`` actor is the
    operator's own command line). ``reason`` is an RFC 5280 reason name (``ca.REASONS``), in
    snake case, words or camel case: ``key_compromise``, ``key compromise``, ``keyCompromise``."""
    serial = normal_serial(serial)
    given, reason = reason, normal_reason(reason)
    with db.transaction() as session:
        row = session.scalar(select(Certificate).where(Certificate.serial == serial))
        if row is None:
            raise NotFound(f"no certificate with serial {serial}", code="certificate_not_found")
        if isinstance(actor, str):
            rules.check_may_revoke(None, False, row.user_id)
        else:
            rules.check_may_revoke(actor.id, actor.role == Role.ADMIN, row.user_id)
        if reason is None:
            raise InvalidInput(
                f"unknown revocation reason {given!r}",
                code="invalid_reason",
                allowed=sorted(ca.REASONS),
            )
        if row.user_id is None:
            raise Conflict(
                "the platform's certificates are renewed with their CA, never revoked alone",
                code="platform_certificate",
            )
        if row.revoked_at is not None:
            raise Conflict(
                f"certificate {serial} was revoked already at {row.revoked_at.isoformat()}",
                code="already_revoked",
            )
        _mark_revoked(row, actor, clock.now().replace(microsecond=0), reason)
    logger.info("certificate %s revoked (%s)", serial, reason)
    return row


def current_crl() -> bytes:
    """A fresh PEM CRL of the issuing CA listing every revoked serial in the registry; the next
    update is announced ``CRL_NEXT_UPDATE_HOURS`` ahead."""
    issuer = authority()
    rows = db.session.execute(
        select(Certificate.serial, Certificate.revoked_at, Certificate.revocation_reason)
        .where(Certificate.revoked_at.is_not(None))
        .order_by(Certificate.revoked_at, Certificate.id)
    ).all()
    now = clock.now()
    crl = ca.build_crl(
        issuer,
        [(int(serial, 16), clock.as_utc(at), reason) for serial, at, reason in rows],
        now,
        now + timedelta(hours=_settings["CRL_NEXT_UPDATE_HOURS"]),
        # CRL numbers must grow (RFC 5280 §5.2.3): microseconds since the epoch do
        number=int(now.timestamp() * 1_000_000),
    )
    return crl.public_bytes(serialization.Encoding.PEM)


def platform_signer() -> tuple[Ed25519PrivateKey, x509.Certificate, list[x509.Certificate]]:
    """The platform's signing key, its certificate (registered, purpose ``platform``) and the
    chain (issuing CA, root), for receipts and records."""
    issuer = authority()
    platform_row(issuer.platform_cert)
    return issuer.platform_key, issuer.platform_cert, issuer.chain


def platform_custodian() -> tuple[X25519PrivateKey, x509.Certificate]:
    """The platform's encryption key and certificate (registered, purpose ``encryption``, no
    user): the platform as one of a tender's opening custodians."""
    issuer = authority()
    platform_row(issuer.platform_encryption_cert)
    return issuer.platform_encryption_key, issuer.platform_encryption_cert


def platform_custodian_certificate() -> x509.Certificate:
    return platform_custodian()[1]


# --- reading ------------------------------------------------------------------------------------


def certificates_of(user: User) -> list[Certificate]:
    """A holder's certificates, newest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def active_certificate(
    user_id: int, purpose: str, at: datetime | None = None
) -> Certificate | None:
    """The holder's certificate for ``purpose`` that is good at ``at`` (default now), if any."""
    at = at or clock.now()
    return db.session.scalar(
        select(Certificate)
        .where(
            Certificate.user_id == user_id,
            Certificate.purpose == CertificatePurpose(purpose),
            Certificate.not_before <= at,
            Certificate.not_after >= at,
            or_(Certificate.revoked_at.is_(None), Certificate.revoked_at > at),
        )
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    )


def counts() -> dict[str, int]:
    """How many certificates the registry holds, and how many of them are revoked."""
    issued = db.session.scalar(select(func.count()).select_from(Certificate))
    revoked = db.session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.revoked_at.is_not(None))
    )
    return {"certificates": issued or 0, "revoked": revoked or 0}


def chain_pems() -> list[str]:
    """The CA chain as PEM: issuing CA first, root last."""
    return [keys.certificate_pem(cert) for cert in authority().chain]


def root_pem() -> str:
    return keys.certificate_pem(authority().root_cert)


def issuing_pem() -> str:
    return keys.certificate_pem(authority().issuing_cert)


def normal_reason(reason: str | None) -> str | None:
    """A revocation reason as ``ca.REASONS`` spells it, or None when it is not one."""
    if not isinstance(reason, str):
        return None
    snake = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", reason.strip()).lower()
    snake = re.sub(r"[\s-]+", "_", snake)
    return snake if snake in ca.REASONS else None


def normal_serial(serial: str) -> str:
    """A serial as the registry writes it: lowercase hex, no colons, no leading zeros."""
    text = (serial or "").strip().lower().replace(":", "").removeprefix("0x")
    try:
        return format(int(text, 16), "x")
    except ValueError:
        raise InvalidInput(
            f"a certificate serial is hexadecimal, not {serial!r}", code="invalid_serial"
        ) from None


# --- internals ----------------------------------------------------------------------------------


def _directory() -> Path:
    if _state.directory is None:
        raise CAUnavailable("the certificate authority is not configured: create the app first")
    return _state.directory


def _init(directory: Path) -> ca.Authority:
    now = clock.now()
    default = ca.Validity()
    validity = ca.Validity(
        *(
            sandbox.validity_days(days, now)
            for days in (default.root_days, default.issuing_days, default.platform_days)
        )
    )
    return ca.init_ca(
        directory, _state.passphrase, now, name=_settings["CA_NAME"], validity=validity
    )


def _register(
    session: Session,
    cert: x509.Certificate,
    purpose: CertificatePurpose,
    user_id: int | None,
    organisation_id: int | None,
    issued_at: datetime,
) -> Certificate:
    row = Certificate(
        serial=ca.serial_hex(cert),
        user_id=user_id,
        organisation_id=organisation_id,
        purpose=purpose,
        fingerprint_sha256=ca.fingerprint(cert),
        public_key_sha256=keys.public_key_sha256(cert.public_key()),
        pem=keys.certificate_pem(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        issued_at=issued_at,
    )
    session.add(row)
    session.flush()
    return row


def _mark_revoked(row: Certificate, actor: Any, at: datetime, reason: str) -> None:
    row.revoked_at = at
    row.revocation_reason = reason
    emit(
        "certificate.revoked",
        actor,
        serial=row.serial,
        user_id=row.user_id,
        purpose=row.purpose.value,
        reason=reason,
    )


def platform_row(cert: x509.Certificate) -> Certificate:
    """The registry row of one of the platform's certificates, registered on first use (the CA's
    files can be made before the database exists)."""
    if clock.now() > cert.not_valid_after_utc:
        raise CAUnavailable(
            "the platform's certificates have expired: the CA must be renewed",
            code="platform_certificate_expired",
        )
    purpose = (
        CertificatePurpose.ENCRYPTION
        if isinstance(cert.public_key(), X25519PublicKey)
        else CertificatePurpose.PLATFORM
    )
    fingerprint = ca.fingerprint(cert)
    query = select(Certificate).where(Certificate.fingerprint_sha256 == fingerprint)
    row = db.session.scalar(query)
    if row is not None:
        return row
    with db.transaction() as session:
        row = session.scalar(query)
        if row is not None:
            return row
        try:
            # a savepoint: another worker registering it at the same moment is no error
            with session.begin_nested():
                row = _register(session, cert, purpose, None, None, clock.now())
        except IntegrityError:
            return session.scalar(query)
        emit(
            "certificate.issued",
            "system:ca",
            serial=row.serial,
            user_id=None,
            purpose=purpose.value,
            fingerprint_sha256=row.fingerprint_sha256,
        )
    return row
