"""What each reader may see of a tender's awards: the public sees the candidates once their
publicity starts and the result once decided; the tender's managers and the supervisors see
everything and every objection; a bidder sees its own objections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from bidhall.accounts.models import User
from bidhall.db import db
from bidhall.errors import NotFound
from trading.award import services
from trading.award.models import Award, AwardObjection
from trading.award.rules import AwardState
from trading.award.services import may_see_everything
from trading.tenders.queries import get_visible_tender


def awards_of(tender_id: int) -> Sequence[Award]:
    return list(
        db.session.scalars(
            select(Award).where(Award.tender_id == tender_id).order_by(Award.lot_number)
        )
    )


def get_award(award_id: int) -> Award:
    award = db.session.get(Award, award_id)
    if award is None:
        raise NotFound(f"no award {award_id}", code="award_not_found")
    return award


def objections_of(
    user: User | None, award: Award, everything: bool | None = None
) -> Sequence[AwardObjection]:
    """All of them for the managers and supervisors, a bidder's own to a bidder, else none."""
    query = select(AwardObjection).where(AwardObjection.award_id == award.id)
    if everything is None:
        everything = may_see_everything(user, award)
    if not everything:
        organisation = getattr(user, "organisation_id", None)
        if organisation is None:
            return []
        query = query.where(AwardObjection.organisation_id == organisation)
    return list(db.session.scalars(query.order_by(AwardObjection.id)))


def is_public(award: Award) -> bool:
    return award.state != AwardState.REPORTED


def view(user: User | None, award: Award, everything: bool | None = None) -> dict[str, Any]:
    """The award as ``user`` may see it (the JSON API's shape); ``everything`` gives the
    managers' whole view whoever asks (the record the archive keeps)."""
    if everything is None:
        everything = may_see_everything(user, award)
    shown: dict[str, Any] = {
        "id": award.id,
        "tender_id": award.tender_id,
        "lot": award.lot_number,
        "state": award.state,
        "method": award.method,
    }
    if award.lottery_seed_sha256 is not None and (everything or is_public(award)):
        shown["lottery"] = {
            "seed_sha256": award.lottery_seed_sha256,
            "committed_at": award.lottery_committed_at.isoformat(),
        }
    if everything:
        shown["report_received_at"] = award.report_received_at.isoformat()
        shown["publish_due_at"] = award.publish_due_at.isoformat()
    if everything or is_public(award):
        shown["candidates"] = [
            {k: c[k] for k in ("rank", "bidder", "price", "evaluated_price", "score")}
            for c in award.candidates
        ]
    if award.publicity_start is not None:
        shown["publicity"] = {
            "start": award.publicity_start.isoformat(),
            "end": award.publicity_end.isoformat(),
            "published_by": award.published_by,
        }
    if award.decided_at is not None:
        winner = next(c for c in award.candidates if c["bid_id"] == award.winner_bid_id)
        shown["award"] = {
            "bidder": winner["bidder"],
            "rank": award.winner_rank,
            "amount": str(award.award_amount),
            "decided_at": award.decided_at.isoformat(),
            "reason": award.decision_reason,
            "note": award.decision_note,
        }
        shown["award"].update(_detail(award, everything))
        if everything:
            shown["award"]["contract_due_at"] = award.contract_due_at.isoformat()
    if award.contract is not None:
        shown["contract"] = {
            "amount": str(award.contract.amount),
            "signed_on": award.contract.signed_on.isoformat(),
        }
        if everything:
            shown["contract"]["performance_security"] = str(award.contract.performance_security)
    objections = objections_of(user, award, everything)
    if objections or everything:
        shown["objections"] = [
            {
                "id": o.id,
                "body": o.body,
                "raised_at": o.raised_at.isoformat(),
                "answer_due_at": o.answer_due_at.isoformat(),
                "answer": o.answer,
                "answered_at": o.answered_at.isoformat() if o.answered_at else None,
            }
            for o in objections
        ]
    return shown


def visible_awards(user: User | None, tender_id: int) -> list[dict[str, Any]]:
    """The tender's awards as ``user`` may see them (the tender itself must be visible)."""
    get_visible_tender(user, tender_id)
    return [view(user, award) for award in awards_of(tender_id)]


def records(tender_id: int) -> list[dict[str, Any]]:
    """Every award of the tender whole, as the managers see it: the record for the archive."""
    return [view(None, award, everything=True) for award in awards_of(tender_id)]


def require_manager(user: User | None, award_id: int) -> Award:
    """Refuse early anyone who may not manage the award's tender (the use case checks again)."""
    from trading.tenders.queries import check_manager

    award = get_award(award_id)
    check_manager(user, award.tender)
    return award


def is_bidder(user: User | None, tender_id: int) -> bool:
    """Whether ``user``'s organisation has a bid standing in the tender."""
    return services.is_bidder(db.session, user, tender_id)


def _detail(award: Award, everything: bool) -> dict[str, Any]:
    """How the method reached the winner, as the public may see it: the votes per candidate and
    each reason (the members' names to the managers and supervisors only), the prices compared,
    the lottery's seed and order."""
    detail = award.decision_detail or {}
    if award.method == "committee_vote":
        ballots = [
            {k: b[k] for k in ("member", "choice", "reason") if everything or k != "member"}
            for b in detail.get("ballots", [])
        ]
        return {"votes": detail.get("votes"), "ballots": ballots}
    if award.method == "price_competition":
        return {"prices": detail.get("prices")}
    if award.method == "lottery":
        return {"seed": detail.get("seed"), "order": detail.get("order")}
    return {}


def lottery_document(award_id: int) -> dict[str, Any]:
    """The drawn lottery's document (rules.lottery_document), public once the award is decided."""
    award = get_award(award_id)
    if award.method != "lottery" or award.decided_at is None:
        raise NotFound("no drawn lottery for this award", code="lottery_not_drawn")
    return dict(award.decision_detail or {})
