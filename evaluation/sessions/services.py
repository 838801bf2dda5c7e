"""Opening an evaluation session, and the votes every stage uses.

A session is opened for a tender whose opening record is signed (the tender is ``opened``) and
whose whole committee is checked in at its workstations; it starts at once with the election of
the leader. Every change is one unit that holds the session's row lock and posts its messages
(``room.post``), which are also the ledger's events (``docs/evaluation.md``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock, config
from bidhall.accounts.models import Role, User
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from evaluation.draws.models import DrawPlace, ExpertDraw, PlaceStatus
from evaluation.scoring import rules as scoring
from evaluation.sessions import room, rules
from evaluation.sessions.models import Ballot, EvaluationSession, SessionMember, Vote
from evaluation.sessions.rules import Matter, SessionState, Stage
from trading.opening.models import Opening
from trading.opening.rules import OPENED
from trading.tenders.models import Tender, TenderState
from trading.tenders.queries import can_manage


def planned_minutes(value: Any, bids: int) -> int:
    """The planned duration: as asked (30 minutes to a day), else the review's minimum for its
    size (30 minutes + 10 per bid, DOMAIN.md §5) and at least the configured default."""
    if value is None:
        return max(int(config.setting("EVALUATION_PLANNED_MINUTES", 120)), 30 + 10 * bids)
    if isinstance(value, bool) or not isinstance(value, int) or not 30 <= value <= 24 * 60:
        raise InvalidInput(
            "planned_minutes: a whole number of minutes from 30 to 1440",
            code="invalid_field",
            field="planned_minutes",
        )
    return value


def open_session(
    actor: User,
    tender_id: int,
    *,
    requirements: object = None,
    planned: object = None,
    representatives: object = None,
) -> EvaluationSession:
    """Open the tender's evaluation session: the committee's seats fixed (the drawn experts,
    then the tenderer's representatives it names), the time plan set, the leader's election
    started."""
    requirement_list = rules.check_requirements(requirements)
    now = clock.now()
    with db.transaction() as session:
        tender = fetch_one(session, Tender, tender_id, lock=True)
        if tender is None:
            raise NotFound(f"no tender {tender_id}", code="tender_not_found")
        if not (can_manage(actor, tender) or actor.role == Role.SUPERVISOR):
            raise Forbidden(
                "only the tenderer, its agency or a supervisor opens the evaluation",
                code="forbidden",
            )
        if tender.state != TenderState.OPENED:
            raise Conflict(
                "the evaluation follows the opening: its record must be signed first",
                code="tender_not_opened",
            )
        if room.session_of_tender(tender.id) is not None:
            raise Conflict("this tender's evaluation session exists already", code="session_exists")
        draw = session.scalar(select(ExpertDraw).where(ExpertDraw.tender_id == tender.id))
        if draw is None or draw.state not in ("drawn", "published"):
            raise Conflict("draw the committee first", code="no_committee")
        places = [p for p in draw.places if p.status == PlaceStatus.ACCEPTED]
        if len(places) < draw.members - draw.representatives or any(
            p.status == PlaceStatus.INVITED for p in draw.places
        ):
            raise Conflict(
                "the committee is not complete: every seat must be accepted",
                code="committee_incomplete",
            )
        opening = session.scalar(select(Opening).where(Opening.tender_id == tender.id))
        bids = _opened_bids(session, opening)
        method = tender.method
        evaluation = EvaluationSession(
            tender_id=tender.id,
            draw_id=draw.id,
            state=SessionState.OPEN,
            stage=Stage.ELECTION,
            scheduled_at=draw.scheduled_at,
            planned_minutes=planned_minutes(planned, len(bids)),
            ends_at=now,
            requirements=requirement_list,
            criteria=tender.criteria,
            method=method,
            price_formula=_formula(tender),
            bid_ids=bids,
            last_seq=0,
            created_at=now,
            created_by_id=actor.id,
            opened_at=now,
        )
        start = max(now, draw.scheduled_at)
        evaluation.ends_at = start + timedelta(minutes=evaluation.planned_minutes)
        session.add(evaluation)
        session.flush()
        members = _seat(session, evaluation, places, now)
        members += _seat_representatives(
            session,
            evaluation,
            tender,
            rules.check_representatives(representatives, draw.representatives),
            len(members),
            now,
        )
        absent = [m.seat for m in members if not room.checked_in(session, m)]
        if absent:
            raise Conflict(
                "every member must be checked in at a workstation first; not yet: member "
                + ", ".join(str(seat) for seat in absent),
                code="members_not_checked_in",
            )
        room.post(
            session,
            evaluation,
            actor,
            "session_opened",
            tender_id=tender.id,
            scheduled_at=draw.scheduled_at.isoformat(),
            opened_at=now.isoformat(),
            late_minutes=max(0, int((now - draw.scheduled_at).total_seconds() // 60)),
            planned_minutes=evaluation.planned_minutes,
            ends_at=evaluation.ends_at.isoformat(),
            members=len(members),
            venues=sorted({m.venue_id for m in members if m.venue_id is not None}),
            bids=len(bids),
        )
        start_vote(
            session,
            evaluation,
            None,
            Matter.LEADER,
            {},
            LEADER_QUESTION,
            leader_options(evaluation, members, tender.rule_set),
        )
    return evaluation


LEADER_QUESTION = "Who leads the committee (评标委员会负责人)?"


def leader_options(
    evaluation: EvaluationSession, members: list[SessionMember], rule_set: str
) -> list[str]:
    return rules.leader_candidates([(m.seat, m.representative) for m in members], rule_set)


def _seat_representatives(
    session: Session,
    evaluation: EvaluationSession,
    tender: Tender,
    user_ids: list[int],
    experts: int,
    now,
) -> list[SessionMember]:
    """The tenderer's representatives, after the drawn experts, at the main venue."""
    draw = session.get(ExpertDraw, evaluation.draw_id)
    main = next(
        (v["venue_id"] for v in draw.venues or [] if v.get("role") == "main"),
        (draw.venues or [{}])[0].get("venue_id"),
    )
    members = []
    for offset, user_id in enumerate(user_ids, start=1):
        user = session.get(User, user_id)
        if user is None or user.role != Role.TENDERER or user.organisation_id != tender.tenderer_id:
            raise InvalidInput(
                f"user {user_id} is not one of the tenderer's own staff",
                code="not_a_representative",
                field="representatives",
            )
        member = SessionMember(
            session_id=evaluation.id,
            seat=experts + offset,
            place_id=None,
            expert_id=None,
            user_id=user_id,
            venue_id=main,
            workstation=None,
            representative=True,
            seated_at=now,
        )
        session.add(member)
        members.append(member)
    session.flush()
    return members


def _opened_bids(session: Session, opening: Opening | None) -> list[int]:
    from trading.bids.models import Bid

    if opening is None:
        return []
    by_id = {
        bid.id: bid for bid in session.scalars(select(Bid).where(Bid.id.in_(opening.read_order)))
    }
    return [
        bid_id
        for bid_id in opening.read_order
        if by_id[bid_id].opening_outcome in OPENED and by_id[bid_id].summary
    ]


def _formula(tender: Tender) -> dict:
    formula = scoring.price_formula_of(tender.rule_set, tender.method, None)
    return {
        "kind": formula.kind,
        "k": str(formula.k),
        "deduct_above": str(formula.deduct_above),
        "deduct_below": str(formula.deduct_below),
    }


def _seat(
    session: Session, evaluation: EvaluationSession, places: list[DrawPlace], now
) -> list[SessionMember]:
    """Seats 1..n: the main venue's first (as the draw lists its venues), by workstation."""
    draw = session.get(ExpertDraw, evaluation.draw_id)
    order = {entry["venue_id"]: index for index, entry in enumerate(draw.venues or [])}
    places = sorted(places, key=lambda p: (order.get(p.venue_id, 99), p.workstation or 0, p.id))
    members = []
    for seat, place in enumerate(places, start=1):
        member = SessionMember(
            session_id=evaluation.id,
            seat=seat,
            place_id=place.id,
            expert_id=place.expert_id,
            user_id=place.expert.user_id,
            venue_id=place.venue_id,
            workstation=place.workstation,
            seated_at=now,
        )
        session.add(member)
        members.append(member)
    session.flush()
    return members


# --- votes --------------------------------------------------------------------------------------


def start_vote(
    session: Session,
    evaluation: EvaluationSession,
    opener: SessionMember | None,
    matter: Matter,
    subject: dict,
    question: str,
    options: list[str],
) -> Vote:
    """Open a vote; one at a time. A vote on a matter voted on before names the previous one
    (the audit layer watches repeated votes)."""
    if room.open_vote(session, evaluation) is not None:
        raise Conflict("close the open vote first: one vote at a time", code="vote_open")
    room.check_complete(session, evaluation, "a vote")
    votes = room.votes(session, evaluation)
    previous = next(
        (
            v
            for v in reversed(votes)
            if v.matter == matter
            and not v.voided
            and v.closed_at is not None
            and _same_subject(v.subject, subject)
        ),
        None,
    )
    vote = Vote(
        session_id=evaluation.id,
        number=len(votes) + 1,
        matter=matter,
        subject=subject,
        question=question,
        options=options,
        opened_by_id=opener.id if opener else None,
        opened_at=clock.now(),
        previous_id=previous.id if previous else None,
    )
    session.add(vote)
    session.flush()
    room.post(
        session,
        evaluation,
        rules.SYSTEM if opener is None else opener_actor(session, opener),
        "vote_opened",
        vote=vote.number,
        matter=matter.value,
        subject=subject,
        question=question,
        options=options,
        opened_by=opener.seat if opener else None,
        present=len(room.present(session, evaluation)),
        previous=(
            {"vote": previous.number, "result": previous.result} if previous is not None else None
        ),
    )
    return vote


def _same_subject(a: dict, b: dict) -> bool:
    keys = ("bid_id", "requirement")
    return all(a.get(k) == b.get(k) for k in keys)


def opener_actor(session: Session, member: SessionMember) -> User:
    return session.get(User, member.user_id)


def close_vote(
    session: Session, evaluation: EvaluationSession, vote: Vote, closed_by: str, actor: Any
) -> dict:
    """Close a vote, count it and announce the result with each member's choice; then apply
    what it decided."""
    ballots = list(session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)))
    present = len(room.present(session, evaluation))
    result = rules.vote_result(vote.options, (b.choice for b in ballots), present).to_json()
    vote.closed_at = clock.now()
    vote.closed_by = closed_by
    vote.result = result
    by_seat = room.seats(session, [b.member_id for b in ballots])
    room.post(
        session,
        evaluation,
        actor,
        "vote_closed",
        vote=vote.number,
        matter=vote.matter,
        subject=vote.subject,
        closed_by=closed_by,
        result=result,
        choices={str(by_seat[b.member_id]): b.choice for b in ballots},
        previous=vote.previous_id and session.get(Vote, vote.previous_id).result,
    )
    if vote.matter == Matter.LEADER:
        _elect(session, evaluation, vote, result)
    elif vote.matter == Matter.CORRECTION:
        from evaluation.sessions import corrections

        corrections.settle(session, evaluation, vote, result["winner"])
    return result


def _elect(session: Session, evaluation: EvaluationSession, vote: Vote, result: dict) -> None:
    winner = result["winner"]
    if winner is None:
        # a tie: the members vote again among the same seats
        start_vote(session, evaluation, None, Matter.LEADER, {}, vote.question, vote.options)
        return
    leader = session.scalar(
        select(SessionMember).where(
            SessionMember.session_id == evaluation.id,
            SessionMember.seat == int(winner),
            SessionMember.active.is_(True),
        )
    )
    leader.leader = True
    evaluation.stage = Stage.REVIEW
    room.post(
        session, evaluation, rules.SYSTEM, "leader_elected", seat=leader.seat, vote=vote.number
    )
    room.post(session, evaluation, rules.SYSTEM, "stage_changed", stage=Stage.REVIEW.value)


def cast_ballot(
    session: Session, evaluation: EvaluationSession, member: SessionMember, vote: Vote, choice: str
) -> dict:
    """A present member's one vote; the server closes the vote when every present member has
    voted."""
    if session.scalar(
        select(Ballot.id).where(Ballot.vote_id == vote.id, Ballot.member_id == member.id)
    ):
        raise Conflict("you voted already: each member votes once", code="already_voted")
    session.add(Ballot(vote_id=vote.id, member_id=member.id, choice=choice, at=clock.now()))
    session.flush()
    user = opener_actor(session, member)
    cast = session.scalar(select(func.count(Ballot.id)).where(Ballot.vote_id == vote.id))
    present = room.present(session, evaluation)
    room.post(
        session, evaluation, user, "vote_cast", vote=vote.number, seat=member.seat, ballots=cast
    )
    if cast >= len(present):
        return {"closed": True, "result": close_vote(session, evaluation, vote, "all_voted", user)}
    return {"closed": False}


# --- presence in the room -----------------------------------------------------------------------


def member_present(session_id: int, user_id: int, joined: bool) -> None:
    """A member's connection joined or left the session's room: on the record, so a replay
    shows who was following when (the audit layer's presence screens read it)."""
    with db.transaction() as session:
        evaluation = room.load(session, session_id, lock=True)
        member = session.scalar(
            select(SessionMember).where(
                SessionMember.session_id == evaluation.id,
                SessionMember.user_id == user_id,
                SessionMember.active.is_(True),
            )
        )
        if member is None or evaluation.state in (SessionState.TERMINATED, SessionState.FINISHED):
            return
        if joined and member.first_joined_at is None:
            member.first_joined_at = clock.now()
        room.post(
            session,
            evaluation,
            session.get(User, user_id),
            "member_joined" if joined else "member_left",
            seat=member.seat,
            venue_id=member.venue_id,
            workstation=member.workstation,
        )
