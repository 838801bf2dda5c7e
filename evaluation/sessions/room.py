"""The evaluation session's read side: who may enter and as whom, the session as each caller may
see it, and its numbered messages.

A member sees the committee's shared state and its own drafts only: another member's scores
only once it has submitted its own (``scores_visible``). Supervisors see every venue and the
members' names; nobody else enters (not the bidders, not the tender's staff, not an expert of
another session, not the public)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import Role, User
from bidhall.db import db, fetch_one
from bidhall.errors import Conflict, Forbidden, NotFound
from bidhall.realtime.rooms import MessageLog
from evaluation.draws.visibility import expert_names, venue_names
from evaluation.sessions import rules
from evaluation.sessions.models import (
    Ballot,
    EvaluationSession,
    ReviewMark,
    ScoreSheet,
    SessionMember,
    SessionMessage,
    Vote,
)
from evaluation.sessions.rules import SessionRole
from evaluation.venues.models import Attendance
from trading.bids.models import Bid
from trading.tenders.models import Tender

#: the session's numbered messages: events ``evaluation.<kind>``, rooms ``evaluation:<id>``
MESSAGES = MessageLog(SessionMessage, name="evaluation", key="session_id", counter_key="id")


def post(
    session: Session, evaluation: EvaluationSession, actor: Any, kind: str, /, **payload: Any
) -> int:
    """Say something to the committee and its supervisors (the caller's unit holds the
    session's lock): nothing posted here may be secret from any member."""
    return MESSAGES.post(session, evaluation, actor, kind, **payload)


# --- loading ------------------------------------------------------------------------------------


def load(session: Session, session_id: int, *, lock: bool = False) -> EvaluationSession:
    evaluation = fetch_one(session, EvaluationSession, session_id, lock=lock)
    if evaluation is None:
        raise NotFound(f"no evaluation session {session_id}", code="session_not_found")
    return evaluation


def members(session: Session, evaluation: EvaluationSession) -> list[SessionMember]:
    return list(
        session.scalars(
            select(SessionMember)
            .where(SessionMember.session_id == evaluation.id)
            .order_by(SessionMember.seat)
        )
    )


def active_members(session: Session, evaluation: EvaluationSession) -> list[SessionMember]:
    return [m for m in members(session, evaluation) if m.active]


def vacant_seats(session: Session, evaluation: EvaluationSession) -> list[int]:
    """Seats whose member was replaced and whose replacement is not seated yet."""
    seated = members(session, evaluation)
    return sorted({m.seat for m in seated} - {m.seat for m in seated if m.active})


def check_complete(session: Session, evaluation: EvaluationSession, what: str) -> None:
    """The committee decides as a whole: nothing is closed while a seat is vacant."""
    vacant = vacant_seats(session, evaluation)
    if vacant:
        raise Conflict(
            f"{what} waits for the replacement of member "
            + ", ".join(str(seat) for seat in vacant),
            code="seat_vacant",
            seats=vacant,
        )


def checked_in(session: Session, member: SessionMember) -> bool:
    """Whether the member is at its workstation now: checked in by its venue's supervisor and
    not checked out. The tenderer's representatives are not drawn and have no workstation:
    they are present once seated."""
    if member.representative:
        return True
    return (
        session.scalar(
            select(Attendance.id).where(
                Attendance.place_id == member.place_id, Attendance.checked_out_at.is_(None)
            )
        )
        is not None
    )


def present(session: Session, evaluation: EvaluationSession) -> list[SessionMember]:
    """The active members checked in at their workstations: those a vote waits for."""
    return [m for m in active_members(session, evaluation) if checked_in(session, m)]


def member_of(session: Session, evaluation: EvaluationSession, user: User) -> SessionMember | None:
    return session.scalar(
        select(SessionMember).where(
            SessionMember.session_id == evaluation.id,
            SessionMember.user_id == user.id,
            SessionMember.active.is_(True),
        )
    )


# --- who is who ---------------------------------------------------------------------------------


def role_of(
    session: Session, user: User | None, evaluation: EvaluationSession
) -> tuple[SessionRole, SessionMember | None]:
    """A seated, active member checked in at its workstation; or a supervisor; no one else."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Forbidden(
            "sign in: only the committee and the supervisors enter an evaluation session",
            code="not_in_session",
        )
    member = (
        member_of(session, evaluation, user) if user.role in (Role.EXPERT, Role.TENDERER) else None
    )
    if member is not None:
        if not checked_in(session, member):
            raise Forbidden(
                "check in at your workstation with your venue's supervisor first",
                code="not_checked_in",
            )
        return SessionRole.MEMBER, member
    if user.role == Role.SUPERVISOR:
        return SessionRole.SUPERVISOR, None
    raise Forbidden(
        "only the committee's members and the supervisors enter an evaluation session",
        code="not_in_session",
    )


def enter(user: User | None, session_id: int) -> tuple[SessionRole, SessionMember | None, int]:
    evaluation = load(db.session, session_id)
    role, member = role_of(db.session, user, evaluation)
    return role, member, evaluation.id


def session_of_tender(tender_id: int) -> EvaluationSession | None:
    return db.session.scalar(
        select(EvaluationSession).where(EvaluationSession.tender_id == tender_id)
    )


# --- what each caller sees ----------------------------------------------------------------------


def snapshot(user: User | None, role: SessionRole, member: SessionMember | None, key: int) -> dict:
    """The session as this caller may see it."""
    session = db.session
    evaluation = load(session, key)
    tender = session.get(Tender, evaluation.tender_id)
    seated = members(session, evaluation)
    staff = role == SessionRole.SUPERVISOR
    names = member_names(session, seated) if staff else {}
    venues = venue_names([m.venue_id for m in seated])
    leader = next((m for m in seated if m.leader), None)
    result: dict[str, Any] = {
        "session_id": evaluation.id,
        "tender": {"id": tender.id, "reference": tender.reference, "title": tender.title},
        "role": role.value,
        "seq": evaluation.last_seq,
        "state": evaluation.state,
        "stage": evaluation.stage,
        "now": clock.now().isoformat(),
        "scheduled_at": evaluation.scheduled_at.isoformat(),
        "opened_at": evaluation.opened_at.isoformat(),
        "ends_at": evaluation.ends_at.isoformat(),
        "planned_minutes": evaluation.planned_minutes,
        "extended_minutes": evaluation.extended_minutes,
        "reason": evaluation.reason,
        "method": evaluation.method,
        "criteria": evaluation.criteria,
        "requirements": evaluation.requirements,
        "veto_reasons": rules.VETO_REASONS,
        "leader_seat": leader.seat if leader else None,
        "members": [
            {
                "seat": m.seat,
                "venue": venues.get(m.venue_id),
                "workstation": m.workstation,
                "active": m.active,
                "present": m.active and checked_in(session, m),
                "leader": m.leader,
                "representative": m.representative,
                **({"name": names.get(m.id)} if staff else {}),
                **({"replaced_reason": m.replaced_reason} if not m.active else {}),
            }
            for m in seated
        ],
        "vacant_seats": vacant_seats(session, evaluation),
        "time_insufficient": sum(1 for m in seated if m.active and m.time_insufficient),
        "bids": bid_views(session, evaluation),
        "votes": [vote_view(session, v, member) for v in votes(session, evaluation)],
        "review": review_view(session, evaluation, member),
        "scoring": scoring_view(session, evaluation, role, member),
        "results": evaluation.results if evaluation.stage in ("ranked", "report") else None,
        "clarifications": clarification_views(session, evaluation),
        "corrections": correction_views(session, evaluation),
        "report": report_view(db.session, evaluation, member),
    }
    if staff:
        from evaluation.presence import services as presence

        result["workstations"] = presence.workstations(evaluation.id)
    if member is not None:
        result["me"] = {
            "seat": member.seat,
            "leader": member.leader,
            "time_insufficient": member.time_insufficient,
            "dissent": member.dissent,
        }
    return result


def member_names(session: Session, members: list[SessionMember]) -> dict[int, str]:
    """member id -> name: the expert's, or the representative's own (for staff and the report:
    the committee's names are secret until the result, Law Art 38)."""
    experts = expert_names([m.expert_id for m in members if m.expert_id is not None])
    names = {}
    for m in members:
        if m.expert_id is not None:
            names[m.id] = experts.get(m.expert_id)
        else:
            names[m.id] = session.get(User, m.user_id).display_name
    return names


def bids_of(session: Session, evaluation: EvaluationSession) -> list[Bid]:
    by_id = {
        bid.id: bid for bid in session.scalars(select(Bid).where(Bid.id.in_(evaluation.bid_ids)))
    }
    return [by_id[bid_id] for bid_id in evaluation.bid_ids]


def price_of(bid: Bid) -> Decimal:
    """The price the bid was read out with (the arithmetic correction may change it later)."""
    return Decimal(str((bid.summary or {}).get("price", "0")))


def evaluated_prices(session: Session, evaluation: EvaluationSession) -> list[tuple[Bid, Decimal]]:
    """Each bid with the price it is evaluated at: the read-out price, or the corrected one
    once the committee confirmed an arithmetic correction."""
    from evaluation.sessions import corrections

    corrected = corrections.evaluated_prices(session, evaluation)
    return [(bid, corrected.get(bid.id, price_of(bid))) for bid in bids_of(session, evaluation)]


def bid_views(session: Session, evaluation: EvaluationSession) -> list[dict]:
    # the bidders were named at the opening's reading out: the committee sees them
    passed = evaluation.passed_bid_ids
    return [
        {
            "bid_id": bid.id,
            "number": number,
            "lot": bid.lot_number,
            "bidder": bid.organisation.name,
            "price": str(price_of(bid)),
            "evaluated_price": str(evaluated),
            "summary": bid.summary,
            "passed": None if passed is None else bid.id in passed,
        }
        for number, (bid, evaluated) in enumerate(evaluated_prices(session, evaluation), start=1)
    ]


def votes(session: Session, evaluation: EvaluationSession) -> list[Vote]:
    return list(
        session.scalars(select(Vote).where(Vote.session_id == evaluation.id).order_by(Vote.number))
    )


def open_vote(session: Session, evaluation: EvaluationSession) -> Vote | None:
    return session.scalar(
        select(Vote).where(
            Vote.session_id == evaluation.id, Vote.closed_at.is_(None), Vote.voided.is_(False)
        )
    )


def seats(session: Session, member_ids: list[int]) -> dict[int, int]:
    if not member_ids:
        return {}
    return dict(
        session.execute(
            select(SessionMember.id, SessionMember.seat).where(SessionMember.id.in_(member_ids))
        ).all()
    )


def vote_view(session: Session, vote: Vote, member: SessionMember | None) -> dict:
    """A vote as the committee sees it: each member's choice once it is closed (recorded and
    read out, GP-87); while it is open, how many voted and the caller's own choice."""
    ballots = list(session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)))
    by_seat = seats(session, [b.member_id for b in ballots])
    view = {
        "number": vote.number,
        "matter": vote.matter,
        "subject": vote.subject,
        "question": vote.question,
        "options": vote.options,
        "open": vote.closed_at is None and not vote.voided,
        "voided": vote.voided,
        "opened_at": vote.opened_at.isoformat(),
        "closed_at": vote.closed_at.isoformat() if vote.closed_at else None,
        "closed_by": vote.closed_by,
        "ballots": len(ballots),
        "result": vote.result,
        "previous": None,
    }
    if vote.previous_id is not None:
        previous = session.get(Vote, vote.previous_id)
        view["previous"] = {"number": previous.number, "result": previous.result}
    if vote.closed_at is not None:
        view["choices"] = {str(by_seat[b.member_id]): b.choice for b in ballots}
    elif member is not None:
        mine = next((b for b in ballots if b.member_id == member.id), None)
        view["my_choice"] = mine.choice if mine else None
    return view


def review_view(
    session: Session, evaluation: EvaluationSession, member: SessionMember | None
) -> dict:
    from evaluation.sessions import review

    items = review.items(session, evaluation)
    decisions = review.decisions(session, evaluation)
    view: dict[str, Any] = {
        "items": [
            {
                "bid_id": item.bid_id,
                "requirement": item.requirement,
                "marks": item.marks,
                "fails": item.fails,
                "vetoes": item.vetoes,
                "needs_vote": item.fails > 0,
                "decision": decisions.get((item.bid_id, item.requirement)),
            }
            for item in items
        ],
        "abnormally_low": review.abnormally_low_bids(session, evaluation),
        "abnormal_decisions": {
            str(bid_id): decision
            for bid_id, decision in review.abnormal_decisions(session, evaluation).items()
        },
    }
    if member is not None:
        view["mine"] = [
            {
                "bid_id": m.bid_id,
                "requirement": m.requirement,
                "passed": m.passed,
                "veto_reason": m.veto_reason,
                "reason": m.reason,
            }
            for m in session.scalars(
                select(ReviewMark).where(
                    ReviewMark.member_id == member.id, ReviewMark.voided.is_(False)
                )
            )
        ]
    return view


def sheets(session: Session, evaluation: EvaluationSession) -> list[ScoreSheet]:
    active = {m.id for m in active_members(session, evaluation)}
    return [
        sheet
        for sheet in session.scalars(
            select(ScoreSheet).where(ScoreSheet.session_id == evaluation.id)
        )
        if sheet.member_id in active
    ]


def scores_visible(sheet: ScoreSheet | None) -> bool:
    """A member sees the others' scores only once it has submitted its own (a reopened sheet
    was submitted: its member saw them already)."""
    return sheet is not None and sheet.submitted_at is not None


def scoring_view(
    session: Session,
    evaluation: EvaluationSession,
    role: SessionRole,
    member: SessionMember | None,
) -> dict:
    all_sheets = sheets(session, evaluation)
    by_seat = seats(session, [s.member_id for s in all_sheets])
    submitted = [s for s in all_sheets if s.state == "submitted"]
    view: dict[str, Any] = {"submitted": sorted(by_seat[s.member_id] for s in submitted)}
    mine = next((s for s in all_sheets if member and s.member_id == member.id), None)
    if member is not None:
        view["mine"] = (
            {
                "state": mine.state,
                "scores": mine.scores,
                "reasons": mine.reasons,
                "reopened": mine.reopened,
            }
            if mine
            else None
        )
    if role == SessionRole.SUPERVISOR or scores_visible(mine):
        view["sheets"] = {
            str(by_seat[s.member_id]): s.scores for s in all_sheets if s.submitted_at is not None
        }
    return view


def report_view(
    session: Session, evaluation: EvaluationSession, member: SessionMember | None
) -> dict | None:
    """The report once finalized: its hash, who signed, and what the caller's key signs."""
    from evaluation.sessions import report

    if evaluation.report_sha256 is None:
        return None
    view: dict[str, Any] = {
        "report_sha256": evaluation.report_sha256,
        "due_at": evaluation.report_due_at.isoformat() if evaluation.report_due_at else None,
        "signed": [s.seat for s in report.signatures(session, evaluation) if not s.refused],
        "refused": [s.seat for s in report.signatures(session, evaluation) if s.refused],
        "pdf_sha256": evaluation.report_pdf_sha256,
        "candidates": report.document_of(evaluation)["candidates"],
    }
    if member is not None:
        view["to_sign"] = report.to_sign(evaluation, member)
    return view


def clarification_views(session: Session, evaluation: EvaluationSession) -> list[dict]:
    from evaluation.sessions import clarifications

    return [clarifications.view(c) for c in clarifications.of_session(session, evaluation)]


def correction_views(session: Session, evaluation: EvaluationSession) -> list[dict]:
    from evaluation.sessions import corrections

    return [corrections.view(c) for c in corrections.of_session(session, evaluation)]
