"""A certificate authority made offline (bidhall.crypto.ca, no app, no database) with members'
signing certificates, and a signed, sealed report built from tests/evaluation/reports/sample.py.
The tests with the real app (enrolled keys, the platform's own seal) are in test_platform.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bidhall.crypto import ca, keys
from evaluation.reports import document, pdf, seal
from tests.evaluation.reports.sample import content

ISSUED = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
SIGNED_AT = "2026-03-02T08:00:00+00:00"
SEALED_AT = datetime(2026, 3, 2, 8, 5, tzinfo=UTC)


@dataclass
class Member:
    user_id: int
    key: Ed25519PrivateKey
    cert: x509.Certificate


class OfflineCA:
    def __init__(self, authority: ca.Authority) -> None:
        self.authority = authority
        self.root_pem = keys.certificate_pem(authority.root_cert)
        self.chain_pems = [keys.certificate_pem(c) for c in authority.chain]

    def certify(self, user_id: int, key: Ed25519PrivateKey | None = None, **dates) -> Member:
        key = key or Ed25519PrivateKey.generate()
        cert = ca.issue(
            self.authority.issuing_cert,
            self.authority.issuing_key,
            key.public_key(),
            subject=ca.holder_name(f"expert{user_id}", "专家库"),
            uris=[f"urn:bidhall:user:{user_id}"],
            purpose="signing",
            not_before=dates.get("not_before", ISSUED),
            not_after=dates.get("not_after", ISSUED + timedelta(days=730)),
        )
        return Member(user_id, key, cert)

    def seal(self, data: bytes) -> bytes:
        a = self.authority
        return seal.seal_with(data, a.platform_key, a.platform_cert, a.chain, SEALED_AT)


def signature_entry(
    sha256: str, seat: int, member: Member, chain: list[str], dissent: str | None = None
) -> dict:
    """What the session keeps when member ``seat`` signs the report with its key."""
    return {
        "seat": seat,
        "certificate": keys.certificate_pem(member.cert),
        "chain": chain,
        "signature": keys.b64(member.key.sign(document.signing_bytes(sha256, seat, dissent))),
        "dissent": dissent,
        "signed_at": SIGNED_AT,
    }


def _make_ca(tmp_path_factory) -> OfflineCA:
    directory = tmp_path_factory.mktemp("offline-ca") / "ca"
    return OfflineCA(ca.init_ca(directory, None, ISSUED))


@pytest.fixture(scope="session")
def offline_ca(tmp_path_factory) -> OfflineCA:
    return _make_ca(tmp_path_factory)


@pytest.fixture(scope="session")
def other_ca(tmp_path_factory) -> OfflineCA:
    """Another authority, with the same names as ours."""
    return _make_ca(tmp_path_factory)


@dataclass
class SignedReport:
    document: dict
    sha256: str
    members: list[Member]
    entries: list[dict]
    pdf: bytes  # rendered and sealed


@pytest.fixture(scope="session")
def signed_report(offline_ca) -> SignedReport:
    """Three bids, five members each signing with its certificate (seat 5 with its dissent),
    rendered and sealed by the offline CA's platform certificate."""
    members = [offline_ca.certify(user_id=101 + n) for n in range(5)]
    built = document.build(content(user_ids=[m.user_id for m in members]))
    sha256 = document.digest(built)
    dissent = {d["seat"]: d["text"] for d in built["dissent"]}
    entries = [
        signature_entry(sha256, seat, m, offline_ca.chain_pems, dissent.get(seat))
        for seat, m in enumerate(members, 1)
    ]
    sealed = offline_ca.seal(pdf.render(built, entries))
    return SignedReport(built, sha256, members, entries, sealed)
