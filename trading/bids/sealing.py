"""What a bidder needs to seal for a tender: the custodians fixed at publication and the sealing
descriptor (bidhall-sealing/1) that names them."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import User
from bidhall.crypto import services as pki
from bidhall.db import db
from bidhall.envelope import format as envelope
from bidhall.envelope import keys as envelope_keys
from bidhall.errors import NotFound, RuleViolation
from trading.bids import rules
from trading.tenders.models import Tender, TenderCustodian, TenderState

DESCRIPTOR_FORMAT = "bidhall-sealing/1"


# --- custodians, fixed at publication -----------------------------------------------------------


def assign_custodians(session: Session, tender: Tender, publisher: User) -> None:
    """The opening custodians: the publishing manager, the supervisor who accepted the filing,
    and the platform. Each must hold a valid encryption certificate now."""
    from trading.tenders.models import FilingRecord

    filing = session.scalar(
        select(FilingRecord)
        .where(FilingRecord.tender_id == tender.id, FilingRecord.decision == "accepted")
        .order_by(FilingRecord.id.desc())
    )
    supervisor = session.get(User, filing.decided_by_id) if filing else None
    now = clock.now()
    members: list[tuple[str, User | None]] = [("manager", publisher)]
    if supervisor is not None:
        members.append(("supervisor", supervisor))
    members.append(("platform", None))
    tender.custodians.clear()
    session.flush()
    for x, (role, user) in enumerate(members, start=1):
        if user is None:
            cert = pki.platform_custodian_certificate()
        else:
            record = pki.active_certificate(user.id, "encryption", now)
            if record is None:
                raise RuleViolation(
                    f"the opening custodian {user.display_name} ({role}) has no valid encryption "
                    "certificate: enroll one first (bidhall keys enroll)",
                    code="custodian_without_certificate",
                    user_id=user.id,
                )
            cert = envelope_cert(record.pem)
        tender.custodians.append(
            TenderCustodian(
                x=x,
                user_id=user.id if user else None,
                role=role,
                certificate_fingerprint=envelope_keys.fingerprint(cert),
                certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            )
        )
    if len(tender.custodians) < tender.custodian_threshold:
        raise RuleViolation("fewer custodians than the threshold", code="too_few_custodians")


def envelope_cert(pem: str):  # noqa: ANN201 - x509.Certificate
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem.encode())


def sealing_descriptor(tender_id: int) -> dict:
    """What a bidder's offline sealing tool needs: the tender, its custodians' encryption
    certificates, the threshold, the summary schema and the credit commitment to sign."""
    tender = db.session.get(Tender, tender_id)
    if tender is None or tender.state not in (TenderState.PUBLISHED, TenderState.SUSPENDED):
        raise NotFound(f"no tender {tender_id} open for bids", code="tender_not_found")
    return {
        "format": DESCRIPTOR_FORMAT,
        "suite": envelope.SUITE,
        "tender": {
            "id": tender.id,
            "reference": tender.reference,
            "title": tender.title,
            "bid_deadline": tender.bid_deadline.isoformat(),
            "lots": [lot.number for lot in tender.lots],
        },
        "threshold": tender.custodian_threshold,
        "chunk_size": envelope.DEFAULT_CHUNK,
        "custodians": [
            {
                "x": c.x,
                "role": c.role,
                "fingerprint": c.certificate_fingerprint,
                "certificate": c.certificate_pem,
            }
            for c in tender.custodians
        ],
        "summary_schema": rules.summary_schema([lot.number for lot in tender.lots]),
        "commitment": rules.commitment_text(tender.reference),
        "ca_chain": pki.chain_pems(),
    }
