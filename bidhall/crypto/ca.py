"""The certificate authority's files and its X.509 building blocks. No database.

``instance/ca/`` holds a two-level hierarchy and the platform's own two identities::

    root.pem, root-key.pem            self-signed root CA (Ed25519), signs only the issuing CA
    issuing.pem, issuing-key.pem      issuing CA (Ed25519): signs holders' certificates and the CRL
    platform.pem, platform-key.pem    the platform's signing certificate (receipts, records)
    platform-encryption.pem,          the platform's encryption certificate (X25519): the platform
    platform-encryption-key.pem       as an opening custodian

Private keys are PKCS#8 PEM, encrypted with ``BIDHALL_CA_PASSPHRASE`` when it is set, otherwise
unencrypted with mode 0600 (and a warning); production refuses to start without that passphrase
(bidhall.config.check). The folder is built beside its final place and renamed
into place in one step, so two processes starting at once never mix halves of two CAs.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.x509.oid import NameOID

from bidhall.crypto.errors import CAExists, CAUnavailable

logger = logging.getLogger(__name__)

FILES = {
    "root": ("root.pem", "root-key.pem"),
    "issuing": ("issuing.pem", "issuing-key.pem"),
    "platform": ("platform.pem", "platform-key.pem"),
    "platform_encryption": ("platform-encryption.pem", "platform-encryption-key.pem"),
}
PLATFORM_URI = "urn:bidhall:platform"

# RFC 5280 §5.3.1 reason names, as the API and the CLI spell them
REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "privilege_withdrawn": x509.ReasonFlags.privilege_withdrawn,
}


@dataclass(frozen=True)
class Authority:
    """The loaded CA: what signing certificates and CRLs needs (the root key stays on disk)."""

    directory: Path
    root_cert: x509.Certificate
    issuing_cert: x509.Certificate
    issuing_key: Ed25519PrivateKey
    platform_cert: x509.Certificate
    platform_key: Ed25519PrivateKey
    platform_encryption_cert: x509.Certificate
    platform_encryption_key: X25519PrivateKey

    @property
    def chain(self) -> list[x509.Certificate]:
        """Issuing CA first, root last (the order TLS and PKCS#12 use)."""
        return [self.issuing_cert, self.root_cert]


@dataclass(frozen=True)
class Validity:
    root_days: int = 20 * 365
    issuing_days: int = 10 * 365
    platform_days: int = 5 * 365


def exists(directory: Path) -> bool:
    return directory.exists() and any(directory.iterdir())


def init_ca(
    directory: Path,
    passphrase: str | None,
    now: datetime,
    name: str = "bidhall",
    validity: Validity | None = None,
) -> Authority:
    """Create the CA in ``directory``; refused when a CA (or anything) is there already."""
    validity = validity or Validity()
    if exists(directory):
        raise CAExists(
            f"a certificate authority exists already in {directory}; it is never "
            "overwritten (move it away first if you really mean to replace it)"
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    now = now.replace(microsecond=0)  # X.509 times have whole seconds
    root_key, issuing_key, platform_key = (Ed25519PrivateKey.generate() for _ in range(3))
    platform_encryption_key = X25519PrivateKey.generate()
    root_name = _name(f"{name} Root CA", name)
    root = (
        _builder(
            root_name, root_name, root_key.public_key(), now, now + timedelta(validity.root_days)
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, None)
    )
    issuing_name = _name(f"{name} Issuing CA", name)
    issuing = (
        _builder(
            issuing_name,
            root_name,
            issuing_key.public_key(),
            now,
            now + timedelta(validity.issuing_days),
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(issuing_key.public_key()), False)
        .add_extension(_authority_key_id(root), critical=False)
        .sign(root_key, None)
    )
    platform, platform_encryption = (
        issue(
            issuing,
            issuing_key,
            key.public_key(),
            subject=_name(f"{name} platform", name),
            uris=[PLATFORM_URI],
            purpose=purpose,
            not_before=now,
            not_after=now + timedelta(validity.platform_days),
        )
        for key, purpose in ((platform_key, "platform"), (platform_encryption_key, "encryption"))
    )
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        for label, cert, key in (
            ("root", root, root_key),
            ("issuing", issuing, issuing_key),
            ("platform", platform, platform_key),
            ("platform_encryption", platform_encryption, platform_encryption_key),
        ):
            cert_file, key_file = FILES[label]
            (staging / cert_file).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            _write_private(staging / key_file, _key_pem(key, passphrase))
        os.chmod(staging, 0o700)
        try:
            # rename is atomic: a concurrent init either finds nothing or a whole CA
            os.rename(staging, directory)
        except OSError:
            raise CAExists(f"a certificate authority exists already in {directory}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if not passphrase:
        logger.warning(
            "the CA's private keys in %s are NOT encrypted (set BIDHALL_CA_PASSPHRASE); "
            "they are protected only by file mode 0600",
            directory,
        )
    logger.info("certificate authority created in %s, root %s", directory, fingerprint(root))
    return Authority(
        directory,
        root,
        issuing,
        issuing_key,
        platform,
        platform_key,
        platform_encryption,
        platform_encryption_key,
    )


def load_ca(directory: Path, passphrase: str | None) -> Authority:
    if not exists(directory):
        raise CAUnavailable(
            f"the certificate authority is not set up ({directory} is missing): "
            "run `bidhall ca init` first",
            code="ca_not_initialised",
        )
    try:
        certs = {
            label: x509.load_pem_x509_certificate((directory / files[0]).read_bytes())
            for label, files in FILES.items()
        }
        keys = {
            label: _load_key(directory / FILES[label][1], passphrase)
            for label in ("issuing", "platform", "platform_encryption")
        }
    except FileNotFoundError as missing:
        raise CAUnavailable(
            f"the certificate authority in {directory} is incomplete ({missing.filename} is "
            "missing): restore it from its backup",
            code="ca_incomplete",
        ) from None
    if passphrase and not keys_encrypted(directory):
        # a CA made before the passphrase was set: it loads, but its keys are still in clear
        logger.warning(
            "the CA's private keys in %s are NOT encrypted although BIDHALL_CA_PASSPHRASE is "
            "set: re-encrypt them (openssl pkcs8 -topk8 -v2 aes-256-cbc) with that passphrase",
            directory,
        )
    return Authority(
        directory,
        certs["root"],
        certs["issuing"],
        keys["issuing"],
        certs["platform"],
        keys["platform"],
        certs["platform_encryption"],
        keys["platform_encryption"],
    )


def issue(
    issuer_cert: x509.Certificate,
    issuer_key: Ed25519PrivateKey,
    public_key: Ed25519PublicKey | X25519PublicKey,
    *,
    subject: x509.Name,
    uris: list[str],
    purpose: str,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    """An end-entity certificate. ``signing`` and ``platform`` keys may sign (digitalSignature and
    contentCommitment, i.e. non-repudiation); ``encryption`` keys only agree keys."""
    if purpose == "encryption":
        usage = _usage(key_agreement=True)
    else:
        usage = _usage(digital_signature=True, content_commitment=True)
    # a certificate never outlives its issuer
    not_after = min(not_after, issuer_cert.not_valid_after_utc)
    return (
        _builder(subject, issuer_cert.subject, public_key, not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(uri) for uri in uris]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_id(issuer_cert), critical=False)
        .sign(issuer_key, None)
    )


def holder_name(common_name: str, organisation: str) -> x509.Name:
    return _name(common_name, organisation)


def build_crl(
    authority: Authority,
    revoked: list[tuple[int, datetime, str | None]],
    now: datetime,
    next_update: datetime,
    number: int,
) -> x509.CertificateRevocationList:
    """The CRL of the issuing CA: every ``(serial, revoked_at, reason)`` given."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.issuing_cert.subject)
        .last_update(now.replace(microsecond=0))
        .next_update(next_update.replace(microsecond=0))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(_authority_key_id(authority.issuing_cert), critical=False)
    )
    for serial, revoked_at, reason in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(revoked_at.replace(microsecond=0))
        )
        # RFC 5280 §5.3.1: the reason code "unspecified" SHOULD be absent
        if reason and reason != "unspecified" and reason in REASONS:
            entry = entry.add_extension(x509.CRLReason(REASONS[reason]), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(authority.issuing_key, None)


def fingerprint(cert: x509.Certificate) -> str:
    """Hex SHA-256 of the certificate's DER."""
    return cert.fingerprint(hashes.SHA256()).hex()


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def keys_encrypted(directory: Path) -> bool:
    return b"ENCRYPTED" in (directory / FILES["issuing"][1]).read_bytes()[:64]


# --- internals ----------------------------------------------------------------------------------


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: Ed25519PublicKey | X25519PublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _usage(**granted: bool) -> x509.KeyUsage:
    flags = {
        "digital_signature": False,
        "content_commitment": False,
        "key_encipherment": False,
        "data_encipherment": False,
        "key_agreement": False,
        "key_cert_sign": False,
        "crl_sign": False,
        "encipher_only": False,
        "decipher_only": False,
    }
    flags.update(granted)
    return x509.KeyUsage(**flags)


def _ca_usage() -> x509.KeyUsage:
    return _usage(key_cert_sign=True, crl_sign=True)


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _key_pem(key: Ed25519PrivateKey | X25519PrivateKey, passphrase: str | None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _load_key(path: Path, passphrase: str | None) -> Ed25519PrivateKey | X25519PrivateKey:
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(
            data, passphrase.encode("utf-8") if passphrase else None
        )
    except TypeError:
        # encrypted but no passphrase given, or a passphrase given for an unencrypted key
        if passphrase and b"ENCRYPTED" not in data[:64]:
            key = serialization.load_pem_private_key(data, None)
        else:
            raise CAUnavailable(
                f"the CA key {path.name} is encrypted: set BIDHALL_CA_PASSPHRASE",
                code="ca_locked",
            ) from None
    except ValueError:
        raise CAUnavailable(
            f"the CA key {path.name} cannot be decrypted: BIDHALL_CA_PASSPHRASE is wrong",
            code="ca_locked",
        ) from None
    expected = (
        X25519PrivateKey if path.name == FILES["platform_encryption"][1] else Ed25519PrivateKey
    )
    if not isinstance(key, expected):
        raise CAUnavailable(f"the CA key {path.name} is of the wrong kind", code="ca_incomplete")
    return key


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
