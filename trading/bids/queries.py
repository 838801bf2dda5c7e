"""The read side of sealed bids: a bidder's own bids and summary, the counts and names that may be
disclosed and when (Tender Law Art 22), and the guard that refuses any key or plaintext before
the opening."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, NotFound
from bidhall.events import emit
from trading.bids import receipts, rules
from trading.bids.models import Bid, BidState
from trading.opening.models import Opening
from trading.tenders.models import Participation, Tender

logger = logging.getLogger(__name__)


# --- the guard before the opening ---------------------------------------------------------------


def read_bid_summary(actor: User, bid_id: int) -> dict:
    """A decrypted summary: to the bidder itself after the opening time (before it the attempt
    is refused and recorded); to the tender's managers and supervisors from the reading out,
    when the summary is announced with its bidder's name. Before that a bid is, to them, no
    bid at all (an attempt before the opening time is still recorded): a refusal that told a
    bid of the tender from no bid would let them count the bids by trying ids (Law Art 22)."""
    bid = db.session.get(Bid, bid_id)
    if bid is None:
        raise NotFound(f"no bid {bid_id}", code="bid_not_found")
    tender = db.session.get(Tender, bid.tender_id)
    from trading.tenders.queries import can_manage

    own = (
        getattr(actor, "organisation_id", None) == bid.organisation_id
        and getattr(actor, "role", None) == Role.BIDDER
    )
    staff = can_manage(actor, tender) or getattr(actor, "role", None) == Role.SUPERVISOR
    if not (own or staff):
        raise NotFound(f"no bid {bid_id}", code="bid_not_found")
    if not own and not disclosure(tender).names:
        try:
            guard_opening(actor, tender, bid.id, "summary")
        except Forbidden:
            pass
        raise NotFound(f"no bid {bid_id}", code="bid_not_found")
    guard_opening(actor, tender, bid.id, "summary")
    if bid.summary is None:
        raise Conflict("this bid has not been decrypted yet", code="not_decrypted")
    return bid.summary


def guard_opening(actor: User, tender: Tender, bid_id: int | None, what: str) -> None:
    """Refuse any key, share or plaintext request before the opening time, and record the
    attempt (``crypto.early_access_refused``) in a unit of its own, so that the refusal does
    not roll the record back."""
    now = clock.now()
    try:
        rules.check_opening_reached(tender.bid_deadline, now)
    except Forbidden:
        with db.transaction():
            emit(
                "crypto.early_access_refused",
                actor,
                tender_id=tender.id,
                bid_id=bid_id,
                requested=what,
                opening=tender.bid_deadline.isoformat(),
            )
        logger.warning("early %s request (tender %s, bid %s) refused", what, tender.id, bid_id)
        raise


# --- queries ------------------------------------------------------------------------------------


def my_bids(actor: User, tender_id: int) -> Sequence[Bid]:
    require_role(actor, Role.BIDDER)
    return list(
        db.session.scalars(
            select(Bid)
            .where(Bid.tender_id == tender_id, Bid.organisation_id == actor.organisation_id)
            .order_by(Bid.id)
        )
    )


def submission_count(actor: User, tender_id: int) -> Counts:
    """How many bids a tender's managers and supervisors may know of: none before the opening
    (Law Art 22), the count of sealed bids from it, never who."""
    from trading.tenders.queries import can_manage, get_tender

    tender = get_tender(tender_id)
    if not (can_manage(actor, tender) or getattr(actor, "role", None) == Role.SUPERVISOR):
        raise Forbidden("only the tender's managers and supervisors see submission counts")
    return counts(tender)


# --- what may be known of the participants (Law Art 22) -----------------------------------------


@dataclass(frozen=True)
class Counts:
    """How many firms hold a tender's documents and have a sealed bid in it, as far as anyone
    may know now: None until the counts are disclosed (``rules.disclosure``)."""

    tender_id: int
    opening: datetime  # the bid deadline: the counts are disclosed from it
    shown: rules.Disclosure
    holders: int | None
    sealed_bids: int | None


def disclosure(tender: Tender) -> rules.Disclosure:
    """What of this tender's participants may be shown now: its deadline and its opening
    hall's phase decide (``rules.disclosure``)."""
    return disclosures([tender])[tender.id]


def disclosures(tenders: Iterable[Tender]) -> dict[int, rules.Disclosure]:
    """``disclosure`` of several tenders with one query."""
    tenders = {tender.id: tender for tender in tenders}
    phases = dict(
        db.session.execute(
            select(Opening.tender_id, Opening.phase).where(Opening.tender_id.in_(list(tenders)))
        ).all()
    )
    now = clock.now()
    return {
        tender_id: rules.disclosure(tender.bid_deadline, now, phases.get(tender_id))
        for tender_id, tender in tenders.items()
    }


def counts(tender: Tender) -> Counts:
    """The tender's holders and sealed bids, counted only once they may be known."""
    shown = disclosure(tender)
    holders = sealed = None
    if shown.counts:
        holders = db.session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.tender_id == tender.id)
        )
        sealed = db.session.scalar(
            select(func.count())
            .select_from(Bid)
            .where(Bid.tender_id == tender.id, Bid.state == BidState.SEALED)
        )
    return Counts(tender.id, tender.bid_deadline, shown, holders, sealed)


def get_own_bid(actor: User, bid_id: int) -> Bid:
    return _own_bid(actor, bid_id)


def submission_number(bid: Bid) -> int:
    """The bid's number among its bidder's submissions for its lot (trading/bids/receipts.py)."""
    return receipts.submission_number(db.session, bid)


def _own_bid(actor: User, bid_id: int) -> Bid:
    bid = db.session.get(Bid, bid_id)
    if (
        bid is None
        or actor is None
        or actor.role != Role.BIDDER
        or bid.organisation_id != actor.organisation_id
    ):
        # another bidder's bid does not exist, as far as this caller can tell
        raise NotFound(f"no bid {bid_id} of yours", code="bid_not_found")
    return bid


def load_tender(session: Session, tender_id: int, *, for_update: bool = False) -> Tender:
    tender = fetch_one(session, Tender, tender_id, lock=for_update)
    if tender is None or not tender.was_published:
        raise NotFound(f"no tender {tender_id}", code="tender_not_found")
    return tender
