"""The report with the real platform: members enrolled through the CA's services sign with their
own keys, the platform seals with its own key, and everything checks against ``root.pem``."""

from __future__ import annotations

import io

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from bidhall.crypto import keys
from evaluation.reports import document, pdf, seal
from evaluation.reports.cli import report_group
from evaluation.reports.verify import verify_pdf
from tests.evaluation.reports.sample import content


@pytest.fixture
def sealed(app, clock, make_user, enroll):
    """A report signed by five enrolled experts and sealed by the platform, an hour after."""
    from bidhall.crypto import validation

    experts = [make_user("expert") for _ in range(5)]
    bundles = [enroll(user) for user in experts]
    built = document.build(content(user_ids=[user.id for user in experts]))
    sha256 = document.digest(built)
    dissent = {d["seat"]: d["text"] for d in built["dissent"]}
    clock.advance(minutes=30)
    entries = []
    for seat, bundle in enumerate(bundles, 1):
        data = document.signing_bytes(sha256, seat, dissent.get(seat))
        entry = {
            "seat": seat,
            "certificate": keys.certificate_pem(bundle.signing_cert),
            "chain": [keys.certificate_pem(c) for c in bundle.chain],
            "signature": keys.b64(bundle.signing_key.sign(data)),
            "dissent": dissent.get(seat),
            "signed_at": clock.now().isoformat(),
        }
        # what the live session does when a signature arrives: the registry judges revocation
        validation.validate(entry["certificate"], "signing", clock.now())
        entries.append(entry)
    clock.advance(minutes=30)
    return seal.seal(pdf.render(built, entries))


def test_members_enrolled_keys_and_the_platform_seal_verify_against_the_root(sealed):
    from bidhall.crypto import services

    finding = verify_pdf(sealed, services.root_pem())
    assert finding.ok, [c for c in finding.checks if not c.ok]


def test_pyhanko_validates_the_platform_seal(sealed, clock):
    from asn1crypto import x509 as asn1_x509

    from bidhall.crypto import services

    root_der = keys.load_certificate(services.root_pem()).public_bytes(Encoding.DER)
    root = asn1_x509.Certificate.load(root_der)
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    assert signature.self_reported_timestamp == clock.now()  # the platform's clock
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[root], moment=clock.now())
    )
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.pkcs7_signature_mechanism == "ed25519"


def test_bidhall_report_verify_passes_the_sealed_report(sealed, runner, tmp_path):
    from bidhall.crypto import services

    (tmp_path / "report.pdf").write_bytes(sealed)
    (tmp_path / "root.pem").write_text(services.root_pem())
    result = runner.invoke(
        cli=report_group,
        args=["verify", str(tmp_path / "report.pdf"), "--root", str(tmp_path / "root.pem")],
    )
    assert result.exit_code == 0, result.output
    assert '"ok": true' in result.output
