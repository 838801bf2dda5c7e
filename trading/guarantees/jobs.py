"""Scheduled and event-driven guarantee work: ``tick`` reports refunds and releases still not done
after their deadline; ``install`` subscribes to bid and tender events to bind guarantees and
open release and refund obligations in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall.db import db
from bidhall.events import Event, emit, subscribe
from trading.bids.models import Bid
from trading.guarantees.deposits import schedule_refund
from trading.guarantees.models import Deposit, DepositState, Guarantee, GuaranteeState
from trading.guarantees.queries import (
    IN_FORCE,
    current_guarantee,
    held_deposit,
    locked_deposit,
    locked_guarantee,
)
from trading.guarantees.services import bind_guarantee, schedule_release

# --- wiring -------------------------------------------------------------------------------------


def install() -> None:
    """React to the events of bids and tenders (the shell calls it after audit's install)."""
    subscribe(_on_event)


# --- the tick: overdue refunds and releases -----------------------------------------------------


@dataclass(frozen=True)
class TickResult:
    """What the tick reported for one tender (the shape `bidhall tick` prints)."""

    tender_id: int
    happened: tuple[str, ...]  # e.g. "guarantee_release_overdue:12", "deposit_refund_overdue:3"


def tick(now: datetime) -> list[TickResult]:
    """Report each refund or release still not done after its deadline, once."""
    late_guarantees = list(
        db.session.scalars(
            select(Guarantee.id).where(
                Guarantee.release_due_at < now,
                Guarantee.released_at.is_(None),
                Guarantee.state.in_([GuaranteeState.ACTIVE, GuaranteeState.SUPERSEDED]),
                Guarantee.release_overdue_reported.is_(False),
            )
        )
    )
    late_deposits = list(
        db.session.scalars(
            select(Deposit.id).where(
                Deposit.refund_due_at < now,
                Deposit.state == DepositState.HELD,
                Deposit.refund_overdue_reported.is_(False),
            )
        )
    )
    db.session.rollback()  # end the read snapshot; each record gets its own unit of work
    happened: dict[int, list[str]] = {}
    for guarantee_id in late_guarantees:
        with db.transaction() as session:
            guarantee = locked_guarantee(session, guarantee_id)
            if guarantee.release_overdue_reported or guarantee.released_at is not None:
                continue  # another worker got here first, or it was released meanwhile
            guarantee.release_overdue_reported = True
            emit(
                "guarantee.release_overdue",
                "system:tick",
                guarantee_id=guarantee.id,
                tender_id=guarantee.tender_id,
                reason=guarantee.release_reason,
                due_at=guarantee.release_due_at.isoformat(),
            )
            happened.setdefault(guarantee.tender_id, []).append(
                f"guarantee_release_overdue:{guarantee.id}"
            )
    for deposit_id in late_deposits:
        with db.transaction() as session:
            deposit = locked_deposit(session, deposit_id)
            if deposit.refund_overdue_reported or deposit.state != DepositState.HELD:
                continue
            deposit.refund_overdue_reported = True
            emit(
                "deposit.refund_overdue",
                "system:tick",
                deposit_id=deposit.id,
                tender_id=deposit.tender_id,
                reason=deposit.refund_reason,
                due_at=deposit.refund_due_at.isoformat(),
            )
            happened.setdefault(deposit.tender_id, []).append(
                f"deposit_refund_overdue:{deposit.id}"
            )
    return [TickResult(tender_id, tuple(items)) for tender_id, items in sorted(happened.items())]


# --- reacting to bids and tenders ---------------------------------------------------------------


def _on_event(session: Session, event: Event) -> None:
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        handler(session, event)


def _on_bid_sealed(session: Session, event: Event) -> None:
    """A newly sealed bid is backed by the bidder's guarantee in force, if it has one."""
    bid = session.get(Bid, event.payload["bid_id"])
    if bid is None or session.scalar(
        select(Guarantee.id).where(Guarantee.bid_id == bid.id, *IN_FORCE)
    ):
        return
    guarantee = current_guarantee(session, bid.tender_id, bid.lot_number, bid.organisation_id)
    if guarantee is not None and guarantee.bid_id is None:
        bind_guarantee(guarantee, bid, event.actor)


def _on_bid_superseded(session: Session, event: Event) -> None:
    """A replaced bid hands its guarantee to the bid that replaces it: still one bid."""
    new_bid = session.get(Bid, event.payload["by_bid_id"])
    for guarantee in session.scalars(
        select(Guarantee).where(Guarantee.bid_id == event.payload["bid_id"], *IN_FORCE)
    ):
        bind_guarantee(guarantee, new_bid, event.actor, replaces_bid_id=event.payload["bid_id"])


def _on_bid_withdrawn(session: Session, event: Event) -> None:
    """Withdrawn before the deadline: its guarantee released and deposit refunded within 5 days
    of the notice (Regs Art 35)."""
    bid = session.get(Bid, event.payload["bid_id"])
    if bid is None:
        return
    for guarantee in session.scalars(
        select(Guarantee).where(Guarantee.bid_id == bid.id, *IN_FORCE)
    ):
        schedule_release(guarantee, "withdrawal", event.at, event.actor)
    deposit = held_deposit(session, bid.tender_id, bid.lot_number, bid.organisation_id)
    if deposit is not None:
        schedule_refund(deposit, "withdrawal", event.at, event.actor)


def _return_everything(reason: str) -> Callable[[Session, Event], None]:
    """Every guarantee and deposit of the tender is due back: on termination (Regs Art 31) or
    once the contract is signed (Regs Art 57, the winner's and the others' alike)."""

    def handle(session: Session, event: Event) -> None:
        tender_id = event.payload["tender_id"]
        for guarantee in session.scalars(
            select(Guarantee).where(
                Guarantee.tender_id == tender_id,
                Guarantee.state.in_([GuaranteeState.ACTIVE, GuaranteeState.SUPERSEDED]),
                Guarantee.release_due_at.is_(None),
            )
        ):
            schedule_release(guarantee, reason, event.at, event.actor)
        for deposit in session.scalars(
            select(Deposit).where(
                Deposit.tender_id == tender_id,
                Deposit.state == DepositState.HELD,
                Deposit.refund_due_at.is_(None),
            )
        ):
            schedule_refund(deposit, reason, event.at, event.actor)

    return handle


_HANDLERS: dict[str, Callable[[Session, Event], None]] = {
    "bid.sealed": _on_bid_sealed,
    "bid.superseded": _on_bid_superseded,
    "bid.withdrawn": _on_bid_withdrawn,
    "tender.terminated": _return_everything("termination"),
    # emitted by the contract module when a contract is signed (payload: tender_id)
    "contract.signed": _return_everything("contract_signed"),
}
