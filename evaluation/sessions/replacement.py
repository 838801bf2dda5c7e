"""Replacing a member during the evaluation (Regs Art 48): the supervisor takes the member off
its seat with a reason, which voids its conclusions (its review marks, its score sheet, its
ballot in an open vote) and calls the draw's next reserve of its region to the same venue and
workstation; once that reserve has accepted, declared and been checked in, the supervisor seats
it, and it redoes what the stage needs of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.errors import Conflict, NotFound
from evaluation.draws.answers import call_reserve
from evaluation.draws.models import DrawPlace, PlaceStatus
from evaluation.sessions import room, rules, scores, services
from evaluation.sessions.models import (
    Ballot,
    EvaluationSession,
    ReviewMark,
    ScoreSheet,
    SessionMember,
)
from evaluation.sessions.rules import Matter, Stage
from trading.tenders.models import Tender


def _active_at(session: Session, evaluation: EvaluationSession, seat: int) -> SessionMember:
    member = session.scalar(
        select(SessionMember).where(
            SessionMember.session_id == evaluation.id,
            SessionMember.seat == seat,
            SessionMember.active.is_(True),
        )
    )
    if member is None:
        raise NotFound(f"no active member at seat {seat}", code="member_not_found")
    return member


def replace(
    session: Session, evaluation: EvaluationSession, seat: int, reason: str, actor: Any
) -> dict:
    if evaluation.stage == Stage.REPORT:
        raise Conflict(
            "the report is being signed: a member is no longer replaced", code="stage_report"
        )
    member = _active_at(session, evaluation, seat)
    if member.representative:
        raise Conflict(
            "a tenderer's representative is not replaced from the draw's reserves",
            code="representative_not_replaceable",
        )
    now = clock.now()
    member.active = False
    member.replaced_at = now
    member.replaced_reason = reason
    was_leader = member.leader
    member.leader = False
    marks = session.execute(
        ReviewMark.__table__.update()
        .where(ReviewMark.member_id == member.id, ReviewMark.voided.is_(False))
        .values(voided=True)
    ).rowcount
    sheet = session.scalar(select(ScoreSheet).where(ScoreSheet.member_id == member.id))
    open_vote = room.open_vote(session, evaluation)
    ballot_voided = False
    if open_vote is not None:
        ballot_voided = (
            session.execute(
                delete(Ballot).where(Ballot.vote_id == open_vote.id, Ballot.member_id == member.id)
            ).rowcount
            > 0
        )
    place = session.get(DrawPlace, member.place_id)
    place.status = PlaceStatus.REPLACED
    place.answered_at = now
    call_reserve(session, actor, place, now)
    room.post(
        session,
        evaluation,
        actor,
        "member_replaced",
        seat=seat,
        reason=reason,
        voided={
            "review_marks": marks,
            "score_sheet": sheet is not None,
            "open_ballot": ballot_voided,
        },
        was_leader=was_leader,
    )
    if open_vote is not None:
        cast = session.scalars(select(Ballot.id).where(Ballot.vote_id == open_vote.id)).all()
        if cast and len(cast) >= len(room.present(session, evaluation)):
            services.close_vote(session, evaluation, open_vote, "all_voted", actor)
    if evaluation.stage == Stage.RANKED:
        evaluation.stage = Stage.SCORING
        evaluation.results = None
        room.post(session, evaluation, rules.SYSTEM, "stage_changed", stage=Stage.SCORING.value)
    return {"replaced": seat, "reserve_called": place.replaced_by_id is not None}


def seat_replacement(
    session: Session, evaluation: EvaluationSession, seat: int, actor: Any
) -> dict:
    """Seat the reserve that took the replaced member's place: accepted and checked in."""
    if any(m.seat == seat and m.active for m in room.members(session, evaluation)):
        raise Conflict(f"seat {seat} is taken", code="seat_taken")
    replaced = session.scalar(
        select(SessionMember)
        .where(SessionMember.session_id == evaluation.id, SessionMember.seat == seat)
        .order_by(SessionMember.id.desc())
    )
    if replaced is None:
        raise NotFound(f"no seat {seat} in this session", code="member_not_found")
    place = session.get(DrawPlace, replaced.place_id)
    while place is not None and place.replaced_by_id is not None:
        place = session.get(DrawPlace, place.replaced_by_id)
    if place is None or place.id == replaced.place_id or place.status != PlaceStatus.ACCEPTED:
        raise Conflict(
            "the reserve called to this seat has not accepted yet", code="replacement_not_ready"
        )
    now = clock.now()
    member = SessionMember(
        session_id=evaluation.id,
        seat=seat,
        place_id=place.id,
        expert_id=place.expert_id,
        user_id=place.expert.user_id,
        venue_id=place.venue_id,
        workstation=place.workstation,
        replaces_id=replaced.id,
        seated_at=now,
    )
    session.add(member)
    session.flush()
    if not room.checked_in(session, member):
        raise Conflict(
            "check the replacement in at its workstation first", code="replacement_not_checked_in"
        )
    room.post(session, evaluation, actor, "member_seated", seat=seat, replaces=replaced.id)
    if replaced.replaced_at and not any(m.leader for m in room.active_members(session, evaluation)):
        # the leader was replaced: the committee elects a new one
        if room.open_vote(session, evaluation) is None:
            tender = session.get(Tender, evaluation.tender_id)
            services.start_vote(
                session,
                evaluation,
                None,
                Matter.LEADER,
                {},
                services.LEADER_QUESTION,
                services.leader_options(
                    evaluation, room.active_members(session, evaluation), tender.rule_set
                ),
            )
    if evaluation.stage == Stage.SCORING and scores.all_submitted(session, evaluation):
        scores.publish_results(session, evaluation, actor)
    return {"seated": seat}
