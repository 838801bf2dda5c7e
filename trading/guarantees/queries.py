"""Lookups the guarantee modules share: a tender as bidders see it, the guarantee in force, the
sealed bid, the deposit held, rows locked for update, and the role check."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall.db import db, fetch_one
from bidhall.errors import NotFound, RuleViolation
from trading.bids.models import Bid, BidState
from trading.guarantees.models import Deposit, DepositState, Guarantee, GuaranteeState
from trading.tenders.models import Tender

# a guarantee "in force": it backs its binding and no obligation to release it is open
IN_FORCE = (Guarantee.state == GuaranteeState.ACTIVE, Guarantee.release_due_at.is_(None))


def guarantees_in_force(
    session: Session, tender_id: int, lot: int, organisation_id: int
) -> list[Guarantee]:
    return list(
        session.scalars(
            select(Guarantee)
            .where(
                Guarantee.tender_id == tender_id,
                Guarantee.lot_number == lot,
                Guarantee.applicant_organisation_id == organisation_id,
                *IN_FORCE,
            )
            .order_by(Guarantee.id)
        )
    )


def current_guarantee(
    session: Session, tender_id: int, lot: int, organisation_id: int
) -> Guarantee | None:
    guarantees = guarantees_in_force(session, tender_id, lot, organisation_id)
    return guarantees[-1] if guarantees else None


def sealed_bid(session: Session, tender_id: int, lot: int, organisation_id: int) -> Bid | None:
    return session.scalar(
        select(Bid).where(
            Bid.tender_id == tender_id,
            Bid.lot_number == lot,
            Bid.organisation_id == organisation_id,
            Bid.state == BidState.SEALED,
        )
    )


def held_deposit(
    session: Session, tender_id: int, lot: int, organisation_id: int
) -> Deposit | None:
    return session.scalar(
        select(Deposit)
        .where(
            Deposit.tender_id == tender_id,
            Deposit.lot_number == lot,
            Deposit.organisation_id == organisation_id,
            Deposit.state == DepositState.HELD,
            Deposit.refund_due_at.is_(None),
        )
        .order_by(Deposit.id.desc())
        .limit(1)
    )


def published_tender(
    session: Session, tender_id: int, *, for_update: bool = False, missing: str = "tender_not_found"
) -> Tender:
    tender = fetch_one(session, Tender, tender_id, lock=for_update)
    if tender is None or not tender.was_published:
        if missing == "wrong_tender":
            raise RuleViolation(f"no published tender {tender_id}", code="wrong_tender")
        raise NotFound(f"no tender {tender_id}", code=missing)
    return tender


def locked_guarantee(session: Session, guarantee_id: int) -> Guarantee:
    guarantee = fetch_one(session, Guarantee, guarantee_id, lock=True)
    if guarantee is None:
        raise NotFound(f"no guarantee {guarantee_id}", code="guarantee_not_found")
    return guarantee


def locked_deposit(session: Session, deposit_id: int) -> Deposit:
    deposit = fetch_one(session, Deposit, deposit_id, lock=True)
    if deposit is None:
        raise NotFound(f"no deposit {deposit_id}", code="deposit_not_found")
    return deposit


def due_for_return(tender_id: int) -> tuple[list[int], list[int]]:
    """The tender's guarantees due for release and cash deposits due for refund, not yet done:
    (guarantee ids, deposit ids), oldest obligation first."""
    guarantees = db.session.scalars(
        select(Guarantee.id)
        .where(
            Guarantee.tender_id == tender_id,
            Guarantee.release_due_at.is_not(None),
            Guarantee.released_at.is_(None),
            Guarantee.state.in_([GuaranteeState.ACTIVE, GuaranteeState.SUPERSEDED]),
        )
        .order_by(Guarantee.release_due_at, Guarantee.id)
    )
    deposits = db.session.scalars(
        select(Deposit.id)
        .where(
            Deposit.tender_id == tender_id,
            Deposit.refund_due_at.is_not(None),
            Deposit.state == DepositState.HELD,
        )
        .order_by(Deposit.refund_due_at, Deposit.id)
    )
    return list(guarantees), list(deposits)
