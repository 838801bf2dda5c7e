"""The signed receipt of a sealed bid (bidhall-receipt/1): signed in the bid's own unit, naming its
ledger seq; verify_receipt checks one offline."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from bidhall.crypto import signed
from trading.bids.models import Bid
from trading.tenders.models import Tender

RECEIPT_FORMAT = "bidhall-receipt/1"


def sign_receipt(session: Session, bid: Bid, tender: Tender, seq: int | None) -> None:
    body = {
        "format": RECEIPT_FORMAT,
        "tender": {"id": tender.id, "reference": tender.reference},
        "bid_id": bid.id,
        "lot": bid.lot_number,
        "bidder": {"organisation_id": bid.organisation_id, "user_id": bid.user_id},
        "manifest_sha256": bid.manifest_sha256,
        "size": bid.size,
        "received_at": bid.received_at.isoformat(),
        "ledger_seq": seq,
        "supersedes_bid_id": bid.supersedes_id,
    }
    bid.receipt = json.dumps(signed.sign(body, "receipt"), sort_keys=True, ensure_ascii=False)
    bid.ledger_seq = seq
    session.flush()


def verify_receipt(document: dict, root_pem: str | None = None) -> dict:
    """Check a receipt offline: the platform's signature, and its certificate chain up to the
    given root (or the embedded one). Returns the receipt body."""
    return signed.verify(document, "receipt", RECEIPT_FORMAT, "receipt", root_pem)
