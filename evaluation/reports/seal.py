"""The platform's seal on the report PDF: a PAdES signature (pyHanko) by the platform's own
signing key, certifying the document with "no changes allowed" (DocMDP level 1).

Which key. The platform signs receipts and records with Ed25519 (bidhall.crypto.services.
platform_signer()), and the seal uses that same key and certificate: no new key, no change in
bidhall.crypto. pyHanko signs and validates Ed25519 in CMS (RFC 8419: the message digest is
SHA-512) and in PDF (ISO/TS 32002, which added EdDSA to PDF signatures); Foxit validates such
signatures; Adobe Acrobat long accepted only RSA and ECDSA. A separate ECDSA P-256 sealing
certificate would not make a reader without EdDSA show the seal as trusted either: the platform's
root and issuing CA sign with Ed25519, so such a reader could not check the chain above it. A
reader that does not know our root cannot judge the seal anyway; the offline check
(``bidhall report verify REPORT.pdf --root root.pem``, evaluation.reports.verify) is the one
that counts, and it checks the seal, the attached report and every member's signature.

The seal is PAdES B-B: there is no time-stamping authority, so the signing time is the
platform's own (bidhall.clock), and the verifier judges the chain at that time.
"""

from __future__ import annotations

import io
from datetime import datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from bidhall.errors import InvalidInput

FIELD = "bidhall-platform-seal"
REASON = "评标报告平台电子签章"


def seal(pdf: bytes) -> bytes:
    """The report PDF sealed by the platform (its signing key and certificate, now)."""
    from bidhall import clock
    from bidhall.crypto import services as pki

    key, cert, chain = pki.platform_signer()
    return seal_with(pdf, key, cert, chain, clock.now())


def seal_with(
    pdf: bytes,
    key: Ed25519PrivateKey,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    at: datetime,
) -> bytes:
    """Seal with the given key and certificate (``chain``: issuing CA, root), signed at ``at``."""
    signer = signers.SimpleSigner(
        signing_cert=_asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha512",  # RFC 8419: Ed25519 in CMS with signed attributes uses SHA-512
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=REASON,
        name=cert.subject.rfc4514_string(),
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except (PdfReadError, ValueError, TypeError):
        raise InvalidInput("not a PDF that can be sealed", code="invalid_pdf") from None
    return _TimedSigner(meta, signer, at).sign_pdf(writer).getvalue()


class _TimedSigner(signers.PdfSigner):
    """pyHanko's signer, with the platform's clock for the signing time (pyHanko reads the
    system's)."""

    def __init__(self, meta: signers.PdfSignatureMetadata, signer: signers.Signer, at: datetime):
        super().__init__(meta, signer)
        self._at = at

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._at
        return session


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
