"""Clarifications (澄清, Regs Art 52): the committee's written question to one bidder, and the
bidder's written answer within the time set, both on the session's record. The bidder sees the
question with its tender, never who asked it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import Role, User
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from evaluation.sessions import room, rules
from evaluation.sessions.models import Clarification, EvaluationSession, SessionMember
from evaluation.sessions.rules import SessionState, Stage
from trading.bids.models import Bid
from trading.tenders.models import Tender

MAX_ANSWER = 8000


def due_minutes(value: object) -> int:
    if value is None:
        return 30
    if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 24 * 60:
        raise InvalidInput(
            "due_minutes: the bidder's time to answer, 5 to 1440 minutes",
            code="invalid_field",
            field="due_minutes",
        )
    return value


def ask(
    session: Session,
    evaluation: EvaluationSession,
    leader: SessionMember,
    bid_id: int,
    question: object,
    minutes: object,
    actor: Any,
) -> dict:
    """The leader sends the committee's question to the bid's bidder."""
    rules.check_stage(
        evaluation.stage, Stage.REVIEW, Stage.SCORING, why="clarifications are asked in review"
    )
    text = rules.check_text(question, "question")
    now = clock.now()
    bid = session.get(Bid, bid_id)
    number = len(of_session(session, evaluation)) + 1
    row = Clarification(
        session_id=evaluation.id,
        number=number,
        bid_id=bid.id,
        organisation_id=bid.organisation_id,
        question=text,
        asked_by_id=leader.id,
        asked_at=now,
        due_at=now + timedelta(minutes=due_minutes(minutes)),
    )
    session.add(row)
    session.flush()
    room.post(
        session,
        evaluation,
        actor,
        "clarification_asked",
        number=number,
        bid_id=bid.id,
        question=text,
        due_at=row.due_at.isoformat(),
        asked_by=leader.seat,
    )
    return {"number": number, "due_at": row.due_at.isoformat()}


def of_session(session: Session, evaluation: EvaluationSession) -> list[Clarification]:
    return list(
        session.scalars(
            select(Clarification)
            .where(Clarification.session_id == evaluation.id)
            .order_by(Clarification.number)
        )
    )


def view(row: Clarification) -> dict:
    return {
        "number": row.number,
        "bid_id": row.bid_id,
        "question": row.question,
        "asked_at": row.asked_at.isoformat(),
        "due_at": row.due_at.isoformat(),
        "answer": row.answer,
        "answered_at": row.answered_at.isoformat() if row.answered_at else None,
    }


def _check_bidder(user: User | None) -> User:
    if user is None or getattr(user, "role", None) != Role.BIDDER:
        raise Forbidden("clarifications are answered by the bidder asked", code="not_bidder")
    return user


def my_clarifications(user: User | None) -> list[dict]:
    """The questions put to the caller's organisation, newest first, without who asked."""
    user = _check_bidder(user)
    rows = db.session.execute(
        select(Clarification, EvaluationSession.state, Tender.reference, Tender.title)
        .join(EvaluationSession, EvaluationSession.id == Clarification.session_id)
        .join(Tender, Tender.id == EvaluationSession.tender_id)
        .where(Clarification.organisation_id == user.organisation_id)
        .order_by(Clarification.asked_at.desc(), Clarification.id.desc())
    ).all()
    now = clock.now()
    return [
        {
            "session_id": row.session_id,
            "reference": reference,
            "title": title,
            **view(row),
            "open": row.answer is None and now < row.due_at and state == SessionState.OPEN,
        }
        for row, state, reference, title in rows
    ]


def answer(user: User | None, session_id: int, number: int, text: object) -> dict:
    """The bidder's answer: once, before the time set, while the session is open."""
    user = _check_bidder(user)
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_ANSWER:
        raise InvalidInput(
            f"answer: give a text of 1 to {MAX_ANSWER} characters",
            code="invalid_field",
            field="answer",
        )
    with db.transaction() as session:
        evaluation = room.load(session, session_id, lock=True)
        row = session.scalar(
            select(Clarification).where(
                Clarification.session_id == evaluation.id, Clarification.number == number
            )
        )
        if row is None or row.organisation_id != user.organisation_id:
            # another bidder's question does not exist for this caller
            raise NotFound(f"no clarification {number} for you", code="clarification_not_found")
        if row.answer is not None:
            raise Conflict(
                "this question was answered already", code="clarification_already_answered"
            )
        if evaluation.state != SessionState.OPEN:
            raise Conflict("the evaluation is not open", code="session_" + evaluation.state)
        now = clock.now()
        if now >= row.due_at:
            raise Conflict("the time set for the answer has passed", code="clarification_overdue")
        row.answer = text.strip()
        row.answered_at = now
        row.answered_by_id = user.id
        room.post(
            session,
            evaluation,
            user,
            "clarification_answered",
            number=row.number,
            bid_id=row.bid_id,
            answer=row.answer,
            answered_at=now.isoformat(),
        )
        return view(row)
