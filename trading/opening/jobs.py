"""The opening's tick: start the openings that are due, expire the decryption windows, begin the
reading out once every bid is decided."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.db import db
from bidhall.events import emit
from trading.bids.models import Bid, BidState
from trading.opening.hall import bids_in_order, load_tender, opening_of, post
from trading.opening.models import Opening
from trading.opening.rules import (
    MIN_BIDS,
    OPENED,
    SYSTEM,
    UNDECIDED,
    Outcome,
    Phase,
    decrypt_window,
    shares_due,
)
from trading.tenders.models import Tender, TenderState


def tick(now: datetime) -> list[dict]:
    """Start the openings that are due, close the decryption windows that ended, and mark the
    documents of the bids read out (``marks``: what the origin screens compare)."""
    starting = list(
        db.session.scalars(
            select(Tender.id)
            .outerjoin(Opening, Opening.tender_id == Tender.id)
            .where(
                Tender.state == TenderState.CLOSED,
                Tender.bid_deadline <= now,
                (Opening.id.is_(None)) | (Opening.phase == Phase.WAITING),
            )
        )
    )
    due = list(
        db.session.scalars(
            select(Opening.tender_id).where(
                Opening.next_check_at.is_not(None), Opening.next_check_at <= now
            )
        )
    )
    db.session.rollback()
    results = []
    for tender_id in starting:
        with db.transaction() as session:
            tender = load_tender(session, tender_id, lock=True)
            opening = opening_of(session, tender)
            if opening.phase == Phase.WAITING and tender.state == TenderState.CLOSED:
                results.append(
                    {"tender_id": tender_id, "opening": _start(session, tender, opening)}
                )
    for tender_id in due:
        with db.transaction() as session:
            tender = load_tender(session, tender_id, lock=True)
            opening = opening_of(session, tender)
            if tender.state != TenderState.CLOSED:
                opening.next_check_at = None  # terminated during the opening: nothing more due
                continue
            if opening.next_check_at is not None and opening.next_check_at <= now:
                happened = _expire(session, tender, opening, now)
                if happened:
                    results.append({"tender_id": tender_id, "expired": happened})
    from trading.opening import marks  # it reads the documents key: keys.py imports this module

    marked = marks.tick(now)
    if marked:
        results.append({"marked": marked})
    return results


def _start(session: Session, tender: Tender, opening: Opening) -> str:
    now = clock.now()
    bids = list(
        session.scalars(
            select(Bid)
            .where(Bid.tender_id == tender.id, Bid.state == BidState.SEALED)
            .order_by(Bid.lot_number, Bid.ledger_seq, Bid.id)
        )
    )
    per_lot: dict[int, int] = {}
    for bid in bids:
        per_lot[bid.lot_number] = per_lot.get(bid.lot_number, 0) + 1
    failed_lots = sorted(lot.number for lot in tender.lots if per_lot.get(lot.number, 0) < MIN_BIDS)
    opening.started_at = tender.bid_deadline
    opening.read_order = [bid.id for bid in bids]
    for bid in bids:
        bid.opening_outcome = (
            Outcome.LOT_FAILED if bid.lot_number in failed_lots else Outcome.PENDING
        )
    listed = [
        {
            "bid_no": number,
            "lot": bid.lot_number,
            "manifest_sha256": bid.manifest_sha256,
            "received_at": bid.received_at.isoformat(),
        }
        for number, bid in enumerate(bids, start=1)
    ]
    counts = {str(lot.number): per_lot.get(lot.number, 0) for lot in tender.lots}
    if len(failed_lots) == len(tender.lots):
        opening.phase = Phase.FAILED
        opening.failed_reason = (
            f"fewer than {MIN_BIDS} bids were received "
            f"({', '.join(f'lot {k}: {v}' for k, v in counts.items())}): the opening does not "
            "take place and the tender is to be re-tendered (Regs Art 44)"
        )
        opening.next_check_at = None
        tender.state = TenderState.FAILED
        post(
            session,
            opening,
            SYSTEM,
            "failed",
            reason=opening.failed_reason,
            bids=listed,
            per_lot=counts,
        )
        emit("tender.failed", SYSTEM, tender_id=tender.id, reason="too_few_bids", per_lot=counts)
        return "failed"
    opening.phase = Phase.DECRYPTING
    opening.decrypt_deadline = now + decrypt_window(tender)
    post(
        session,
        opening,
        SYSTEM,
        "bids_locked",
        bids=listed,
        per_lot=counts,
        failed_lots=failed_lots,
        decrypt_deadline=opening.decrypt_deadline.isoformat(),
    )
    reschedule(opening, tender, session)
    advance(session, tender, opening)
    return "decrypting"


def _expire(session: Session, tender: Tender, opening: Opening, now: datetime) -> list[str]:
    happened = []
    for number, bid in bids_in_order(session, opening):
        if bid.opening_outcome == Outcome.PENDING and now >= opening.decrypt_deadline:
            bid.opening_outcome = Outcome.REVOKED
            post(
                session,
                opening,
                SYSTEM,
                "revoked",
                bid_no=number,
                reason="not decrypted within the window (the bidder's fault)",
            )
            emit(
                "bid.revoked",
                SYSTEM,
                tender_id=tender.id,
                bid_id=bid.id,
                organisation_id=bid.organisation_id,
                guarantee_claimable=tender.claim_on_revocation,
            )
            happened.append(f"revoked:{bid.id}")
        elif bid.opening_outcome == Outcome.EXCUSED and now >= shares_due(bid, tender):
            bid.opening_outcome = Outcome.WITHDRAWN
            post(
                session,
                opening,
                SYSTEM,
                "withdrawn",
                bid_no=number,
                reason="the custodians' shares did not reconstruct the keys in time",
            )
            emit(
                "bid.treated_as_withdrawn",
                SYSTEM,
                tender_id=tender.id,
                bid_id=bid.id,
                organisation_id=bid.organisation_id,
            )
            happened.append(f"withdrawn:{bid.id}")
    reschedule(opening, tender, session)
    advance(session, tender, opening)
    return happened


def advance(session: Session, tender: Tender, opening: Opening) -> None:
    """Once every bid is decided, the reading out begins."""
    if opening.phase != Phase.DECRYPTING:
        return
    bids = bids_in_order(session, opening)
    if any(bid.opening_outcome in UNDECIDED for _, bid in bids):
        return
    opening.phase = Phase.READING
    opening.reading_started_at = clock.now()
    opening.next_check_at = None
    opened = sum(1 for _, bid in bids if bid.opening_outcome in OPENED)
    post(session, opening, SYSTEM, "reading_started", bids=len(bids), opened=opened)


def reschedule(opening: Opening, tender: Tender, session: Session) -> None:
    times = []
    for _, bid in bids_in_order(session, opening):
        if bid.opening_outcome == Outcome.PENDING:
            times.append(opening.decrypt_deadline)
        elif bid.opening_outcome == Outcome.EXCUSED:
            times.append(shares_due(bid, tender))
    opening.next_check_at = min(times) if times else None
