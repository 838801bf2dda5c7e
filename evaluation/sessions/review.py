"""The qualification and responsiveness review over the session's rows: every active member's
marks, what goes to a vote (any fail or veto), what the votes decided, the abnormally low prices,
and the bids that pass."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import config
from bidhall.errors import Conflict
from evaluation.scoring import rules as scoring
from evaluation.sessions import room, rules
from evaluation.sessions.models import EvaluationSession, ReviewMark, Vote
from evaluation.sessions.rules import Matter


def marks(session: Session, evaluation: EvaluationSession) -> list[ReviewMark]:
    active = {m.id for m in room.active_members(session, evaluation)}
    return [
        mark
        for mark in session.scalars(
            select(ReviewMark).where(
                ReviewMark.session_id == evaluation.id, ReviewMark.voided.is_(False)
            )
        )
        if mark.member_id in active
    ]


def items(session: Session, evaluation: EvaluationSession) -> list[rules.ReviewItem]:
    return rules.review_items(
        evaluation.bid_ids,
        [r["id"] for r in evaluation.requirements],
        (
            (m.bid_id, m.requirement, rules.Mark(m.passed, m.veto_reason))
            for m in marks(session, evaluation)
        ),
    )


def _latest_votes(session: Session, evaluation: EvaluationSession, matter: Matter) -> dict:
    """(bid, requirement) -> the latest closed, valid vote on it."""
    latest: dict = {}
    for vote in session.scalars(
        select(Vote)
        .where(
            Vote.session_id == evaluation.id,
            Vote.matter == matter,
            Vote.closed_at.is_not(None),
            Vote.voided.is_(False),
        )
        .order_by(Vote.number)
    ):
        latest[(vote.subject["bid_id"], vote.subject.get("requirement"))] = vote
    return latest


def _latest_results(session: Session, evaluation: EvaluationSession, matter: Matter) -> dict:
    """(bid, requirement) -> the winner of the latest closed vote on it (None: a tie)."""
    return {
        key: (vote.result or {}).get("winner")
        for key, vote in _latest_votes(session, evaluation, matter).items()
    }


def decisions(session: Session, evaluation: EvaluationSession) -> dict[tuple[int, str], str]:
    """(bid, requirement) -> "veto" | "pass", as the committee's votes decided."""
    return {
        key: winner
        for key, winner in _latest_results(session, evaluation, Matter.VETO).items()
        if winner is not None
    }


def abnormal_decisions(session: Session, evaluation: EvaluationSession) -> dict[int, str]:
    """bid -> "veto" | "accept" for the abnormally low prices the committee voted on."""
    return {
        bid_id: winner
        for (bid_id, _), winner in _latest_results(
            session, evaluation, Matter.ABNORMAL_PRICE
        ).items()
        if winner is not None
    }


def abnormally_low_bids(session: Session, evaluation: EvaluationSession) -> list[int]:
    """The bids priced abnormally low against the others of their lot (GP-87: the bidder
    explains, then the committee votes)."""
    ratio = Decimal(str(config.setting("EVALUATION_ABNORMALLY_LOW_RATIO", "0.80")))
    low: list[int] = []
    evaluated = {bid.id: price for bid, price in room.evaluated_prices(session, evaluation)}
    for lot in _by_lot(session, evaluation).values():
        prices = {str(bid.id): evaluated[bid.id] for bid in lot}
        low.extend(int(b) for b in scoring.abnormally_low(prices, ratio=ratio))
    return sorted(low)


def _by_lot(session: Session, evaluation: EvaluationSession) -> dict[int, list]:
    lots: dict[int, list] = {}
    for bid in room.bids_of(session, evaluation):
        lots.setdefault(bid.lot_number, []).append(bid)
    return lots


def veto_reason_of(
    session: Session, evaluation: EvaluationSession, bid_id: int, requirement: str
) -> str | None:
    """The veto reason most members gave on this item (the first given on a tie)."""
    given = [
        m.veto_reason
        for m in marks(session, evaluation)
        if m.bid_id == bid_id and m.requirement == requirement and m.veto_reason
    ]
    return max(given, key=given.count) if given else None


def outcome(session: Session, evaluation: EvaluationSession) -> tuple[list[int], list[dict]]:
    """The bids that pass and the vetoed ones with their reasons, once the review can close:
    every active member marked every item, every item with a fail or veto and every abnormally
    low price decided by a vote."""
    members = len(room.active_members(session, evaluation))
    missing = [i for i in items(session, evaluation) if i.marks < members]
    if missing:
        raise Conflict(
            f"{len(missing)} review marks are still missing: every member marks every "
            "requirement of every bid",
            code="review_incomplete",
        )
    decided = decisions(session, evaluation)
    undecided = [
        i
        for i in items(session, evaluation)
        if i.fails > 0 and (i.bid_id, i.requirement) not in decided
    ]
    if undecided:
        raise Conflict(
            "put every disputed or vetoed requirement to a vote first: "
            + ", ".join(f"bid {i.bid_id} {i.requirement}" for i in undecided[:5]),
            code="review_votes_pending",
        )
    abnormal = abnormal_decisions(session, evaluation)
    pending = [b for b in abnormally_low_bids(session, evaluation) if b not in abnormal]
    if pending:
        raise Conflict(
            "put every abnormally low price to a vote first: bids "
            + ", ".join(str(b) for b in pending),
            code="abnormal_price_pending",
        )
    vetoed: dict[int, dict] = {}
    votes = _latest_votes(session, evaluation, Matter.VETO)
    for (bid_id, requirement), decision in sorted(decided.items()):
        if decision == "veto" and bid_id not in vetoed:
            vote = votes[(bid_id, requirement)]
            vetoed[bid_id] = {
                "bid_id": bid_id,
                "requirement": requirement,
                "reason": vote.subject.get("veto_reason"),
                "vote": vote.number,
            }
    for bid_id, decision in abnormal.items():
        if decision == "veto" and bid_id not in vetoed:
            vetoed[bid_id] = {
                "bid_id": bid_id,
                "requirement": None,
                "reason": "price_below_cost_or_above_ceiling",
                "vote": _latest_votes(session, evaluation, Matter.ABNORMAL_PRICE)[
                    (bid_id, None)
                ].number,
            }
    passed = [b for b in evaluation.bid_ids if b not in vetoed]
    return passed, list(vetoed.values())
