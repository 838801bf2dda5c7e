"""Re-tendering (Regs Art 44): the lots that failed — fewer than 3 bids at the opening, or every
bid rejected by the committee (its report named no candidate) — are tendered again on their own,
linked to the original, while its other lots go on; a tender that failed whole is re-tendered
the same way. The re-tender is a new draft: the agency revises it and files it again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.errors import Conflict
from bidhall.events import emit
from trading.award.models import Award
from trading.award.rules import AwardState
from trading.bids.models import Bid, BidState
from trading.opening.rules import Outcome
from trading.tenders import services
from trading.tenders.models import Tender, TenderDocument, TenderState
from trading.tenders.queries import check_manager, load_tender, rule_set_of
from trading.tenders.rules import LotTerms
from trading.tenders.schemas import TenderDraft


def failed_lots(session: Session, tender: Tender) -> list[int]:
    """The numbers of the tender's lots that failed: all of them when the tender failed at its
    opening; once it opened, each lot none of whose bids was opened, and each lot whose report
    named no candidate."""
    numbers = [lot.number for lot in tender.lots]
    if tender.state == TenderState.FAILED:
        return numbers
    if tender.state != TenderState.OPENED:
        return []
    opened = set(
        session.scalars(
            select(Bid.lot_number).where(
                Bid.tender_id == tender.id,
                Bid.state == BidState.SEALED,
                Bid.opening_outcome.is_not(None),
                Bid.opening_outcome != Outcome.LOT_FAILED,
            )
        )
    )
    rejected = set(
        session.scalars(
            select(Award.lot_number).where(
                Award.tender_id == tender.id, Award.state == AwardState.FAILED
            )
        )
    )
    return [n for n in numbers if n not in opened or n in rejected]


def retender_of(session: Session, tender_id: int) -> Tender | None:
    """The tender that re-tenders this one, if any."""
    return session.scalar(select(Tender).where(Tender.retender_of_id == tender_id))


def retender(actor: User, tender_id: int) -> Tender:
    """A new draft tendering the failed lots again, linked to the original: the same notice,
    criteria and documents (the agency revises them), the lots renumbered from 1, fresh dates at
    the rule set's minimum periods; it is filed and published like any tender."""
    with db.transaction() as session:
        original = load_tender(session, tender_id, for_update=True)
        check_manager(actor, original)
        lots = failed_lots(session, original)
        if not lots:
            raise Conflict("no lot of this tender failed", code="nothing_failed")
        if retender_of(session, original.id) is not None:
            raise Conflict("this tender was re-tendered already", code="already_retendered")
        draft = _draft(original, lots)
        tender = services.create_tender(actor, draft)
        tender.retender_of_id = original.id
        tender.retender_lots = lots
        for document in original.documents:
            session.add(
                TenderDocument(
                    tender_id=tender.id,
                    filename=document.filename,
                    content_type=document.content_type,
                    size=document.size,
                    sha256=document.sha256,
                    storage_key=document.storage_key,
                    uploaded_at=clock.now(),
                )
            )
        session.flush()
        emit(
            "tender.retendered",
            actor,
            tender_id=original.id,
            new_tender_id=tender.id,
            lots=lots,
            reason="failed" if original.state == TenderState.FAILED else "lots_failed",
        )
    return tender


def _draft(original: Tender, lots: Sequence[int]) -> TenderDraft:
    rule_set = rule_set_of(original.rule_set)
    start = (clock.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    by_number = {lot.number: lot for lot in original.lots}
    return TenderDraft(
        title=original.title,
        rule_set=original.rule_set,
        category=original.category,
        method=original.method,
        tenderer_id=original.tenderer_id,
        bid_validity_days=original.bid_validity_days,
        issue_start=start,
        issue_end=start + timedelta(days=rule_set.min_download_days + 1),
        bid_deadline=start + timedelta(days=rule_set.min_bid_days + 1),
        lots=[
            LotTerms(
                number=new_number,
                title=by_number[number].title,
                estimated_price=by_number[number].estimated_price,
                ceiling_price=by_number[number].ceiling_price,
                guarantee_amount=by_number[number].guarantee_amount,
            )
            for new_number, number in enumerate(lots, start=1)
        ],
        criteria=list(original.criteria),
        description=original.description,
        qualification=original.qualification,
        decrypt_window_minutes=original.decrypt_window_minutes,
        timezone=original.timezone,
        region=original.region,
        award_method=original.award_method,
    )


def links(tender: Tender) -> dict:
    """For the tender's pages: its failed lots, the tender that re-tenders it and the one it
    re-tenders (each None when there is none)."""
    return {
        "failed_lots": failed_lots(db.session, tender),
        "retendered_as": retender_of(db.session, tender.id),
        "retender_of": tender.retender_of,
    }
