"""The arithmetic correction in the session: the leader enters what the bid's documents state
(the price in words, the priced lines), the server computes the correction
(``evaluation.scoring.rules.correct_price``: words over figures; unit price over total unless its
decimal point is plainly wrong) and puts it to the committee's vote with the original and the
corrected price; once confirmed, the corrected price is the bid's evaluated price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.errors import Conflict, InvalidInput
from evaluation.scoring import rules as scoring
from evaluation.sessions import room, rules, services
from evaluation.sessions.models import EvaluationSession, PriceCorrection, SessionMember, Vote
from evaluation.sessions.rules import Matter, Stage

MAX_LINES = 2000


def _lines(value: object) -> list[scoring.Line]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_LINES:
        raise InvalidInput(
            f'lines: up to {MAX_LINES} objects {{"item", "quantity", "unit_price", "total"}}',
            code="invalid_field",
            field="lines",
        )
    lines = []
    for n, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidInput(f"lines[{n}]: an object", code="invalid_field", field="lines")
        try:
            lines.append(
                scoring.Line(
                    quantity=Decimal(str(item["quantity"])),
                    unit_price=Decimal(str(item["unit_price"])),
                    total=Decimal(str(item["total"])),
                    item=str(item.get("item", ""))[:200],
                )
            )
        except (KeyError, ArithmeticError, ValueError, TypeError) as error:
            raise InvalidInput(
                f"lines[{n}]: quantity, unit_price and total as decimal numbers",
                code="invalid_field",
                field="lines",
            ) from error
    return lines


def _line_json(line: scoring.Line) -> dict:
    return {
        "item": line.item,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "total": str(line.total),
    }


def propose(
    session: Session,
    evaluation: EvaluationSession,
    leader: SessionMember,
    bid_id: int,
    data: dict,
    actor: Any,
) -> dict:
    rules.check_stage(
        evaluation.stage, Stage.REVIEW, Stage.SCORING, why="prices are corrected before ranking"
    )
    if any(c.bid_id == bid_id and c.state != "rejected" for c in of_session(session, evaluation)):
        raise Conflict("this bid's price has a correction already", code="correction_exists")
    words = data.get("words")
    if words is not None and not isinstance(words, str):
        raise InvalidInput("words: the price in words", code="invalid_field", field="words")
    bid = next(b for b in room.bids_of(session, evaluation) if b.id == bid_id)
    lines = _lines(data.get("lines"))
    correction = scoring.correct_price(room.price_of(bid), words, lines)
    if not correction.changed:
        raise Conflict("the figures agree: there is nothing to correct", code="nothing_to_correct")
    number = evaluation.bid_ids.index(bid_id) + 1
    question = (
        f"Correct bid No. {number} ({bid.organisation.name})'s price from {correction.original} "
        f"to {correction.corrected}? " + " ".join(correction.steps)
    )
    vote = services.start_vote(
        session,
        evaluation,
        leader,
        Matter.CORRECTION,
        {"bid_id": bid_id, "requirement": None},
        question[:3900],
        ["confirm", "reject"],
    )
    row = PriceCorrection(
        session_id=evaluation.id,
        bid_id=bid_id,
        original=str(correction.original),
        corrected=str(correction.corrected),
        words=words,
        lines=[
            {"stated": _line_json(a), "corrected": _line_json(b)}
            for a, b in zip(lines, correction.lines, strict=True)
        ],
        steps=list(correction.steps),
        vote_id=vote.id,
        state="proposed",
        proposed_at=clock.now(),
    )
    session.add(row)
    session.flush()
    room.post(
        session,
        evaluation,
        actor,
        "correction_proposed",
        bid_id=bid_id,
        original=row.original,
        corrected=row.corrected,
        steps=row.steps,
        vote=vote.number,
    )
    return {"vote": vote.number, "original": row.original, "corrected": row.corrected}


def settle(session: Session, evaluation: EvaluationSession, vote: Vote, winner: str | None) -> None:
    """The committee's vote decides the correction (a tie leaves it proposed: vote again)."""
    row = session.scalar(select(PriceCorrection).where(PriceCorrection.vote_id == vote.id))
    if row is None or winner is None:
        return
    row.state = "confirmed" if winner == "confirm" else "rejected"
    room.post(
        session,
        evaluation,
        rules.SYSTEM,
        "correction_" + row.state,
        bid_id=row.bid_id,
        original=row.original,
        corrected=row.corrected,
    )


def of_session(session: Session, evaluation: EvaluationSession) -> list[PriceCorrection]:
    return list(
        session.scalars(
            select(PriceCorrection)
            .where(PriceCorrection.session_id == evaluation.id)
            .order_by(PriceCorrection.id)
        )
    )


def evaluated_prices(session: Session, evaluation: EvaluationSession) -> dict[int, Decimal]:
    """bid -> its confirmed corrected price."""
    return {
        c.bid_id: Decimal(c.corrected)
        for c in of_session(session, evaluation)
        if c.state == "confirmed"
    }


def view(row: PriceCorrection) -> dict:
    return {
        "bid_id": row.bid_id,
        "original": row.original,
        "corrected": row.corrected,
        "steps": row.steps,
        "lines": row.lines,
        "state": row.state,
    }
