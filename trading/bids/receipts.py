"""The signed receipt of a sealed bid (bidhall-receipt/1): signed in the bid's own unit, naming its
ledger seq; verify_receipt checks one offline."""

from __future__ import annotations

import json

from sqlalchemy import func, select
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
        "submission": submission_number(session, bid),
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


def submission_number(session: Session, bid: Bid) -> int:
    """The bid's number among its bidder's submissions for the same tender and lot (1, 2, ...:
    replaced and withdrawn ones count). It is what the receipt and the bidder's list name the
    bid by: a number within the tender would tell the bidder how many others had bid, which
    nobody may learn before the opening (Tender Law Art 22)."""
    earlier = session.scalar(
        select(func.count())
        .select_from(Bid)
        .where(
            Bid.tender_id == bid.tender_id,
            Bid.lot_number == bid.lot_number,
            Bid.organisation_id == bid.organisation_id,
            Bid.id < bid.id,
        )
    )
    return (earlier or 0) + 1


def submission_numbers(bids: list[Bid]) -> dict[int, int]:
    """``submission_number`` of each of one bidder's bids for one tender, from the list itself."""
    numbers: dict[int, int] = {}
    counts: dict[int, int] = {}
    for bid in sorted(bids, key=lambda b: b.id):
        counts[bid.lot_number] = counts.get(bid.lot_number, 0) + 1
        numbers[bid.id] = counts[bid.lot_number]
    return numbers


def verify_receipt(document: dict, root_pem: str | None = None) -> dict:
    """Check a receipt offline: the platform's signature, and its certificate chain up to the
    given root (or the embedded one). Returns the receipt body."""
    return signed.verify(document, "receipt", RECEIPT_FORMAT, "receipt", root_pem)
