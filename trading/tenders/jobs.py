"""The tender's clock, run by the scheduler's tick: issue windows, deadlines and the
objection-window reschedules, each an idempotent step in its own unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bidhall.db import db
from bidhall.events import emit
from trading.tenders.models import (
    Tender,
    TenderState,
)
from trading.tenders.queries import count_holders, load_tender, open_objections
from trading.tenders.services import reschedule

# --- time-driven transitions (called by the tick only) ------------------------------------------


@dataclass(frozen=True)
class TickResult:
    tender_id: int
    happened: tuple[str, ...]


def tick(now: datetime) -> list[TickResult]:
    """Run every transition that is due. Idempotent: a second call at the same time does nothing."""
    due_ids = list(
        db.session.scalars(
            select(Tender.id)
            .where(Tender.next_check_at.is_not(None), Tender.next_check_at <= now)
            .order_by(Tender.next_check_at)
        )
    )
    db.session.rollback()  # end the read snapshot; each tender gets its own unit of work
    results = []
    for tender_id in due_ids:
        happened = _tick_tender(tender_id, now)
        if happened:
            results.append(TickResult(tender_id, tuple(happened)))
    return results


def _tick_tender(tender_id: int, now: datetime) -> list[str]:
    happened: list[str] = []
    system = "system:tick"
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        if tender.next_check_at is None or tender.next_check_at > now:
            return happened  # another worker got here first
        if (
            tender.state in (TenderState.PUBLISHED, TenderState.SUSPENDED)
            and tender.download_closed_at is None
            and now >= tender.issue_end
        ):
            tender.download_closed_at = now
            emit(
                "tender.download_closed",
                system,
                tender_id=tender.id,
                holders=count_holders(session, tender.id),
            )
            happened.append("download_closed")
        for objection in open_objections(session, tender.id):
            if now > objection.answer_due_at and not objection.overdue_reported:
                objection.overdue_reported = True
                emit(
                    "tender.objection_overdue",
                    system,
                    tender_id=tender.id,
                    objection_id=objection.id,
                )
                happened.append("objection_overdue")
        if tender.state == TenderState.PUBLISHED and now >= tender.bid_deadline:
            tender.state = TenderState.CLOSED
            tender.closed_at = now
            emit(
                "tender.deadline_reached",
                system,
                tender_id=tender.id,
                bid_deadline=tender.bid_deadline.isoformat(),
            )
            happened.append("deadline_reached")
        reschedule(session, tender)
    return happened
