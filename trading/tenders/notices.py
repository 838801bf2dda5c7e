"""A published tender's conversation with its bidders, one unit each: questions, clarification and
amendment notices (which may move the deadline, DOMAIN.md §2), and objections (异议), which
suspend the tender until answered."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bidhall import clock
from bidhall.accounts.models import Role, User
from bidhall.accounts.rules import require_role
from bidhall.db import db
from bidhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidhall.events import emit
from trading.tenders import rules
from trading.tenders.models import (
    Notice,
    Objection,
    Question,
    Tender,
    TenderState,
)
from trading.tenders.queries import (
    check_manager,
    is_holder,
    load_tender,
    open_objections,
    rule_set_of,
)
from trading.tenders.services import required_text, reschedule


def _require_holder(session: Session, actor: User, tender: Tender) -> None:
    require_role(actor, Role.BIDDER)
    if not is_holder(session, tender.id, actor.organisation_id):
        raise Forbidden(
            "only bidders who downloaded the documents may do this", code="not_a_holder"
        )


# --- clarifications, amendments, questions ------------------------------------------------------


def ask_question(actor: User, tender_id: int, body: str) -> Question:
    body = required_text(body, "body", 5000)
    with db.transaction() as session:
        tender = load_tender(session, tender_id)
        rules.check_action("ask", tender.state)
        _require_holder(session, actor, tender)
        question = Question(
            tender_id=tender.id,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            body=body,
            asked_at=clock.now(),
        )
        session.add(question)
        session.flush()
        # the asker stays anonymous: the ledger names the question, not who asked it publicly
        emit("tender.question_asked", actor, tender_id=tender.id, question_id=question.id)
    return question


def issue_notice(
    actor: User,
    tender_id: int,
    kind: str,
    title: str,
    body: str,
    affects_preparation: bool,
    question_id: int | None = None,
) -> Notice:
    """Publish a clarification or amendment to every holder; move the deadline when the law
    needs more time left (Regs Art 21)."""
    if kind not in ("clarification", "amendment"):
        raise InvalidInput(
            "kind must be clarification or amendment", code="invalid_field", field="kind"
        )
    title = required_text(title, "title", 300)
    body = required_text(body, "body", 20000)
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        check_manager(actor, tender)
        rules.check_action("notice", tender.state)
        now = clock.now()
        rs = rule_set_of(tender.rule_set)
        before = tender.bid_deadline
        after = rules.deadline_after_notice(rs, before, now, affects_preparation)
        notice = Notice(
            kind=kind,
            title=title,
            body=body,
            affects_preparation=affects_preparation,
            issued_by_id=actor.id,
            issued_at=now,
            deadline_before=before,
            deadline_after=after,
        )
        tender.notices.append(notice)
        session.flush()
        if question_id is not None:
            question = session.get(Question, question_id)
            if question is None or question.tender_id != tender.id:
                raise NotFound(
                    f"no question {question_id} in this tender", code="question_not_found"
                )
            question.answered_by_notice_id = notice.id
        emit(
            "tender.notice_issued",
            actor,
            tender_id=tender.id,
            notice_id=notice.id,
            kind=kind,
            affects_preparation=affects_preparation,
        )
        if after != before:
            tender.bid_deadline = after
            if tender.issue_end > after:
                tender.issue_end = after
            emit(
                "tender.deadline_moved",
                actor,
                tender_id=tender.id,
                notice_id=notice.id,
                before=before.isoformat(),
                after=after.isoformat(),
                reason="regs_art_21_15_days",
            )
        reschedule(session, tender)
    return notice


# --- objections to the documents ----------------------------------------------------------------


def raise_objection(actor: User, tender_id: int, body: str) -> Objection:
    body = required_text(body, "body", 20000)
    with db.transaction() as session:
        tender = load_tender(session, tender_id, for_update=True)
        rules.check_action("object", tender.state)
        _require_holder(session, actor, tender)
        now = clock.now()
        rs = rule_set_of(tender.rule_set)
        rules.check_objection_window(rs, tender.bid_deadline, now)
        objection = Objection(
            tender_id=tender.id,
            organisation_id=actor.organisation_id,
            user_id=actor.id,
            body=body,
            raised_at=now,
            answer_due_at=rules.objection_answer_due(rs, now),
        )
        session.add(objection)
        tender.state = TenderState.SUSPENDED
        session.flush()
        reschedule(session, tender)
        emit(
            "tender.objection_raised",
            actor,
            tender_id=tender.id,
            objection_id=objection.id,
            answer_due_at=objection.answer_due_at.isoformat(),
        )
        emit("tender.suspended", actor, tender_id=tender.id, objection_id=objection.id)
    return objection


def answer_objection(actor: User, objection_id: int, answer: str) -> Objection:
    answer = required_text(answer, "answer", 20000)
    with db.transaction() as session:
        objection = session.get(Objection, objection_id, populate_existing=True)
        if objection is None:
            raise NotFound(f"no objection {objection_id}", code="objection_not_found")
        tender = load_tender(session, objection.tender_id, for_update=True)
        check_manager(actor, tender)
        rules.check_action("answer_objection", tender.state)
        if objection.answered_at is not None:
            raise Conflict("this objection was answered already", code="already_answered")
        now = clock.now()
        objection.answer = answer
        objection.answered_at = now
        objection.answered_by_id = actor.id
        emit(
            "tender.objection_answered",
            actor,
            tender_id=tender.id,
            objection_id=objection.id,
            late=now > objection.answer_due_at,
        )
        from trading.complaints.services import suspending  # a complaint may hold it too

        if (
            tender.state == TenderState.SUSPENDED
            and not open_objections(session, tender.id)
            and not suspending(session, tender.id)
        ):
            tender.state = TenderState.PUBLISHED
            emit("tender.resumed", actor, tender_id=tender.id)
        reschedule(session, tender)
    return objection
