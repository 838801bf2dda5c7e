"""Complaint use cases, one transaction each: a bidder files, the supervisor accepts (and may
suspend the tender) or refuses with reasons, then decides on the merits, which resumes the
tender; the tick reports a supervisor's missed limit once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidhall import clock, config
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db, fetch_one
from bidhall.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from bidhall.events import emit
from trading.award.models import Award, AwardObjection
from trading.bids.models import Bid
from trading.complaints import rules
from trading.complaints.models import Complaint
from trading.complaints.rules import ComplaintState
from trading.tenders.models import Objection, Participation, TenderState
from trading.tenders.queries import load_tender, open_objections
from trading.tenders.services import required_text


def calendar() -> tuple[set[date], set[date]]:
    """The centre's public holidays and the weekend days made working days (settings)."""
    return (
        {date.fromisoformat(d) for d in config.setting("PUBLIC_HOLIDAYS", []) or []},
        {date.fromisoformat(d) for d in config.setting("EXTRA_WORKDAYS", []) or []},
    )


def file_complaint(
    actor: User, tender_id: int, subject: object, body: object, known_on: object
) -> Complaint:
    """A bidder (a holder of the documents) complains to the supervisor about the tender."""
    require_role(actor, Role.BIDDER)
    with db.transaction() as session:
        tender = load_tender(session, tender_id)
        if not tender.was_published or not _concerned(session, actor, tender.id):
            raise Forbidden(
                "a complaint comes from a holder of the tender's documents", code="not_concerned"
            )
        kind = rules.check_subject(subject)
        text = required_text(body if isinstance(body, str) else None, "body", 20000)
        day = _day(known_on)
        now = clock.now()
        holidays, workdays = calendar()
        rules.check_in_time(
            tender.rule_set, day, clock.local(now, tender.timezone).date(), holidays, workdays
        )
        if kind in rules.NEEDS_OBJECTION and not _objected(session, actor, tender.id, kind):
            raise RuleViolation(
                f"a complaint about the {kind} follows an objection to the tenderer "
                "(Regs Art 60): object first",
                code="objection_first",
                field="subject",
            )
        complaint = Complaint(
            tender_id=tender.id,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            subject=kind,
            body=text,
            known_on=day,
            filed_at=now,
            state=ComplaintState.FILED,
            acceptance_due_at=rules.end_of_working_days(
                now, rules.ACCEPT_WITHIN_WORKING_DAYS, tender.timezone, holidays, workdays
            ),
        )
        session.add(complaint)
        session.flush()
        complaint.next_check_at = complaint.acceptance_due_at
        emit(
            "complaint.filed",
            actor,
            tender_id=tender.id,
            complaint_id=complaint.id,
            subject=kind,
            acceptance_due_at=complaint.acceptance_due_at.isoformat(),
        )
    return complaint


def accept(actor: User, complaint_id: int, suspend: bool = False) -> Complaint:
    """The supervisor accepts the complaint for review, suspending the tender if it so decides
    (Regs Art 62); the decision is due within 30 working days."""
    with db.transaction() as session:
        complaint = _supervised(session, actor, complaint_id)
        rules.check_state(complaint.state, ComplaintState.FILED, why="a complaint is accepted once")
        now = clock.now()
        holidays, workdays = calendar()
        complaint.state = ComplaintState.ACCEPTED
        complaint.accepted_at = now
        complaint.handled_by_id = actor.id
        complaint.decision_due_at = rules.end_of_working_days(
            now, rules.DECIDE_WITHIN_WORKING_DAYS, complaint.tender.timezone, holidays, workdays
        )
        complaint.next_check_at = complaint.decision_due_at
        emit(
            "complaint.accepted",
            actor,
            tender_id=complaint.tender_id,
            complaint_id=complaint.id,
            decision_due_at=complaint.decision_due_at.isoformat(),
            late=now > complaint.acceptance_due_at,
        )
        if suspend:
            _suspend(session, complaint, actor)
    return complaint


def refuse(actor: User, complaint_id: int, reason: object) -> Complaint:
    """The supervisor does not accept the complaint, giving its reasons."""
    with db.transaction() as session:
        complaint = _supervised(session, actor, complaint_id)
        text = required_text(reason if isinstance(reason, str) else None, "reason", 20000)
        rules.check_state(complaint.state, ComplaintState.FILED, why="a complaint is accepted once")
        complaint.state = ComplaintState.NOT_ACCEPTED
        complaint.handled_by_id = actor.id
        complaint.decision = text
        complaint.decided_at = clock.now()
        complaint.next_check_at = None
        emit(
            "complaint.not_accepted",
            actor,
            tender_id=complaint.tender_id,
            complaint_id=complaint.id,
        )
    return complaint


def decide(actor: User, complaint_id: int, outcome: object, decision: object) -> Complaint:
    """The supervisor's decision on the merits, published with the tender; a suspended tender
    resumes (unless another complaint or objection still holds it)."""
    with db.transaction() as session:
        complaint = _supervised(session, actor, complaint_id)
        if outcome not in rules.OUTCOMES:
            raise InvalidInput(
                "outcome: upheld or dismissed", code="invalid_field", field="outcome"
            )
        text = required_text(decision if isinstance(decision, str) else None, "decision", 20000)
        rules.check_state(complaint.state, ComplaintState.ACCEPTED, why="decide once accepted")
        now = clock.now()
        complaint.state = ComplaintState(outcome)
        complaint.decision = text
        complaint.decided_at = now
        complaint.handled_by_id = actor.id
        complaint.next_check_at = None
        emit(
            "complaint.decided",
            actor,
            tender_id=complaint.tender_id,
            complaint_id=complaint.id,
            outcome=outcome,
            late=now > complaint.decision_due_at,
        )
        if complaint.suspends:
            complaint.suspends = False
            _resume(session, complaint, actor)
    return complaint


def suspending(session: Session, tender_id: int) -> int:
    """How many complaints hold the tender suspended."""
    return session.scalar(
        select(func.count(Complaint.id)).where(
            Complaint.tender_id == tender_id, Complaint.suspends.is_(True)
        )
    )


def advance(complaint_id: int, now: datetime) -> list[str]:
    """The tick: a missed acceptance or decision limit, reported once each."""
    happened = []
    with db.transaction() as session:
        complaint = fetch_one(session, Complaint, complaint_id, lock=True)
        if complaint is None or complaint.next_check_at is None or complaint.next_check_at > now:
            return happened
        limit = (
            complaint.acceptance_due_at
            if complaint.state == ComplaintState.FILED
            else complaint.decision_due_at
        )
        if limit is not None and now <= limit:
            return happened  # the last moment of the limit is still in time
        if complaint.state == ComplaintState.FILED and complaint.overdue_reported is None:
            complaint.overdue_reported = "acceptance"
            happened.append("acceptance_overdue")
        elif (
            complaint.state == ComplaintState.ACCEPTED and complaint.overdue_reported != "decision"
        ):
            complaint.overdue_reported = "decision"
            happened.append("decision_overdue")
        for what in happened:
            emit(
                f"complaint.{what}",
                "system:tick",
                tender_id=complaint.tender_id,
                complaint_id=complaint.id,
            )
        complaint.next_check_at = None  # accepting sets the decision's limit
    return happened


def due(now: datetime) -> list[int]:
    return list(db.session.scalars(select(Complaint.id).where(Complaint.next_check_at <= now)))


# --- helpers ------------------------------------------------------------------------------------


def _suspend(session: Session, complaint: Complaint, actor: Any) -> None:
    tender = load_tender(session, complaint.tender_id, for_update=True)
    complaint.suspends = True
    if tender.state == TenderState.PUBLISHED:
        tender.state = TenderState.SUSPENDED
    emit(
        "tender.suspended",
        actor,
        tender_id=tender.id,
        complaint_id=complaint.id,
        state=tender.state.value,
    )


def _resume(session: Session, complaint: Complaint, actor: Any) -> None:
    tender = load_tender(session, complaint.tender_id, for_update=True)
    session.flush()
    if suspending(session, tender.id):
        return
    if tender.state == TenderState.SUSPENDED:
        if open_objections(session, tender.id):
            return
        tender.state = TenderState.PUBLISHED
    emit("tender.resumed", actor, tender_id=tender.id, complaint_id=complaint.id)


def _supervised(session: Session, actor: User, complaint_id: int) -> Complaint:
    require_role(actor, Role.SUPERVISOR)
    complaint = fetch_one(session, Complaint, complaint_id, lock=True)
    if complaint is None:
        raise NotFound(f"no complaint {complaint_id}", code="complaint_not_found")
    return complaint


def _concerned(session: Session, actor: User, tender_id: int) -> bool:
    held = session.scalar(
        select(func.count(Participation.id)).where(
            Participation.tender_id == tender_id,
            Participation.organisation_id == actor.organisation_id,
        )
    )
    bid = session.scalar(
        select(func.count(Bid.id)).where(
            Bid.tender_id == tender_id, Bid.organisation_id == actor.organisation_id
        )
    )
    return bool(held or bid)


def _objected(session: Session, actor: User, tender_id: int, subject: str) -> bool:
    if subject == "documents":
        query = select(func.count(Objection.id)).where(
            Objection.tender_id == tender_id, Objection.organisation_id == actor.organisation_id
        )
    else:
        query = (
            select(func.count(AwardObjection.id))
            .join(Award, Award.id == AwardObjection.award_id)
            .where(
                Award.tender_id == tender_id,
                AwardObjection.organisation_id == actor.organisation_id,
            )
        )
    return bool(session.scalar(query))


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            "known_on: a date, YYYY-MM-DD", code="invalid_field", field="known_on"
        ) from None
