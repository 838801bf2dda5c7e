"""Key handling in the opening hall: the envelopes a caller may unlock, the keys checked against
the ciphertext, the custodians' shares, and the documents key kept for the evaluation."""

from __future__ import annotations

import base64
import binascii

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock, storage
from bidhall.accounts.models import User
from bidhall.crypto import services as pki
from bidhall.db import db
from bidhall.envelope import format as envelope_format
from bidhall.envelope import keys as envelope
from bidhall.envelope import reading as envelope_reading
from bidhall.envelope import unsealing
from bidhall.errors import Conflict, InvalidInput
from bidhall.events import emit
from trading.bids.models import Bid
from trading.bids.queries import guard_opening
from trading.opening.hall import (
    bid_number,
    bids_in_order,
    custodian_of,
    enter,
    find_opening,
    is_own,
    post,
)
from trading.opening.jobs import advance
from trading.opening.models import (
    CustodianShare,
    Opening,
)
from trading.opening.rules import SYSTEM, UNDECIDED, HallRole, Outcome, Phase
from trading.tenders.models import Tender, TenderCustodian


def envelope_headers(user: User, tender_id: int) -> list[dict]:
    """The headers (wrapped keys, never plaintext) of the envelopes the caller can unlock: a
    bidder its own bids, a custodian the excused bids awaiting its shares. Before the opening
    time this is refused and recorded like any other key request."""
    role, tender = enter(user, tender_id)
    opening = find_opening(db.session, tender_id)
    guard_time(user, tender, None, "envelope_headers")
    if opening is None or opening.phase != Phase.DECRYPTING:
        raise Conflict("the hall is not in its decryption window", code="not_decrypting")
    custodian = custodian_of(db.session, tender.id, user)
    result = []
    for number, bid in bids_in_order(db.session, opening):
        mine = role == HallRole.BIDDER and is_own(user, bid) and bid.opening_outcome in UNDECIDED
        shares = custodian is not None and bid.opening_outcome == Outcome.EXCUSED
        if not (mine or shares):
            continue
        with storage.get().open(bid.storage_key) as stream:
            sealed = envelope_reading.inspect(stream, hash_sections=False)
        result.append(
            {
                "bid_id": bid.id,
                "bid_no": number,
                "lot": bid.lot_number,
                "as": "holder" if mine else "custodian",
                "custodian_fingerprint": custodian.certificate_fingerprint if shares else None,
                "header": sealed.header,
            }
        )
    return result


def guard_time(user: User, tender: Tender, bid_id: object, what: str) -> None:
    guard_opening(user, tender, bid_id if isinstance(bid_id, int) else None, what)


def hand_in_platform_share(session: Session, tender: Tender, opening: Opening, bid: Bid) -> None:
    """The platform is one of the custodians: its shares of an excused bid go in at once."""
    platform = session.scalar(
        select(TenderCustodian).where(
            TenderCustodian.tender_id == tender.id, TenderCustodian.role == "platform"
        )
    )
    if platform is not None:
        private, _ = pki.platform_custodian()
        with storage.get().open(bid.storage_key) as stream:
            header = envelope_reading.inspect(stream, hash_sections=False).header
        shares = unsealing.opening_secrets(header, private, platform.certificate_fingerprint)
        take_share(session, tender, opening, bid, platform, None, shares)


def take_share(
    session: Session,
    tender: Tender,
    opening: Opening,
    bid: Bid,
    custodian: TenderCustodian,
    user: User | None,
    shares: dict[str, bytes],
) -> dict:
    """Take one custodian's shares of an excused bid; with the threshold reached, reconstruct
    its keys and open it (``user`` None: the platform's own shares)."""
    existing = session.scalar(
        select(CustodianShare).where(
            CustodianShare.bid_id == bid.id, CustodianShare.x == custodian.x
        )
    )
    if existing is not None:
        raise Conflict("this custodian's shares are already in", code="share_already_in")
    session.add(
        CustodianShare(
            bid_id=bid.id,
            x=custodian.x,
            user_id=user.id if user else None,
            submitted_at=clock.now(),
            summary_share=shares["summary"].hex(),
            documents_share=shares["documents"].hex(),
        )
    )
    session.flush()
    rows = list(session.scalars(select(CustodianShare).where(CustodianShare.bid_id == bid.id)))
    number = bid_number(opening, bid)
    actor = user if user is not None else SYSTEM
    if len(rows) < tender.custodian_threshold:
        seq = post(
            session,
            opening,
            actor,
            "share_received",
            bid_no=number,
            custodian=custodian.role,
            shares=len(rows),
            threshold=tender.custodian_threshold,
        )
        return {"seq": seq, "bid_no": number, "shares": len(rows), "recovered": False}
    keys = {
        section: envelope.combine_shares(
            [(r.x, bytes.fromhex(getattr(r, f"{section}_share"))) for r in rows]
        )
        for section in envelope_format.SECTIONS
    }
    try:
        summary = check_keys(bid, keys["summary"], keys["documents"])
    except envelope_format.EnvelopeRefused:
        raise Conflict(
            "the shares handed in do not reconstruct this bid's keys: a share is wrong",
            code="shares_do_not_match",
        ) from None
    for r in rows:  # used: erase them, keep the fact of submission
        r.summary_share = None
        r.documents_share = None
    open_bid(session, opening, bid, summary, keys["summary"], keys["documents"])
    bid.opening_outcome = Outcome.RECOVERED
    seq = post(
        session,
        opening,
        actor,
        "recovered",
        bid_no=number,
        custodian=custodian.role,
        shares=len(rows),
    )
    emit(
        "bid.decrypted",
        actor,
        tender_id=tender.id,
        bid_id=bid.id,
        section="both",
        path="custodians",
    )
    advance(session, tender, opening)
    return {"seq": seq, "bid_no": number, "shares": len(rows), "recovered": True}


def parse_key(data: dict, field: str) -> bytes:
    try:
        key = base64.b64decode(data[field], validate=True)
        assert len(key) == 32
    except (KeyError, binascii.Error, AssertionError, TypeError, ValueError):
        raise InvalidInput(
            f"{field}: the 32-byte key in base64", code="invalid_key", field=field
        ) from None
    return key


def check_keys(bid: Bid, summary_key: bytes, documents_key: bytes) -> dict:
    """The keys are accepted only if they decrypt and authenticate the bid's own ciphertext:
    the whole summary, and the documents' first chunk (the whole documents ciphertext was
    checked against the bidder's signed manifest on receipt)."""
    with storage.get().open(bid.storage_key) as stream:
        sealed = envelope_reading.inspect(stream, hash_sections=False)
        summary = unsealing.read_summary(stream, sealed, summary_key)
        unsealing.check_first_chunk(stream, sealed, "documents", documents_key)
    return summary


def open_bid(
    session: Session,
    opening: Opening,
    bid: Bid,
    summary: dict,
    summary_key: bytes,
    documents_key: bytes,
) -> None:
    """Keep what the keys opened: the summary and its key, the documents key wrapped to the
    platform (for the evaluation)."""
    _, platform_cert = pki.platform_custodian()
    bid.summary_key = summary_key.hex()
    bid.summary = summary
    bid.decrypted_at = clock.now()
    bid.opening_outcome = Outcome.DECRYPTED
    bid.documents_key_wrapped = envelope.wrap_key(
        documents_key, platform_cert, documents_key_context(bid)
    )


def documents_key_context(bid: Bid) -> str:
    return f"bidhall-opening/1/documents/{bid.tender_id}/{bid.id}"


def documents_key(bid: Bid) -> bytes:
    """The documents data key of an opened bid, for the evaluation (platform side only)."""
    if bid.documents_key_wrapped is None:
        raise Conflict("this bid's documents were not opened", code="not_decrypted")
    private, _ = pki.platform_custodian()
    return envelope.unwrap_key(bid.documents_key_wrapped, private, documents_key_context(bid))
